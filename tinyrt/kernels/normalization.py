"""L2_NORMALIZATION and LOG_SOFTMAX over the last axis: float32 in TFLM's reference order of
operations, int8 with its fixed-point algorithms."""
import numpy as np

from .. import libm, quant
from .base import Kernel, register
from .common import activation, clip, scale_of, zero_point_of


def _rows_prepare(kernel, ctx):
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8):
        kernel.fail(f"unsupported types: {x.dtype} -> {y.dtype} (supported: float32, int8)")
    if x.shape != y.shape or not x.shape:
        kernel.fail(f"output shape {list(y.shape)} must equal the input's {list(x.shape)}, "
                    "with at least one dimension")
    kernel.depth = x.shape[-1]
    kernel.float = x.dtype == np.float32
    return x, y


@register("L2_NORMALIZATION")
class L2Normalization(Kernel):
    """float32 (sum of squares in order, as TFLM), and int8 (TFLM's fixed-point inverse square
    root of each row's integer sum of squares; results in units of 1/128)."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, _ = _rows_prepare(self, ctx)
        if len(x.shape) > 4:
            self.fail(f"input rank {len(x.shape)} is above 4")
        if activation(self.options) != "NONE":
            self.fail("a fused activation is not supported")
        # TFLM does not check the output quantization: int8 results are in units of 1/128
        self.zx = 0 if self.float else zero_point_of(x)

    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        out = outputs[0].reshape(-1, self.depth)
        if self.float:
            sq = np.add.accumulate(rows * rows, axis=1, dtype=np.float32)[:, -1:]
            norm = np.maximum(np.sqrt(sq), np.float32(1e-6))
            out[...] = rows / norm
            return
        v = rows.astype(np.int64) - self.zx
        m, s = quant.inv_sqrt_multiplier_exp((v * v).sum(axis=1))
        r = quant.multiply_by_quantized_multiplier(v, m[:, None], s[:, None] + 7)
        clip(r, -128, 127, out=out, casting="unsafe")


SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12
OUTPUT_INTEGER_BITS = 4


@register("LOG_SOFTMAX")
class LogSoftmax(Kernel):
    """float32, and int8 through TFLM's fixed-point exp and log (output scale 16/256, zero
    point 127). An int8 row has at most 256 distinct differences from its maximum, so their
    rescaled values and exps are tabulated in prepare."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, y = _rows_prepare(self, ctx)
        if self.float:
            return
        if x.quantization is None or y.quantization is None:
            self.fail("int8 LOG_SOFTMAX needs quantization parameters")
        if np.float32(scale_of(y)) != np.float32(16 / 256) or zero_point_of(y) != 127:
            self.fail("int8 output must have scale 16/256 and zero point 127")
        # PreprocessLogSoftmaxScalingExp with beta 1
        real = min(float(np.float32(scale_of(x))) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)),
                   (1 << 31) - 1.0)
        if real <= 1.0:
            self.fail(f"input scale {scale_of(x)} is too small for TFLM's LOG_SOFTMAX")
        mult, left = quant.quantize_multiplier(real)
        reverse = (1 << (31 - left)) / float(mult)
        if not 0.0 < reverse < 1.0:
            self.fail(f"input scale {scale_of(x)} is too small for TFLM's LOG_SOFTMAX")
        self.reverse = quant.Requantizer(*quant.quantize_multiplier(reverse))
        radius = int(np.floor(((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                              * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left)))
        self.diff_min = -radius
        diffs = np.arange(-255, 1, dtype=np.int64)           # every possible x - max
        self.q5_table = quant.Requantizer(mult, left)(diffs)
        exps = quant.exp_on_negative_values(self.q5_table, SCALED_DIFF_INTEGER_BITS)
        self.sum_table = np.where(diffs >= self.diff_min,
                                  quant.rescale(exps, 0, ACCUMULATION_INTEGER_BITS), 0)

    def eval(self, inputs, outputs):
        rows = inputs[0].reshape(-1, self.depth)
        out = outputs[0].reshape(-1, self.depth)
        if self.float:
            # TFLM's running std::max from the lowest float passes over NaNs
            mx = np.fmax.reduce(rows, axis=1, keepdims=True, initial=-quant.FLOAT32_MAX)
            s = np.add.accumulate(libm.expf(rows - mx), axis=1, dtype=np.float32)[:, -1:]
            log_sum = libm.logf(s)
            out[...] = rows - mx - log_sum
            return
        r = rows.astype(np.int64)
        diff = r - r.max(axis=1, keepdims=True)
        idx = diff + 255
        sums = quant.wrap_int32(self.sum_table[idx].sum(axis=1))
        log_sum = quant.log_x_for_x_greater_than_or_equal_to_1(
            sums, ACCUMULATION_INTEGER_BITS, SCALED_DIFF_INTEGER_BITS)[:, None]
        adjusted = np.maximum(self.diff_min - 1, self.reverse(log_sum + quant.INT32_MIN))
        q5 = self.q5_table[idx]
        shift = 31 - SCALED_DIFF_INTEGER_BITS - OUTPUT_INTEGER_BITS
        v = quant.rounding_divide_by_pot(quant.wrap_int32(q5 - log_sum), shift) + 127
        v = np.where(diff > adjusted, v, -128)
        clip(v, -128, 127, out=out, casting="unsafe")
