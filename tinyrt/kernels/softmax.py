"""SOFTMAX: float32, int8 -> int8 / int16 with gemmlowp's fixed-point exp, and int16 -> int16
with TFLite's interpolated lookup tables, as TFLM's reference.

An int8 input row has at most 256 distinct differences from its maximum, so the fixed-point
exp of every possible difference is tabulated in prepare; eval gathers from the table and does
the per-row reciprocal and scaling vectorised over rows (a single row, a classifier's output,
takes a shorter path with the same arithmetic).
"""
import math

import numpy as np

from .. import quant
from ..native.core import OutOfRange, prepares_native
from .activations import expf
from .base import Kernel, register
from .common import clip

SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12


@prepares_native
def native_softmax(ctx, exp_table, sum_table, rows, depth, out_dtype, out_min, out_max):
    """The softmax_s8 node of an int8-input SOFTMAX, from the kernel's tables (256 int32
    entries each, indexed by x - max read as uint8)."""
    # the Q12.19 sum of up to depth terms of at most 2^19 must stay inside int32
    if rows < 1 or not 1 <= depth < 1 << 12 or \
            np.dtype(out_dtype) not in (np.dtype(np.int8), np.dtype(np.int16)):
        raise OutOfRange("not a layer the C kernel takes")
    tables = [np.ascontiguousarray(t, np.int32) for t in (exp_table, sum_table)]
    if any(t.shape != (256,) for t in tables):
        raise OutOfRange("tables of another size")
    return ctx.native_node("softmax_s8", keep=tables, exp_table=tables[0], sum_table=tables[1],
                           rows=rows, depth=depth, out_bits=8 * np.dtype(out_dtype).itemsize,
                           out_min=out_min, out_max=out_max)


@prepares_native
def native_softmax_float(ctx, rows, depth, beta):
    """The softmax_f32 node of a float32 SOFTMAX."""
    if rows < 1 or depth < 1:
        raise OutOfRange("an empty softmax")
    return ctx.native_node("softmax_f32", rows=rows, depth=depth, beta=beta)


@register("SOFTMAX")
class Softmax(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.shape != y.shape:
            self.fail(f"input shape {list(x.shape)} differs from output {list(y.shape)}")
        if not x.shape:
            self.fail("input must have at least one dimension")
        self.depth = x.shape[-1]
        self.shape = x.shape
        beta = float(np.float32(self.options.get("beta", 1.0)))
        if x.dtype == np.float32:
            if y.dtype != np.float32:
                self.fail(f"float32 input needs a float32 output, got {y.dtype}")
            self.kind = "float"
            self.beta = np.float32(beta)
            self.native = native_softmax_float(ctx, int(np.prod(x.shape[:-1], dtype=np.int64)),
                                               self.depth, self.beta)
            return
        if x.quantization is None or y.quantization is None:
            self.fail("quantized SOFTMAX needs quantization parameters")
        in_scale = float(x.quantization.scale[0])
        out_scale = float(y.quantization.scale[0])
        out_zp = int(y.quantization.zero_point[0])
        if x.dtype == np.int8:
            if y.dtype == np.int8:
                if out_zp != -128 or np.float32(out_scale) != np.float32(1 / 256):
                    self.fail("int8 output must have scale 1/256 and zero point -128")
            elif y.dtype == np.int16:
                if out_zp != -32768 or abs(out_scale - 1 / 65536) > 0.001 / 65536:
                    self.fail("int16 output of an int8 input must have scale 1/65536 and zero "
                              "point -32768")
            else:
                self.fail(f"int8 input needs an int8 or int16 output, got {y.dtype}")
            self.kind = "int8"
            self._prepare_int8(beta, in_scale, y.dtype)
            if not self.sum_may_overflow:   # the C kernel does not check the sums
                self.native = native_softmax(ctx, self.exp_table, self.sum_table,
                                             int(np.prod(self.shape)) // max(self.depth, 1),
                                             self.depth, y.dtype, self.out_min, self.out_max)
        elif x.dtype == np.int16:
            if y.dtype != np.int16:
                self.fail(f"int16 input needs an int16 output, got {y.dtype}")
            if int(x.quantization.zero_point[0]) != 0 or out_zp != 0:
                self.fail("int16 SOFTMAX needs zero points of 0")
            if abs(out_scale - 1 / 32768) > 0.001 / 32768:
                self.fail("int16 output must have scale 1/32768")
            self.kind = "int16"
            rng = 65535
            self.exp_lut = quant.int16_lookup_table(expf, np.float32(10.0) / np.float32(rng),
                                                    32767, np.float32(2.0) / np.float32(rng), 0)
            self.inv_lut = quant.int16_lookup_table(
                lambda v: np.float32(1) / (np.float32(1) + v), np.float32(1.0) / np.float32(rng),
                -32768, np.float32(2.0) / np.float32(rng), 0)
            self.requant = quant.Requantizer(*quant.quantize_multiplier(
                float(np.float32(in_scale)) * beta / (10.0 / 65535.0)))
        else:
            self.fail(f"unsupported input type {x.dtype}")

    # -- int8 ---------------------------------------------------------------------------------
    def _prepare_int8(self, beta, in_scale, out_dtype):
        # PreprocessSoftmaxScaling, then QuantizeMultiplierGreaterThanOne
        real = min(beta * in_scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
        if not real > 1:
            # TFLM's QuantizeMultiplierGreaterThanOne aborts the program here
            self.fail(f"beta {beta} x input scale {in_scale} x 2^26 is {real}; TFLM needs it "
                      "above 1 (it aborts otherwise)")
        mult, left = quant.quantize_multiplier(real)
        radius = math.floor(((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                            * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left))
        diff_min = -radius
        diffs = np.arange(-255, 1, dtype=np.int64)              # every possible x - max
        rescaled = quant.srdhm(diffs << left, mult)               # MultiplyByQuantizedMultiplierGreaterThanOne
        exp = quant.exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS)
        valid = diffs >= diff_min
        # Indexed by x - max directly (-255..0): entry 0 is diff 0, entry -k is diff -k.
        # Differences beyond diff_min get exp 0, which the output stage turns into out_min.
        self.exp_table = np.roll(np.where(valid, exp, 0), 1)          # Q0.31
        self.sum_table = np.roll(np.where(valid, quant.rescale(exp, 0,
                                                               ACCUMULATION_INTEGER_BITS), 0), 1)
        self.reciprocal_cache = {}
        self.out_bits = np.dtype(out_dtype).itemsize * 8
        # The Q12.19 sum of a row's exps (each at most 1.0, 2^19) sets the exponent of TFLM's
        # last RoundingDivideByPOT: floor(log2(sum)) + 31 - out_bits, which its assert keeps
        # at 31 or less (sums below 2^(out_bits + 1), 512 for int8); the int32 sum must stay
        # below 2^31 anyway.
        # TFLM aborts on a row past the first (and its sum wraps past the second), so such a
        # row is refused at eval (_reciprocals).
        self.sum_limit = 1 << min(self.out_bits + 20, 31)
        self.sum_may_overflow = self.depth << 19 >= self.sum_limit
        self.out_min, self.out_max = quant.dtype_range(out_dtype)
        self.out_dtype = out_dtype
        self.single = self.depth > 0 and int(np.prod(self.shape)) == self.depth
        if self.single:
            # int8 arithmetic wraps, so x - max in int8 read as uint8 is the difference mod
            # 256: the tables' index
            self.diff = np.empty(self.depth, np.int8)
            self.diff_index = self.diff.view(np.uint8)

    def _reciprocals(self, sums):
        """Per row: the Q0.31 reciprocal of the sum of exps, the output exponent e, and the
        term 2^(e-1) + out_min 2^e of the final rounding. Results are remembered (exactly: they
        depend on the sum alone), which spares repeated rows the fixed-point reciprocal."""
        if self.sum_may_overflow and np.any(sums >= self.sum_limit):
            why = (f"TFLM's {self.out_bits}-bit output stage takes sums below "
                   f"{self.sum_limit >> 19} and aborts otherwise" if self.sum_limit < 1 << 31
                   else "its Q12.19 value leaves TFLM's int32 sum (undefined behaviour)")
            self.fail(f"a row's sum of exps is {np.max(sums) / (1 << 19):.6g} (too many of "
                      f"its {self.depth} values near the row's maximum); {why}")
        cache = self.reciprocal_cache
        key = sums.tobytes()
        hit = cache.get(key)
        if hit is None:
            scale, bits_over_unit = quant.get_reciprocal(sums, ACCUMULATION_INTEGER_BITS)
            exponent = (bits_over_unit + 31 - self.out_bits).astype(np.int64)
            rounding = ((np.int64(1) << exponent) >> 1) + (np.int64(self.out_min) << exponent)
            hit = (scale[:, None], exponent[:, None], rounding[:, None])
            if len(cache) >= 4096:
                cache.clear()
            cache[key] = hit
        return hit

    def _scale_exps(self, exps, scale, exponent, rounding, out):
        """The outputs of Q0.31 ``exps`` given their row's reciprocal terms (_reciprocals)."""
        # SaturatingRoundingDoublingHighMul(scale, exp) then RoundingDivideByPOT: both operands
        # are non-negative, so each rounding is an add and a flooring shift.
        r = exps * scale
        r += 1 << 30
        r >>= 31
        r += rounding
        r >>= exponent
        clip(r, self.out_min, self.out_max, out=out, casting="unsafe")

    def _eval_int8(self, x, out):
        if self.single:
            row = x.reshape(self.depth)
            np.subtract(row, np.maximum.reduce(row), out=self.diff)
            index = self.diff_index
            scale, exponent, rounding = self._reciprocals(self.sum_table[index].sum(keepdims=True))
            self._scale_exps(self.exp_table[index], scale[0], exponent[0], rounding[0],
                             out.reshape(self.depth))
            return
        rows = x.reshape(-1, self.depth)
        diff = np.subtract(rows, rows.max(axis=1, keepdims=True), dtype=np.int16)
        scale, exponent, rounding = self._reciprocals(self.sum_table[diff].sum(axis=1))
        self._scale_exps(self.exp_table[diff], scale, exponent, rounding,
                         out.reshape(-1, self.depth))

    # -- int16 --------------------------------------------------------------------------------
    def _eval_int16(self, x, out):
        rows = x.reshape(-1, self.depth).astype(np.int64)
        diff = rows - rows.max(axis=1, keepdims=True)
        scaled = np.clip(self.requant(diff) + 32767, -32768, 32767)
        exps = quant.int16_lookup(scaled, self.exp_lut)                # Q0.15
        sums = exps.sum(axis=1, keepdims=True)
        headroom = quant.count_leading_zeros32(sums)
        shifted = ((sums << (headroom - 1)) + (1 << 13)) >> 14
        sym = np.clip(shifted - ((1 << 15) + (1 << 16)), -32768, 32767)
        recip = quant.int16_lookup(sym, self.inv_lut)
        right = 31 - headroom
        r = (exps * recip + (np.int64(1) << (right - 1))) >> right
        clip(r, 0, 32767, out=out.reshape(-1, self.depth), casting="unsafe")

    # -- float --------------------------------------------------------------------------------
    def _eval_float(self, x, out):
        rows = x.reshape(-1, self.depth)
        mx = rows.max(axis=1, keepdims=True)
        e = expf((rows - mx) * self.beta)
        s = np.add.accumulate(e, axis=1, dtype=np.float32)[:, -1:]
        out.reshape(-1, self.depth)[...] = e / s

    def eval(self, inputs, outputs):
        kind = self.kind
        if kind == "int8":
            self._eval_int8(inputs[0], outputs[0])
        elif kind == "int16":
            self._eval_int16(inputs[0], outputs[0])
        else:
            self._eval_float(inputs[0], outputs[0])

