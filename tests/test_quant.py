"""The prepared requantizers against the plain fixed-point reference (TFLM's
MultiplyByQuantizedMultiplier, double rounding), which the model tests tie to tflite-micro."""
import numpy as np
import pytest

from tinyrt import quant
from tinyrt.quant import Requantizer


def reference(x, m, shift, zero_point, lo, hi):
    """Element by element in Python integers: SaturatingRoundingDoublingHighMul then
    RoundingDivideByPOT, as TFLM's C code."""
    out = np.empty(x.shape, np.int64)
    for idx, v in np.ndenumerate(x):
        c = idx[-1]
        mc, sc = int(np.broadcast_to(m, x.shape[-1:])[c]), int(np.broadcast_to(shift, x.shape[-1:])[c])
        v = int(v) << max(sc, 0)
        p = v * mc
        h = (p + (1 << 30)) >> 31                      # nudge then floor: the C code's result
        e = max(-sc, 0)
        if e:
            mask = (1 << e) - 1
            rem, thr = h & mask, (mask >> 1) + (1 if h < 0 else 0)
            h = (h >> e) + (1 if rem > thr else 0)
        out[idx] = min(max(h + zero_point, lo), hi)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_requantizers_match_reference(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        channels, rows = int(rng.integers(1, 12)), int(rng.integers(1, 20))
        m = rng.integers(1 << 30, 1 << 31, channels)
        shift = rng.integers(-12, 2, channels)
        bound = int(rng.choice([300, 70000, 1 << 21]))
        x = rng.integers(-bound, bound + 1, (rows, channels))
        x[0] = bound
        zy = int(rng.integers(-128, 128))
        want = reference(x, m, shift, zy, -128, 127)
        got = np.clip(Requantizer(m, shift, zy)(x), -128, 127)
        np.testing.assert_array_equal(got, want)


def test_requantizer_rounding_ties_in_place():
    """Multipliers with trailing zero bits, where x m lands exactly on 2^30 mod 2^31 (a half
    in the first rounding, which goes up, not away from zero) for x = odd multiples of
    2^(30 - v2(m)), right shifts with halves in the second rounding, and a left shift; the
    per-channel parameters laid out full size (``shape``) and applied in place."""
    rng = np.random.default_rng(7)
    wide = -(1 << 62), 1 << 62                       # no clamp: compare the values themselves
    for t in range(14, 24):
        m = (rng.integers(1 << (30 - t), 1 << (31 - t), 3) | 1) << t
        step = 1 << (30 - t)
        x = np.concatenate([np.arange(-8, 9) * step + d for d in (-1, 0, 1)])
        x = np.repeat(x[:, None], 3, axis=1)
        for e in range(0, 12):
            shift = np.array([-e, -e - 3, 1])
            zy = int(rng.integers(-128, 128))
            want = reference(x, m, shift, zy, *wide)
            np.testing.assert_array_equal(Requantizer(m, shift, zy)(x), want)
            r = Requantizer(m, shift, zy, shape=x.shape, x_bound=int(np.abs(x).max()))
            got = r.apply_inplace(x.copy(), np.empty_like(x))
            np.testing.assert_array_equal(got, want)


def test_quantize_multiplier_matches_frexp_rounding():
    assert quant.quantize_multiplier(0.5) == (1 << 30, 0)
    assert quant.quantize_multiplier(1.0) == (1 << 30, 1)
    assert quant.quantize_multiplier(0.0) == (0, 0)


def test_get_reciprocal_of_one_value_equals_the_vector_path():
    """A single value takes a Python-int path (a softmax row's sum); it must agree with the
    vectorised gemmlowp functions on every kind of input."""
    rng = np.random.default_rng(9)
    xs = np.concatenate([rng.integers(0, 1 << 31, 3000), np.arange(0, 300),
                         1 << np.arange(31), (1 << np.arange(31)) - 1]).astype(np.int64)
    for bits in (0, 5, 12):
        scale, over = quant.get_reciprocal(xs, bits)
        for i in range(0, xs.size, 7):
            one_scale, one_over = quant.get_reciprocal(xs[i:i + 1], bits)
            assert (int(one_scale[0]), int(one_over[0])) == (int(scale[i]), int(over[i])), xs[i]
