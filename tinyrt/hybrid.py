"""LiteRT's arithmetic for hybrid kernels (float32 activations, int8 weights), as its x86-64
build (SSE4.1, no fused multiply-add) computes it. TFLM has no hybrid kernels, so LiteRT's
reference kernels are the oracle; every hybrid kernel quantizes its float rows and applies its
float activations through this one module.

Row quantization is TFLite's NEON code translated to SSE: in each row, the leading multiple of
8 values round as trunc(y +- 0.5) in float32 (with the zero point added in int32), the rest with
C's round() (the zero point added in float). The two differ only on rounding boundaries, but
there they differ. The transcendental activations are Eigen's float32 approximations.
"""
import numpy as np

from . import libm, quant
from .kernels.common import clip
from .kernels.gemm import IntegerGemm

f32 = np.float32


def _rounded(y, zero_point):
    """int8 values of y = v / scale (+ zero point), before clamping (see the module doc)."""
    vector_cols = np.arange(y.shape[1]) < y.shape[1] // 8 * 8
    half = np.where(y < 0, f32(-0.5), f32(0.5))
    blocks = quant.float_to_int32(np.trunc(y + half), saturate_high=True)
    tail = quant.round_half_away_array(y)
    if zero_point is not None:
        blocks = quant.wrap_int32(blocks + zero_point[:, None])
        tail = tail + zero_point[:, None].astype(f32)
    return np.where(vector_cols, blocks, quant.float_to_int32(tail))


def quantize_rows_symmetric(v):
    """TFLite's SymmetricQuantizeFloats on each row of the float32 [rows, n] ``v``:
    (int8 values as int64, float32 scales). An all-zero row gives zeros and scale 1."""
    span = np.maximum(np.abs(v.min(axis=1)), np.abs(v.max(axis=1)))
    empty = span == 0
    span = np.where(empty, f32(1), span)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        scale = np.where(empty, f32(1), span / f32(127))
        y = v * (f32(127) / span)[:, None]
        q = clip(_rounded(y, None), -127, 127)
    q[empty] = 0
    return q, scale


def quantize_rows_asymmetric(v):
    """TFLite's AsymmetricQuantizeFloats on each row: (int8 values as int64, float32 scales,
    int64 zero points). The range (with 0) is taken in float32, the zero point from it in
    double, the scale's reciprocal rounded to float32; an all-zero row gives zeros, scale 1
    and zero point 0."""
    lo = np.minimum(v.min(axis=1), f32(0))
    hi = np.maximum(v.max(axis=1), f32(0))
    empty = lo == hi
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        scale = np.where(empty, 1.0, (hi - lo).astype(np.float64) / 255.0)
        lo64, hi64 = lo.astype(np.float64) / scale, hi.astype(np.float64) / scale
        from_min = 128.0 + np.abs(lo64) < 127.0 + np.abs(hi64)
        zp = np.where(from_min, -128.0 - lo64, 127.0 - hi64)
        # a NaN zero point (infinite inputs) converts to INT32_MIN, whose low byte is 0
        zp = np.where(zp <= -128, -128, np.where(zp >= 127, 127, quant.round_half_away_array(zp)))
        zp = np.where(empty | np.isnan(zp), 0, zp).astype(np.int64)
        scale = scale.astype(f32)
        inverse = np.where(scale == 0, 0.0, 1.0 / scale.astype(np.float64)).astype(f32)
        q = clip(_rounded(v * inverse[:, None], zp), -128, 127)
    q[empty] = 0
    return q, scale, zp


class HybridProduct:
    """The product of float rows with constant int8 weights, as LiteRT's hybrid kernels form
    it: each row quantized (quantize_rows_*), an exact integer GEMM (the zero point times the
    weights' row sums taken off), each sum converted to float32 and multiplied by
    (row scale x weight scale). ``weights``: int [outputs, depth]; ``weight_scale``: float32,
    one or one per output."""

    def __init__(self, weights, weight_scale, asymmetric):
        w = np.asarray(weights, np.int64)
        self.gemm = IntegerGemm(w, 128)
        self.row_sums = w.sum(axis=1)
        self.weight_scale = np.asarray(weight_scale, f32)
        self.asymmetric = asymmetric

    def __call__(self, v):
        """float32 [rows, outputs] for the float32 rows ``v`` [rows, depth]."""
        if self.asymmetric:
            q, scale, zero_point = quantize_rows_asymmetric(v)
            sums = self.gemm(q) - zero_point[:, None] * self.row_sums
        else:
            q, scale = quantize_rows_symmetric(v)
            sums = self.gemm(q)
        with np.errstate(invalid="ignore", over="ignore"):
            return sums.astype(f32) * (scale[:, None] * self.weight_scale)


# -- Eigen's float activations ---------------------------------------------------------------

def eigen_tanh(x):
    """Eigen's float tanh: an odd/even [9/8] rational approximation on the input clamped to
    +-7.90738964 (where it reaches 1), evaluated by Horner with separate multiply and add."""
    bound = f32(7.90738964080810547)
    v = np.where(x > bound, bound, x)                  # NaN passes
    v = np.where(v < -bound, -bound, v)
    v2 = v * v
    p = v2 * f32(1.3945536e-08) + f32(2.1027336e-05)
    p = p * v2 + f32(3.5207567e-03)
    p = p * v2 + f32(1.3402161e-01)
    p = p * (v * v2) + v
    q = v2 * f32(8.015777e-07) + f32(3.3269514e-04)
    q = q * v2 + f32(2.5972545e-02)
    q = q * v2 + f32(4.6735483e-01)
    q = q * v2 + f32(1)
    return p / q


LOGISTIC_HIGH = f32(16.6355324)     # where both of Eigen's logistic paths reach 1


def eigen_logistic_scalar(x):
    """Eigen's float logistic on elements outside its 4-wide packets: e / (1 + e) with
    e = expf(min(x, 16.6355324))."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = libm.expf(np.where(x > LOGISTIC_HIGH, LOGISTIC_HIGH, x))      # NaN passes
    return e / (e + f32(1))


def eigen_logistic_packet(x):
    """Eigen's float logistic on 4-wide packets: exp(x / 2) by range reduction m*ln2 + r (ln2
    in two parts), a degree-5 polynomial and a 2^m scaling clamped to the float exponent range;
    squared, then e / (1 + e); 0 below -104."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.where(x > LOGISTIC_HIGH, LOGISTIC_HIGH, x) * f32(0.5)
        m = np.floor(v * f32(1.44269504) + f32(0.5))
        r = m * f32(-0.693359375) + v
        r = m * f32(2.12194440e-4) + r
        r2 = r * r
        even = r2 * f32(4.18986678e-02) + f32(0.499991417)
        odd = r2 * f32(8.33471306e-03) + f32(0.166668773)
        p = (odd * r + even) * r2 + (r + f32(1))
        biased = np.minimum(np.maximum(m + f32(127), f32(0)), f32(255))
        # a NaN exponent converts to INT32_MIN, whose shifted bits are 0
        bits = np.where(np.isnan(biased), f32(0), biased).astype(np.int32) << 23
        e = bits.view(f32) * p
        e = e * e
        result = e / (e + f32(1))
    return np.where(x < f32(-104), f32(0), result)


def _bounded(lo, hi):
    """std::max(lo, std::min(v, hi)): a NaN gives lo."""
    def act(v):
        if hi is not None:
            v = np.where(f32(hi) < v, f32(hi), v)
        return np.where(f32(lo) < v, v, f32(lo))
    return act


def _sign_bit(v):
    return np.signbit(v).astype(f32)


# LiteRT's ApplyActivationToVector; NONE (and anything else) is absent: no activation
LITERT_ACTIVATIONS = {"RELU": _bounded(0, None), "RELU6": _bounded(0, 6),
                      "RELU_N1_TO_1": _bounded(-1, 1), "TANH": eigen_tanh, "SIGN_BIT": _sign_bit}


def litert_activation(act, v):
    fn = LITERT_ACTIVATIONS.get(act)
    return v if fn is None else fn(v)
