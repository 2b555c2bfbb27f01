"""RESHAPE, SQUEEZE, EXPAND_DIMS: the same bytes under another shape (TFLM copies them when
input and output are different tensors)."""
import numpy as np

from .base import Kernel, register


@register("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
class Reshape(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64", "uint8", "bool")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype:
            self.fail(f"input is {x.dtype} but output is {y.dtype}")
        if int(np.prod(x.shape)) != int(np.prod(y.shape)):
            self.fail(f"cannot reshape {list(x.shape)} ({int(np.prod(x.shape))} values) to "
                      f"{list(y.shape)}")

    def eval(self, inputs, outputs):
        out = outputs[0]
        out.reshape(-1)[...] = inputs[0].reshape(-1)
