"""Fixed-point arithmetic shared by every quantized kernel, vectorised over numpy arrays.

These reproduce TFLM's integer helpers (quantization_util, common.h) bit for bit. Values travel
as int64 arrays so that every intermediate product of the C code fits without wrapping.
"""
import math

import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1

# TFLM has two MultiplyByQuantizedMultiplier implementations; the pip build of tflite-micro
# uses the gemmlowp double-rounding one (checked against it by the bit-exact model tests).
SINGLE_ROUNDING = False


def quantize_multiplier(real):
    """TFLM QuantizeMultiplier: real ~= m * 2^(shift - 31) with m a Q31 int32 in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    frac, shift = math.frexp(real)
    q = int(math.floor(abs(frac) * (1 << 31) + 0.5))  # std::round: half away from zero
    q = -q if frac < 0 else q
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if SINGLE_ROUNDING and shift > 30:
        return INT32_MAX, 30
    return q, shift


def quantize_multipliers(reals):
    """Per-channel version: arrays (int64 multipliers, int64 shifts)."""
    pairs = [quantize_multiplier(float(r)) for r in np.asarray(reals, np.float64).ravel()]
    m = np.array([p[0] for p in pairs], np.int64)
    s = np.array([p[1] for p in pairs], np.int64)
    return m, s


def rounding_divide_by_pot(x, exponent):
    """gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero."""
    exponent = np.asarray(exponent, np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def saturating_rounding_doubling_high_mul(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 values held in int64.

    The C code adds a nudge of 2^30 (or 1 - 2^30 when the product is negative) and divides by
    2^31 truncating towards zero; for every product that equals (a*b + 2^30) >> 31 with an
    arithmetic (flooring) shift, which is what is computed here. The only saturating case,
    a = b = INT32_MIN, cannot occur with TFLM's non-negative multipliers but is kept.
    """
    r = (a * b + (1 << 30)) >> 31
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, r)


class Requantizer:
    """TFLM MultiplyByQuantizedMultiplier(int32 x, multiplier, shift) with everything that does
    not depend on x prepared once; ``multiplier`` and ``shift`` may be per-channel arrays that
    broadcast against x's last axes.

    Double rounding (gemmlowp): SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT.
    RoundingDivideByPOT(h, e) rounds half away from zero, which is
    (h + 2^(e-1) - [h < 0]) >> e for e > 0 and h itself for e = 0.
    """

    def __init__(self, multiplier, shift, offset=0, shape=None, x_bound=None):
        """``offset`` (e.g. the output zero point) is added to the result for free: adding a
        multiple of 2^e before a flooring shift by e adds it after. ``shape``: the shape of the
        arrays it will be applied to, when known (lets per-channel parameters be laid out
        full size). ``x_bound``: the largest |x| it will see, when known: left shifts that
        cannot wrap in int32 then skip the wrap emulation."""
        self.multiplier = np.asarray(multiplier, np.int64)
        shift = np.asarray(shift, np.int64)
        self.shift = shift
        self.offset = np.int64(offset) if np.ndim(offset) == 0 else np.asarray(offset, np.int64)
        self.left = np.maximum(shift, 0)
        self.right = np.maximum(-shift, 0)
        self.any_left = bool(np.any(self.left))
        self.left_safe = x_bound is not None and \
            int(x_bound) << int(np.max(self.left, initial=0)) < (1 << 31)
        self.no_right = not np.any(self.right)
        self.negative_adjust = (self.right > 0).astype(np.int64)
        # 2^(e-1) rounding term plus the offset scaled up by 2^e
        self.bias = ((np.int64(1) << self.right) >> 1) + (self.offset << self.right)
        # Per-tensor with a right shift (the usual case): one constant adjust, fewer ops.
        self.uniform = self.negative_adjust.ndim == 0 and bool(self.negative_adjust)
        if shape is not None and self.multiplier.ndim and self.multiplier.shape[-1] < 32:
            # numpy broadcasts a short channel axis slowly; full-size copies run twice as fast
            full = lambda a: np.ascontiguousarray(np.broadcast_to(a, shape))  # noqa: E731
            self.multiplier, self.right = full(self.multiplier), full(self.right)
            self.negative_adjust, self.bias = full(self.negative_adjust), full(self.bias)
        if SINGLE_ROUNDING:
            self.total = 31 - shift
            self.round = np.int64(1) << (self.total - 1)

    def __call__(self, x):
        x = np.asarray(x, np.int64)
        if SINGLE_ROUNDING:
            return ((x * self.multiplier + self.round) >> self.total) + self.offset
        if self.any_left:
            # The C code shifts in int32, which wraps; reproduce that.
            x = (x << self.left).astype(np.int32).astype(np.int64)
        h = x * self.multiplier
        return self._finish(h, np.empty_like(h))

    def apply_inplace(self, x, tmp):
        """The same on an int64 work array that may be overwritten; ``tmp`` is a scratch array
        of its shape. Kernels keep both from prepare, so invoke allocates nothing large."""
        if SINGLE_ROUNDING or (self.any_left and not self.left_safe):
            x[...] = self(x)
            return x
        if self.any_left:
            np.left_shift(x, self.left, out=x)
        np.multiply(x, self.multiplier, out=x)
        return self._finish(x, tmp)

    def _finish(self, h, tmp):
        h += 1 << 30
        h >>= 31
        if self.no_right:           # nothing to round away: only the offset remains
            h += self.offset
            return h
        np.right_shift(h, 63, out=tmp)        # -1 where h < 0: rounds halves away from zero
        if self.uniform:
            h += tmp
        else:
            tmp &= self.negative_adjust
            h -= tmp
        h += self.bias
        h >>= self.right
        return h


def multiply_by_quantized_multiplier(x, multiplier, shift):
    """TFLM MultiplyByQuantizedMultiplier(int32 x, int32 m, int shift) -> int32 (as int64).

    ``multiplier`` and ``shift`` may be scalars or arrays broadcasting against ``x``
    (per-channel requantization). Kernels that call this every invoke should build a
    ``Requantizer`` in prepare instead.
    """
    return Requantizer(multiplier, shift)(x)


def multiply_by_quantized_multiplier_int64(x, multiplier, shift):
    """TFLM MultiplyByQuantizedMultiplier(int64 x, int32 m, int shift), used with the int64
    accumulators of 16x8 kernels: the multiplier is reduced to 16 bits first."""
    x = np.asarray(x, np.int64)
    multiplier = np.asarray(multiplier, np.int64)
    shift = np.asarray(shift, np.int64)
    reduced = np.where(multiplier < 0x7FFF0000, (multiplier + (1 << 15)) >> 16, 0x7FFF)
    total = 15 - shift
    return ((x * reduced + (np.int64(1) << (total - 1))) >> total).astype(np.int32).astype(np.int64)


def dtype_range(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def activation_range_quantized(activation, scale, zero_point, dtype):
    """TFLM CalculateActivationRangeQuantized: the clamp bounds of a fused activation."""
    qmin, qmax = dtype_range(dtype)

    def q(v):
        # TFLM's Quantize refuses (TF_LITE_ENSURE, so prepare fails) a rounded quotient
        # outside [-2^31, 2^31]; 2^31 itself and a zero point added beyond int32 overflow
        # its int32 arithmetic (undefined), so tinyrt refuses those too
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            r = float(np.float32(v) / np.float32(scale))
        r = round_half_away(r) if math.isfinite(r) else r
        if not (INT32_MIN <= r <= INT32_MAX and INT32_MIN <= zero_point + r <= INT32_MAX):
            raise ValueError(f"the {activation} bound {v} is {r} steps of the output scale "
                             f"{scale} from zero point {zero_point}: beyond int32, which "
                             "TFLM refuses in prepare (2^31 steps it lets through and converts "
                             "with undefined behaviour)")
        return zero_point + int(r)

    if activation == "RELU":
        return max(qmin, q(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    return qmin, qmax


def activation_range_int(activation, dtype):
    """TFLM CalculateActivationRange for unquantized integer kernels (int32 ADD, MUL, ...)."""
    lo, hi = dtype_range(dtype)
    return {"RELU": (0, hi), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}.get(activation, (lo, hi))


FLOAT32_MAX = float(np.finfo(np.float32).max)


def activation_range_float(activation):
    """TFLM CalculateActivationRange for float kernels. Unbounded sides are +-FLT_MAX, not
    infinity, so a fused activation turns an infinite result into FLT_MAX (NaN passes)."""
    return {"RELU": (0.0, FLOAT32_MAX), "RELU6": (0.0, 6.0),
            "RELU_N1_TO_1": (-1.0, 1.0)}.get(activation, (-FLOAT32_MAX, FLOAT32_MAX))


def round_half_away(x):
    """C's round(): halves go away from zero (numpy's round goes to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_value_float32(value, scale, zero_point):
    """zero_point + (int32)round(value / scale), the division in float32, as TFLM quantizes the
    constants of activation ranges. A quotient outside int32 (a degenerate scale) converts as
    x86 does: to INT32_MIN."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        r = float(np.float32(value) / np.float32(scale))
    r = round_half_away(r) if math.isfinite(r) else None
    return zero_point + (r if r is not None and INT32_MIN <= r <= INT32_MAX else INT32_MIN)


def round_half_away_array(x):
    """C's round() on every element, exactly in x's float type (adding 0.5 first would round:
    0.49999997f + 0.5f is 1.0f)."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t)


def float_to_int32(v, saturate_high=False):
    """x86's float -> int32 conversion of integral values: NaN and out-of-range values become
    INT32_MIN (the "integer indefinite"); with ``saturate_high`` (the NEON-to-SSE translation)
    positive overflow becomes INT32_MAX. int64 out."""
    ok = np.abs(v) < 2.0 ** 31                         # False for NaN
    out = np.where(ok, np.where(ok, v, 0).astype(np.int64), INT32_MIN)
    if saturate_high:
        out = np.where(v >= 2.0 ** 31, INT32_MAX, out)
    return out


# ---------------------------------------------------------------------------------------------
# gemmlowp fixed-point functions (int32 raw values held in int64 arrays), as used by TFLM's
# softmax, logistic, tanh and friends.
# ---------------------------------------------------------------------------------------------

def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul: the product of two Q-format values."""
    return saturating_rounding_doubling_high_mul(np.asarray(a, np.int64), np.asarray(b, np.int64))


def saturating_left_shift(x, exponent):
    """gemmlowp SaturatingRoundingMultiplyByPOT with a positive exponent."""
    x = np.asarray(x, np.int64)
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << exponent))


def multiply_by_pot(x, exponent):
    """gemmlowp SaturatingRoundingMultiplyByPOT for either sign of exponent."""
    if exponent > 0:
        return saturating_left_shift(x, exponent)
    if exponent < 0:
        return rounding_divide_by_pot(np.asarray(x, np.int64), -exponent)
    return np.asarray(x, np.int64)


def rescale(x, src_integer_bits, dst_integer_bits):
    """gemmlowp Rescale: change the number of integer bits of a fixed-point value."""
    return multiply_by_pot(x, src_integer_bits - dst_integer_bits)


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a):
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor series around -1/8)."""
    constant_term = 1895147668          # exp(-1/8)
    constant_1_over_3 = 715827883
    x = a + (1 << 28)                   # a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1)
    return constant_term + srdhm(constant_term, x + poly)


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a, integer_bits):
    """gemmlowp exp_on_negative_values: exp(a) for a <= 0 given with ``integer_bits`` integer
    bits; the result is Q0.31."""
    a = np.asarray(a, np.int64)
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod = (a & mask) - one_quarter
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod, integer_bits, 0))
    remainder = a_mod - a
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = 1 << (frac_bits + exponent)
            result = np.where(remainder & bit, srdhm(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (frac_bits + 5))  # -32.0
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, INT32_MAX, result)


def rounding_half_sum(a, b):
    s = np.asarray(a, np.int64) + b
    sign = np.where(s >= 0, 1, -1)
    v = s + sign
    return np.where(v >= 0, v // 2, -((-v) // 2))  # C division truncates


def one_over_one_plus_x_for_x_in_0_1(a):
    """gemmlowp one_over_one_plus_x_for_x_in_0_1: 1/(1+a), Q0.31 in and out (Newton-Raphson)."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = 1515870810 + srdhm(half_denominator, -1010580540)   # 48/17 - 32/17 * d, Q2.29
    one_q2 = 1 << 29
    for _ in range(3):
        hd_x = srdhm(half_denominator, x)
        x = x + saturating_left_shift(srdhm(x, one_q2 - hd_x), 2)
    return saturating_left_shift(x, 1)


def count_leading_zeros32(x):
    x = np.asarray(x, np.int64) & 0xFFFFFFFF
    n = np.full(x.shape, 32, np.int64)
    nz = x > 0
    # floor(log2(x)) exactly for integers below 2^32 via frexp
    _, e = np.frexp(np.where(nz, x, 1).astype(np.float64))
    return np.where(nz, 32 - e, n)


def _one_over_one_plus_x_int(a):
    """one_over_one_plus_x_for_x_in_0_1 on one Python int: the same steps without numpy's
    per-call cost (a softmax row needs one reciprocal per invoke)."""
    def srdhm_int(p, q):
        return INT32_MAX if p == q == INT32_MIN else (p * q + (1 << 30)) >> 31

    def sat_shift(v, e):
        limit = (1 << (31 - e)) - 1
        return INT32_MAX if v > limit else INT32_MIN if v < -limit else v << e
    s = a + INT32_MAX
    v = s + (1 if s >= 0 else -1)
    half_denominator = v // 2 if v >= 0 else -((-v) // 2)
    x = 1515870810 + srdhm_int(half_denominator, -1010580540)
    one_q2 = 1 << 29
    for _ in range(3):
        x = x + sat_shift(srdhm_int(x, one_q2 - srdhm_int(half_denominator, x)), 2)
    return sat_shift(x, 1)


def get_reciprocal(x, x_integer_bits):
    """TFLM GetReciprocal: (Q0.31 reciprocal of the fixed-point x, num_bits_over_unit)."""
    x = np.asarray(x, np.int64)
    if x.size == 1:
        v = int(x.reshape(-1)[0]) & 0xFFFFFFFF
        headroom_plus_one = 32 - v.bit_length()
        shifted = ((v << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31)
        return (np.full(x.shape, _one_over_one_plus_x_int(shifted), np.int64),
                np.full(x.shape, x_integer_bits - headroom_plus_one, np.int64))
    headroom_plus_one = count_leading_zeros32(x)
    num_bits_over_unit = x_integer_bits - headroom_plus_one
    shifted = ((x << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31)
    shifted = np.where(shifted >= (1 << 31), shifted - (1 << 32), shifted)
    return one_over_one_plus_x_for_x_in_0_1(shifted), num_bits_over_unit


def one_minus_x_over_one_plus_x_for_x_in_0_1(a):
    """gemmlowp: (1 - a) / (1 + a), Q0.31 in and out (Newton-Raphson, as for 1 / (1 + a))."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = 1515870810 + srdhm(half_denominator, -1010580540)
    one_q2 = 1 << 29
    for _ in range(3):
        hd_x = srdhm(half_denominator, x)
        x = x + saturating_left_shift(srdhm(x, one_q2 - hd_x), 2)
    return saturating_left_shift(x - one_q2, 2)


def logistic_fixed(a, integer_bits):
    """gemmlowp logistic: Q(integer_bits) in, Q0.31 out."""
    a = np.asarray(a, np.int64)
    positive = a > 0
    abs_a = np.where(positive, a, -a)
    r_pos = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits))
    r = np.where(positive, r_pos, INT32_MAX - r_pos)
    return np.where(a == 0, 1 << 30, r)


def tanh_fixed(a, integer_bits):
    """gemmlowp tanh: Q(integer_bits) in, Q0.31 out."""
    a = np.asarray(a, np.int64)
    negative = a < 0
    n = np.where(negative, a, -a)                       # -|a|
    # exp(2n): the same raw value read with one more integer bit
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return np.where(a == 0, 0, np.where(negative, -t, t))



def int8_lookup_table(transform, in_scale, in_zero_point, out_scale, out_zero_point):
    """TFLite's LUTPopulate for int8: for every input value, dequantize in float32, apply
    ``transform`` (float32 array -> float32 array), multiply by 1/out_scale, round half away
    from zero, add the zero point and clamp. Returns the 256 outputs indexed by value + 128."""
    f32 = np.float32
    values = np.arange(-128, 128)
    dequantized = f32(in_scale) * (values - in_zero_point).astype(f32)
    transformed = np.asarray(transform(dequantized), f32)
    rescaled = round_half_away_array(transformed * (f32(1) / f32(out_scale)))
    return np.clip(rescaled + out_zero_point, -128, 127).astype(np.int8)



def int16_lookup_table(transform, in_scale, in_zero_point, out_scale, out_zero_point):
    """TFLite's LUTPopulateInt16<float>: 513 samples of ``transform`` (float32 -> float32) over
    the input range, each corrected by half its midpoint interpolation error, all in float32
    as the C code computes them. Read with ``int16_lookup``."""
    f32 = np.float32
    in_scale, out_scale = f32(in_scale), f32(out_scale)
    input_min = in_scale * f32(-32768 - in_zero_point)
    input_max = in_scale * f32(32767 - in_zero_point)
    output_min = out_scale * f32(-32768 - out_zero_point)
    output_max = out_scale * f32(32767 - out_zero_point)
    steps = 512
    step = (input_max - input_min) / f32(steps)
    half_step = step / f32(2)
    inv = f32(65536) / (output_max - output_min)
    i = np.arange(steps, dtype=np.float32)
    at = input_min + i * step
    val = np.asarray(transform(at), f32)
    mid = np.asarray(transform(at + half_step), f32)
    nxt = np.asarray(transform(input_min + (i + f32(1)) * step), f32)
    rnd = round_half_away_array
    sample = rnd(val * inv).astype(f32)
    interp = rnd((nxt * inv + rnd(val * inv).astype(f32)) / f32(2)).astype(f32)
    bias = rnd((interp - rnd(mid * inv).astype(f32)) / f32(2)).astype(f32)
    table = np.empty(steps + 1, np.int16)
    table[:steps] = np.clip(sample - bias, -32768, 32767)
    last = rnd(np.asarray(transform(np.array([input_max], f32)), f32) * inv)
    table[steps] = np.clip(last, -32768, 32767)[0]
    return table


def int16_lookup(values, table):
    """TFLite's LUTLookup: linear interpolation in a 513-entry int16 table."""
    v = np.asarray(values, np.int64)
    index = 256 + (v >> 7)
    offset = v & 0x7F
    base = table[index].astype(np.int64)
    slope = table[index + 1].astype(np.int64) - base
    return ((base + ((slope * offset + 64) >> 7)) + (1 << 15)) % (1 << 16) - (1 << 15)



def inv_sqrt_multiplier_exp(value, reverse_shift=-1):
    """TFLM GetInvSqrtQuantizedMultiplierExp: (multiplier, shift) of 1/sqrt(value) for
    non-negative int32 values, by gemmlowp fixed-point Newton-Raphson. Vectorised: arrays in,
    int64 arrays out; a Python int in, Python ints out."""
    scalar = np.ndim(value) == 0
    v = np.atleast_1d(np.asarray(value, np.int64))
    small = v <= 1                                    # 0 and 1: INT32_MAX, shift 0
    v = np.where(small, 4, v)
    shift = np.full(v.shape, 11, np.int64)
    for _ in range(2):                                # int32 input: at most one step is taken
        big = v >= (1 << 29)
        v = np.where(big, v // 4, v)
        shift += big
    pairs = (count_leading_zeros32(v) - 1) // 2 - 1
    shift -= pairs
    v = v << (2 * pairs)
    half_input = rounding_divide_by_pot(v >> 1, 1)
    half_three = (1 << 28) + (1 << 27)
    x = np.full(v.shape, 1 << 28, np.int64)          # F3 one
    for _ in range(5):
        x3 = saturating_left_shift(srdhm(srdhm(x, x), x), 6)              # F9 -> F3
        d = ((srdhm(half_three, x) - srdhm(half_input, x3) + (1 << 31)) % (1 << 32)) - (1 << 31)
        x = saturating_left_shift(d, 3)                                    # F6 -> F3
    x = srdhm(x, 1518500250)                          # times sqrt(2)/2
    negative = shift < 0
    x = np.where(negative, ((x << np.where(negative, -shift, 0)) + (1 << 31)) % (1 << 32)
                 - (1 << 31), x)
    shift = np.where(negative, 0, shift)
    x = np.where(small, INT32_MAX, x)
    shift = np.where(small, 0, shift) * reverse_shift
    if scalar:
        return int(x[0]), int(shift[0])
    return x, shift


def wrap_int32(x):
    """Two's-complement wrap to int32, as C's int32 additions and conversions do: of int64
    arrays, or of a Python int of any size (returned as a Python int)."""
    if isinstance(x, int):
        return (x + (1 << 31)) % (1 << 32) - (1 << 31)
    return (np.asarray(x, np.int64) + (1 << 31)) % (1 << 32) - (1 << 31)


def saturating_add_int32(a, b):
    return np.clip(np.asarray(a, np.int64) + b, INT32_MIN, INT32_MAX)


def log_x_for_x_greater_than_or_equal_to_1(x, input_integer_bits, output_integer_bits):
    """TFLite's log_x_for_x_greater_than_or_equal_to_1: log of a fixed-point value with
    ``input_integer_bits`` integer bits, as a fixed-point value with ``output_integer_bits``
    (raw int32 values in int64 arrays)."""
    accum_bits = output_integer_bits + 1
    log_2, sqrt_sqrt_half, sqrt_half, one_quarter = 1488522236, 1805811301, 1518500250, 1 << 29
    alpha_n, alpha_d, alpha_i, alpha_f = 117049297, 127690142, 1057819769, 638450708
    shifted_quarter = rescale(one_quarter, 0, accum_bits)
    z_a = np.asarray(x, np.int64)
    z_a_headroom_plus_1 = count_leading_zeros32(z_a)
    r_a_tmp = saturating_left_shift(z_a, z_a_headroom_plus_1 - 1)
    r_a = saturating_left_shift(srdhm(r_a_tmp, sqrt_half), 1)
    z_a_pow_2_adj = saturating_add_int32(
        saturating_left_shift(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits),
        shifted_quarter)
    z_b = srdhm(z_a, sqrt_half)
    z_b_headroom = count_leading_zeros32(z_b) - 1
    r_b = saturating_left_shift(z_a, z_b_headroom)
    z_b_pow_2_adj = saturating_add_int32(
        saturating_left_shift(input_integer_bits - z_b_headroom, 31 - accum_bits),
        -shifted_quarter)
    r = np.minimum(r_a, r_b)
    z_pow_2_adj = np.maximum(z_a_pow_2_adj, z_b_pow_2_adj)
    p = rounding_half_sum(r, sqrt_sqrt_half)
    q = wrap_int32(2 * wrap_int32(r - sqrt_sqrt_half))
    common_sq = srdhm(q, q)
    num = wrap_int32(srdhm(q, r) + srdhm(srdhm(q, common_sq), alpha_n))
    denom_minus_one = wrap_int32(
        srdhm(p, wrap_int32(alpha_i + q + srdhm(alpha_d, common_sq))) + srdhm(alpha_f, q))
    recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one)
    num_scaled = rescale(num, 0, accum_bits)
    total = wrap_int32(srdhm(z_pow_2_adj, log_2) + srdhm(num_scaled, recip_denom))
    return rescale(total, accum_bits, output_integer_bits)


def unpack_int4(packed, count):
    """``count`` int8 values from densely packed int4 bytes (TFLM's UnpackDenseInt4IntoInt8):
    element 2i is the low nibble of byte i and element 2i+1 its high nibble, each sign-extended;
    an odd count leaves the high nibble of the last byte unused."""
    b = np.asarray(packed, np.uint8).reshape(-1)
    need = (count + 1) // 2
    if len(b) < need:
        raise ValueError(f"{count} int4 values need {need} bytes, got {len(b)}")
    b = b[:need]
    out = np.empty(2 * need, np.int8)
    # shift each nibble to the top of a signed byte, then arithmetic-shift it back down
    out[0::2] = np.left_shift(b, 4).view(np.int8) >> 4
    out[1::2] = b.view(np.int8) >> 4
    return out[:count]


def pack_int4(values):
    """Inverse of ``unpack_int4``: int values in [-8, 7], two per byte, low nibble first."""
    v = np.asarray(values).reshape(-1)
    if v.size and (v.min() < -8 or v.max() > 7):
        raise ValueError("int4 values must lie in [-8, 7]")
    nib = (v.astype(np.int64) & 0xF).astype(np.uint8)
    if len(nib) % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)
