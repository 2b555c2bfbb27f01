"""LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT (bool, with broadcasting), SELECT_V2 (broadcasting
condition and values) and ZEROS_LIKE, with the dtypes of TFLM's kernels."""
import numpy as np

from .base import Kernel, register
from .common import check_broadcast


class _Logical(Kernel):
    dtypes = ("bool",)
    fn = None

    def prepare(self, ctx):
        if any(t.dtype != np.bool_ for t in ctx.inputs + ctx.outputs):
            self.fail("inputs and output must be bool")
        if len(ctx.inputs) == 2:
            check_broadcast(self, ctx.inputs[0], ctx.inputs[1], ctx.outputs[0], max_rank=8)
        elif ctx.inputs[0].shape != ctx.outputs[0].shape:
            self.fail("output shape differs from the input's")

    def eval(self, inputs, outputs):
        type(self).fn(*inputs, out=outputs[0])


register("LOGICAL_AND")(type("LogicalAnd", (_Logical,), {"fn": staticmethod(np.logical_and)}))
register("LOGICAL_OR")(type("LogicalOr", (_Logical,), {"fn": staticmethod(np.logical_or)}))
register("LOGICAL_NOT")(type("LogicalNot", (_Logical,), {"fn": staticmethod(np.logical_not)}))


@register("SELECT_V2")
class SelectV2(Kernel):
    """float32, int8, int16 (the types tflite-micro's SELECT_V2 evaluates)."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        if len(ctx.inputs) != 3:
            self.fail(f"needs 3 inputs (condition, x, y), got {len(ctx.inputs)}")
        cond, a, b = ctx.inputs
        y = ctx.outputs[0]
        if cond.dtype != np.bool_:
            self.fail(f"condition must be bool, got {cond.dtype}")
        if a.dtype != b.dtype or a.dtype != y.dtype:
            self.fail(f"x, y and the output must share a type: {a.dtype}, {b.dtype}, {y.dtype}")
        if a.dtype not in (np.float32, np.int8, np.int16):
            self.fail(f"type {a.dtype} is not supported (supported: float32, int8, int16)")
        if max(len(cond.shape), len(a.shape), len(b.shape)) > 8:
            self.fail("inputs of rank above 8 are not supported")
        sizes = [int(np.prod(t.shape)) for t in (cond, a, b, y)]
        # TFLM lets one-element tensors of any ranks through as a scalar select
        self.scalar = sizes == [1, 1, 1, 1]
        if self.scalar:
            return
        try:
            shape = np.broadcast_shapes(cond.shape, a.shape, b.shape)
        except ValueError:
            self.fail(f"shapes {list(cond.shape)}, {list(a.shape)}, {list(b.shape)} "
                      "do not broadcast")
        if tuple(shape) != y.shape:
            self.fail(f"inputs broadcast to {list(shape)}, output is {list(y.shape)}")

    def eval(self, inputs, outputs):
        cond, a, b = inputs
        if self.scalar:
            outputs[0].reshape(-1)[0] = a.reshape(-1)[0] if cond.reshape(-1)[0] \
                else b.reshape(-1)[0]
            return
        np.copyto(outputs[0], np.where(cond, a, b))


@register("ZEROS_LIKE")
class ZerosLike(Kernel):
    dtypes = ("float32", "int8", "int32", "int64")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype:
            self.fail(f"output type {y.dtype} differs from the input's {x.dtype}")
        if x.dtype not in (np.float32, np.int8, np.int32, np.int64):
            self.fail(f"type {x.dtype} is not supported (supported: float32, int8, int32, int64)")
        if int(np.prod(x.shape)) != int(np.prod(y.shape)):
            self.fail(f"output shape {list(y.shape)} does not match input {list(x.shape)}")

    def eval(self, inputs, outputs):
        outputs[0][...] = 0
