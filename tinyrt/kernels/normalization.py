"""L2_NORMALIZATION, LOG_SOFTMAX and ELU (float32), in TFLM's reference order of operations."""
import numpy as np

from .activations import expf
from .base import Kernel, register


class _FloatRows(Kernel):
    dtypes = ("float32",)

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.float32 or y.dtype != np.float32 or x.shape != y.shape or not x.shape:
            self.fail("only float32 with equal, non-scalar shapes is supported")
        self.depth = x.shape[-1]


@register("L2_NORMALIZATION")
class L2Normalization(_FloatRows):
    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        sq = np.add.accumulate(rows * rows, axis=1, dtype=np.float32)[:, -1:]
        norm = np.maximum(np.sqrt(sq), np.float32(1e-6))
        outputs[0].reshape(-1, self.depth)[...] = rows / norm


@register("LOG_SOFTMAX")
class LogSoftmax(_FloatRows):
    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        mx = rows.max(axis=1, keepdims=True)
        s = np.add.accumulate(expf(rows - mx), axis=1, dtype=np.float32)[:, -1:]
        log_sum = np.log(s.astype(np.float64)).astype(np.float32)
        outputs[0].reshape(-1, self.depth)[...] = rows - mx - log_sum


@register("ELU")
class Elu(_FloatRows):
    def eval(self, inputs, outputs):
        x = inputs[0]
        outputs[0][...] = np.where(x < 0, expf(x) - np.float32(1), x)
