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
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 values held in int64."""
    ab = a * b
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    v = ab + nudge
    # C integer division by 2^31 truncates towards zero.
    r = np.where(v >= 0, v >> 31, -((-v) >> 31))
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        r = np.int64(r)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, r)


def multiply_by_quantized_multiplier(x, multiplier, shift):
    """TFLM MultiplyByQuantizedMultiplier(int32 x, int32 m, int shift) -> int32 (as int64).

    ``multiplier`` and ``shift`` may be scalars or arrays broadcasting against ``x``
    (per-channel requantization).
    """
    x = np.asarray(x, np.int64)
    multiplier = np.asarray(multiplier, np.int64)
    shift = np.asarray(shift, np.int64)
    if SINGLE_ROUNDING:
        total = 31 - shift
        return (x * multiplier + (np.int64(1) << (total - 1))) >> total
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    # The C code shifts in int32, which wraps; reproduce that.
    shifted = (x << left).astype(np.int32).astype(np.int64) if np.any(left) else x
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)


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

    def q(v):  # TFLM divides in float32
        return zero_point + int(round_half_away(float(np.float32(v) / np.float32(scale))))

    if activation == "RELU":
        return max(qmin, q(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    return qmin, qmax


def activation_range_float(activation):
    """TFLM CalculateActivationRange for float kernels."""
    return {"RELU": (0.0, math.inf), "RELU6": (0.0, 6.0),
            "RELU_N1_TO_1": (-1.0, 1.0)}.get(activation, (-math.inf, math.inf))


def round_half_away(x):
    """C's round(): halves go away from zero (numpy's round goes to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def round_half_away_array(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)
