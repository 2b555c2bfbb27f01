"""L2_NORMALIZATION (float32, int8) and LOG_SOFTMAX (float32), in TFLM's reference order of
operations."""
import numpy as np

from .. import quant
from .activations import expf
from .base import Kernel, register
from .common import clip


class _FloatRows(Kernel):
    dtypes = ("float32",)

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.float32 or y.dtype != np.float32 or x.shape != y.shape or not x.shape:
            self.fail("only float32 with equal, non-scalar shapes is supported")
        self.depth = x.shape[-1]


@register("L2_NORMALIZATION")
class L2Normalization(Kernel):
    """float32 (sum of squares in order, as TFLM), and int8 (TFLM's fixed-point inverse square
    root of each row's integer sum of squares; output scale 1/128)."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape or not x.shape or \
                x.dtype not in (np.float32, np.int8):
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.depth = x.shape[-1]
        self.float = x.dtype == np.float32
        if self.float:
            return
        if x.quantization is None or y.quantization is None or \
                int(y.quantization.zero_point[0]) != 0 or \
                float(y.quantization.scale[0]) != 1 / 128:
            self.fail("int8 output must have scale 1/128 and zero point 0")
        self.zx = int(x.quantization.zero_point[0])
        self.inv_sqrt = {}      # a row's sum of squares -> TFLM's (multiplier, shift)

    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        out = outputs[0].reshape(-1, self.depth)
        if self.float:
            sq = np.add.accumulate(rows * rows, axis=1, dtype=np.float32)[:, -1:]
            norm = np.maximum(np.sqrt(sq), np.float32(1e-6))
            out[...] = rows / norm
            return
        v = rows.astype(np.int64) - self.zx
        sums = (v * v).sum(axis=1)
        params = []
        for acc in sums.tolist():             # one fixed-point root per row, remembered
            p = self.inv_sqrt.get(acc)
            if p is None:
                p = self.inv_sqrt[acc] = quant.inv_sqrt_multiplier_exp(acc)
            params.append(p)
        m = np.array([p[0] for p in params], np.int64)[:, None]
        s = np.array([p[1] for p in params], np.int64)[:, None] + 7
        r = quant.multiply_by_quantized_multiplier(v, m, s)
        clip(r, -128, 127, out=out, casting="unsafe")


@register("LOG_SOFTMAX")
class LogSoftmax(_FloatRows):
    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        mx = rows.max(axis=1, keepdims=True)
        s = np.add.accumulate(expf(rows - mx), axis=1, dtype=np.float32)[:, -1:]
        log_sum = np.log(s.astype(np.float64)).astype(np.float32)
        outputs[0].reshape(-1, self.depth)[...] = rows - mx - log_sum
