"""DIV, MAXIMUM, MINIMUM: element-wise binary ops with broadcasting. Their int32 layers run in
the compiled core's binary_s32 kernel."""
import math

import numpy as np

from .. import quant
from ..native.elementwise import native_binary
from .base import Kernel, register
from .common import (Int8PairTable, activation, check_broadcast, clamp_range, clip, same_types,
                     scale_of, zero_point_of)


@register("DIV")
class Div(Kernel):
    """float32 and int32 directly; int8 through TFLM's fixed-point reciprocal, whose result
    depends only on the two input values, so prepare tabulates it over all 256 x 256 pairs."""
    dtypes = ("float32", "int8", "int32")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int32))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.kind = dt.name
        if dt == np.int8:
            self.table = self._int8_table(a, b, y, act)
            return
        self.lo, self.hi = (quant.activation_range_float(act) if dt == np.float32
                            else quant.activation_range_int(act, dt))
        if dt == np.int32:
            self.native = native_binary(ctx, "DIV", self.lo, self.hi)

    def _int8_table(self, a, b, y, act):
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("int8 DIV needs quantization parameters")
        sa, sb, sy = (float(scale_of(t)) for t in (a, b, y))
        # in double: tflite-micro's results need it (a float32 quotient of the scales is off
        # by one output step on some values next to a rounding boundary)
        real = sa / (sb * sy) if sb * sy > 0 else math.inf
        if not 0 < real < math.inf:
            self.fail(f"scales {sa}, {sb} -> {sy} give no finite positive multiplier")
        lo, hi = clamp_range(act, y)
        m, shift = quant.quantize_multiplier(real)
        za, zb, zy = zero_point_of(a), zero_point_of(b), zero_point_of(y)
        return Int8PairTable(lambda p, q: _int8_div(p - za, q - zb, m, shift, zy, lo, hi))

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.kind == "int8":
            self.table(a, b, outputs[0])
            return
        if self.kind == "float32":
            clip(a / b, self.lo, self.hi, out=outputs[0])
            return
        if not b.all():
            # C integer division by zero traps on the device; say so instead.
            self.fail("integer division by zero")
        a, b = a.astype(np.int64), b.astype(np.int64)     # |INT32_MIN| fits
        q = np.abs(a) // np.abs(b)            # C division truncates towards zero
        q = np.where((a < 0) != (b < 0), -q, q)
        clip(q, self.lo, self.hi, out=outputs[0], casting="unsafe")


# GetReciprocal(0), which a denominator at its zero point reaches (TFLM does not refuse it):
# the C code shifts 0 left by 32 bits (0 whatever the machine makes of that) and runs gemmlowp's
# Newton iteration for 1 / (1 + x) at x = -1, where its int32 sums wrap around. This is the raw
# value it ends at; quant.get_reciprocal, which does not wrap, would give INT32_MAX.
_RECIPROCAL_OF_ZERO = -1515870788


def _int8_div(num, den, multiplier, shift, zero_point, lo, hi):
    """TFLM's quantized division of offset values ``num`` / ``den`` (int64 arrays that
    broadcast), requantized by (multiplier, shift), shifted by the output zero point, clamped to
    [lo, hi]; int8 result."""
    # the reciprocal multiplier must be positive: move the denominator's sign to the numerator
    num, den = np.broadcast_arrays(np.where(den < 0, -num, num), np.abs(den))
    inv, inv_shift = quant.get_reciprocal(den, 31)
    inv = np.where(den == 0, _RECIPROCAL_OF_ZERO, inv)
    # CountLeadingSignBits: the numerator is normalised into [2^30, 2^31) in magnitude
    headroom = quant.count_leading_zeros32(np.where(num < 0, ~num, num)) - 1
    q = quant.srdhm(quant.srdhm(num << headroom, inv), multiplier)
    r = _rounding_divide_by_pot_x86(q, headroom + inv_shift - shift)
    return np.clip(quant.wrap_int32(r + zero_point), lo, hi).astype(np.int8)


def _rounding_divide_by_pot_x86(x, exponent):
    """gemmlowp RoundingDivideByPOT for any exponent, as tflite-micro's x86-64 build computes
    it. DIV's exponent exceeds 31 whenever the quotient is below half an output step (a
    numerator at its zero point, say), which C leaves undefined: x86-64 takes the int64 shift
    that makes the rounding mask modulo 64 (so the mask is all ones from 32 on) and the int32
    shift of x modulo 32. The result is then x >> (exponent mod 32), plus one when x >= 0,
    typically a saturated output where the true quotient rounds to zero (tflite-micro gives
    127 for 1 / 100 at equal scales); other machines may differ."""
    k = exponent & 63
    in_range = quant.rounding_divide_by_pot(x, np.minimum(k, 31))
    return np.where(k < 32, in_range, (x >> (k & 31)) + (x >= 0))


class _MinMax(Kernel):
    """TFLM picks with one comparison (el1 > el2 ? el1 : el2 for MAXIMUM): a NaN first input
    gives the second, a NaN second input gives NaN, and of +0.0 and -0.0 the second wins."""
    dtypes = ("float32", "int8", "int16", "int32", "int64")
    fn = None

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32, np.int64))
        check_broadcast(self, a, b, y)
        self.float = a.dtype == np.float32
        if dt == np.int32:
            self.native = native_binary(ctx, self.op_name, *quant.dtype_range(dt))

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.float:
            outputs[0][...] = np.where(self.first_wins(a, b), a, b)
        else:
            self.fn(a, b, out=outputs[0])


@register("MAXIMUM")
class Maximum(_MinMax):
    fn = staticmethod(np.maximum)
    first_wins = staticmethod(np.greater)


@register("MINIMUM")
class Minimum(_MinMax):
    fn = staticmethod(np.minimum)
    first_wins = staticmethod(np.less)
