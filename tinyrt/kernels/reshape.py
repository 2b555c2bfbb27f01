"""RESHAPE, SQUEEZE, EXPAND_DIMS: the same bytes under another shape (TFLM copies them when
input and output are different tensors). SQUEEZE and EXPAND_DIMS also check, as TFLM's prepare
does, that the output shape is the one their dimensions or axis say. In the compiled core they
are one flat byte copy (none when input and output are the same bytes)."""
import numpy as np

from ..native.core import prepares_native
from .base import Kernel, register


@prepares_native
def native_copy(ctx, x):
    return ctx.native_node("copy", nbytes=int(np.prod(x.shape, dtype=np.int64)) *
                           np.dtype(x.dtype).itemsize)


@register("RESHAPE")
class Reshape(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64", "uint8", "bool")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype:
            self.fail(f"input is {x.dtype} but output is {y.dtype}")
        if int(np.prod(x.shape)) != int(np.prod(y.shape)):
            self.fail(f"cannot reshape {list(x.shape)} ({int(np.prod(x.shape))} values) to "
                      f"{list(y.shape)}")
        self.native = native_copy(ctx, x)

    def eval(self, inputs, outputs):
        out = outputs[0]
        out.reshape(-1)[...] = inputs[0].reshape(-1)


@register("SQUEEZE")
class Squeeze(Reshape):
    def prepare(self, ctx):
        super().prepare(ctx)
        shape = list(ctx.inputs[0].shape)
        given = self.options.get("squeeze_dims")
        dims = [] if given is None else [int(d) for d in np.asarray(given).reshape(-1)]
        if not dims:
            dropped = {i for i, d in enumerate(shape) if d == 1}
        else:
            dropped = set()
            for d in dims:
                k = d + len(shape) if d < 0 else d
                if not 0 <= k < len(shape) or shape[k] != 1:
                    self.fail(f"cannot squeeze dimension {d} of input shape {shape}")
                dropped.add(k)
        expected = [d for i, d in enumerate(shape) if i not in dropped]
        if list(ctx.outputs[0].shape) != expected:
            self.fail(f"output shape {list(ctx.outputs[0].shape)} is not {expected}")


@register("EXPAND_DIMS")
class ExpandDims(Reshape):
    def prepare(self, ctx):
        super().prepare(ctx)
        if len(ctx.inputs) != 2:
            self.fail("takes an input and an axis tensor")
        axis_t = ctx.inputs[1]
        if axis_t.data is None or axis_t.dtype != np.int32 or axis_t.data.size != 1:
            self.fail("axis must be a constant int32 tensor of one value")
        shape = list(ctx.inputs[0].shape)
        axis = int(axis_t.data.reshape(-1)[0])
        k = axis + len(shape) + 1 if axis < 0 else axis
        if not 0 <= k <= len(shape):
            self.fail(f"axis {axis} is out of range for input shape {shape}")
        expected = shape[:k] + [1] + shape[k:]
        if list(ctx.outputs[0].shape) != expected:
            self.fail(f"output shape {list(ctx.outputs[0].shape)} is not {expected}")
