"""The prepared requantizers against the plain fixed-point reference (TFLM's
MultiplyByQuantizedMultiplier, double rounding), which the model tests tie to tflite-micro."""
import numpy as np
import pytest

from tinyrt import quant
from tinyrt.quant import FloatRequantizer, Requantizer


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


@pytest.mark.parametrize("seed", range(6))
def test_float_requantizer_equals_integer_path(seed):
    """Random multipliers (some with many trailing zero bits, where first-rounding ties are
    possible), shifts with ties in the second rounding, offsets, constant channels."""
    rng = np.random.default_rng(100 + seed)
    built = checked = 0
    for trial in range(400):
        channels, rows = int(rng.integers(1, 40)), int(rng.integers(1, 50))
        m = rng.integers(1 << 30, 1 << 31, channels)
        if trial % 5 == 0:
            m = np.maximum(m >> rng.integers(0, 20, channels) << rng.integers(0, 20, channels),
                           1 << 30) & ((1 << 31) - 1)
        shift = rng.integers(-22, 3, channels)
        bound = int(rng.choice([100, 1000, 100000, 1 << 18, 1 << 20, 1 << 22]))
        sum_bound = np.full(channels, bound)
        offset = rng.integers(-bound, bound + 1, channels)
        if trial % 4 == 0:                      # a dead channel with a huge bias
            sum_bound[0], offset[0] = 0, int(rng.integers(-(1 << 31), 1 << 31))
        zy = int(rng.integers(-128, 128))
        lo = zy if trial % 3 == 0 else -128
        fr = FloatRequantizer.build(m, shift, sum_bound, offset, zy, lo, 127, (rows, channels))
        if fr is None:
            continue
        built += 1
        sums = rng.integers(-bound, bound + 1, (rows, channels)) * (sum_bound > 0)
        sums[0] = sum_bound
        sums[-1] = -sum_bound
        want = np.clip(Requantizer(m, shift, zy)(sums + offset), lo, 127)
        out = np.empty((rows, channels), np.int8)
        fr.store(sums.astype(np.float32 if bound < (1 << 24) else np.float64), out)
        np.testing.assert_array_equal(out, want)
        checked += sums.size
    assert built > 150 and checked > 50000        # the exact path is taken, not skipped


def test_float_requantizer_first_rounding_ties():
    """m with trailing zero bits: x m lands exactly on 2^30 mod 2^31 (a half in the first
    rounding, which goes up, not away from zero) for x = odd multiples of 2^(30 - v2(m))."""
    rng = np.random.default_rng(7)
    for t in range(14, 24):
        m = np.array([((int(rng.integers(1 << (30 - t), 1 << (31 - t))) | 1) << t)])
        for e in range(0, 12):
            step = 1 << (30 - t)
            x = np.concatenate([np.arange(-8, 9) * step + d for d in (-1, 0, 1)])
            bound = int(np.abs(x).max())
            for lo in (-128, 3):                # signed, and clamped at the zero point
                fr = FloatRequantizer.build(m, [-e], [bound], [0], 3, lo, 127, (x.size, 1))
                assert fr is not None
                out = np.empty((x.size, 1), np.int8)
                fr.store(x.reshape(-1, 1).astype(np.float64), out)
                want = reference(x.reshape(-1, 1), m, np.array([-e]), 3, lo, 127)
                np.testing.assert_array_equal(out, want)


def test_float_requantizer_refuses_what_float64_cannot_hold():
    big = (1 << 31) - 1
    assert FloatRequantizer.build([big], [-3], [1 << 21], [0], 0, -128, 127, (4, 1)) is None
    assert FloatRequantizer.build([big], [-25], [1 << 24], [0], 0, -128, 127, (4, 1)) is None
    assert FloatRequantizer.build([big], [-3], [1 << 18], [0], 0, -128, 127, (4, 1))


def test_quantize_multiplier_matches_frexp_rounding():
    assert quant.quantize_multiplier(0.5) == (1 << 30, 0)
    assert quant.quantize_multiplier(1.0) == (1 << 30, 1)
    assert quant.quantize_multiplier(0.0) == (0, 0)


def requantize_reference(sums, offset, m, shift, zy, lo, hi):
    return np.clip(Requantizer(m, shift, zy)(sums + offset), lo, hi)


@pytest.mark.parametrize("signed", [False, True])
def test_float_requantizer_at_the_float64_limit(signed):
    """The largest bounds ``build`` accepts (|x| m 2^left + B/u just below 2^53, or 2^52 with
    the sign step; right shifts past 20 included) are exact at their extremes, and one more
    is refused."""
    rng = np.random.default_rng(21 + signed)
    built = 0
    for _ in range(300):
        m = int(rng.integers(1 << 30, 1 << 31))
        e = int(rng.integers(0, 24))
        left = int(rng.integers(0, 3)) if e == 0 else 0
        b_units = (1 << 30) + ((1 << (30 + e)) if e else 0)
        limit = (1 << 53) >> signed
        total = min((limit - 1 - b_units) // m >> left, ((1 << 31) - 1) >> left)
        if total < 2:
            continue
        channels = 3
        offset = rng.integers(-(total // 2), total // 2 + 1, channels)
        sum_bound = total - np.abs(offset)
        zy = int(rng.integers(-127, 128))
        lo = -128 if signed else zy          # a clamp below the zero point needs the sign step
        shift = [left - e] * channels
        shape = (64, channels)
        fr = FloatRequantizer.build([m] * channels, shift, sum_bound, offset, zy, lo, 127,
                                    shape)
        assert fr is not None
        built += 1
        if total < ((1 << 31) - 1) >> left:    # one more than the float64 limit allows
            over = FloatRequantizer.build([m] * channels, shift, sum_bound + 1, offset, zy, lo,
                                          127, shape)
            # unless every channel's output is one constant (then nothing is computed)
            assert over is None or not np.any(over.channel_scale)
        sums = rng.integers(-sum_bound, sum_bound + 1, shape)
        sums[0], sums[1] = sum_bound, -sum_bound
        want = requantize_reference(sums, offset, m, shift, zy, lo, 127)
        out = np.empty(shape, np.int8)
        fr.store(sums.astype(np.float64), out)
        np.testing.assert_array_equal(out, want)
        # the folded form a float64 GEMM produces: sums x scale + bias, then finish
        out2 = np.empty(shape, np.int8)
        fr.finish(sums * fr.channel_scale + fr.channel_bias, out2)
        np.testing.assert_array_equal(out2, want)
    assert built > 100


@pytest.mark.parametrize("shape", [(2, 48, 48, 8), (1, 25, 5, 64), (3, 7, 11, 5), (1, 97, 97, 1),
                                   (8198, 1), (4, 300), (1, 1, 1, 7)])
@pytest.mark.parametrize("dtype,zy,lo,hi", [(np.int8, -128, -128, 127), (np.int8, 5, -128, 90),
                                            (np.int16, 0, 0, 32767), (np.int16, 0, -32768, 32767),
                                            (np.int16, -3, -200, 200)])
def test_float_requantizer_layouts(shape, dtype, zy, lo, hi):
    """Parameters tiled into rows of every kind of length, and both narrow types (the unsigned
    twin of the output above the zero point, a signed one below)."""
    from tinyrt.quant import row_length
    channels = shape[-1]
    row = row_length(shape)
    assert row % channels == 0 and int(np.prod(shape)) % row == 0
    rng = np.random.default_rng(len(shape) * 1000 + channels)
    m = rng.integers(1 << 30, 1 << 31, channels)
    shift = rng.integers(-14, 1, channels)
    sum_bound = rng.integers(1000, 200000, channels)
    offset = rng.integers(-50000, 50000, channels)
    fr = FloatRequantizer.build(m, shift, sum_bound, offset, zy, lo, hi, shape, dtype)
    assert fr is not None
    sums = rng.integers(-sum_bound, sum_bound + 1, shape)
    out = np.empty(shape, dtype)
    fr.store(sums.astype(np.float32), out)
    np.testing.assert_array_equal(out, requantize_reference(sums, offset, m, shift, zy, lo, hi))


def test_scaled_gemm_matches_the_integer_path():
    """kernels.gemm.ScaledGemm (weights times the scale, bias through a column of ones, one
    float64 GEMM) then finish, in both input layouts, for inputs and weights at their extremes
    and sums near the float64 limit."""
    from tinyrt.kernels.gemm import ScaledGemm
    rng = np.random.default_rng(5)
    for trial in range(40):
        depth, out_c, rows = int(rng.integers(1, 300)), int(rng.integers(1, 20)), 50
        w = rng.choice(np.array([-128, 127, -1, 0, 1, 64]), (out_c, depth))
        x = rng.integers(-128, 128, (rows, depth))
        x[0], x[1] = 127, -128
        x[2] = np.where(w[0] < 0, -128, 127)
        sum_bound = np.abs(w).sum(axis=1) * 128
        offset = rng.integers(-(1 << 20), 1 << 20, out_c)
        m = rng.integers(1 << 30, 1 << 31, out_c)
        shift = rng.integers(-12, 1, out_c)
        zy = int(rng.integers(-128, 128))
        lo = zy if trial % 2 else -128
        fr = FloatRequantizer.build(m, shift, sum_bound, offset, zy, lo, 127, (rows, out_c))
        if fr is None:
            continue
        want = requantize_reference(x @ w.T, offset, m, shift, zy, lo, 127)
        for run in (1, 100):
            g = ScaledGemm(w, fr, (rows, depth), run)
            out = np.empty((rows, out_c), np.int8)
            fr.finish(g(x.astype(np.int16)), out)
            np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("seed", range(4))
def test_float_requantizer_int16_ending(seed):
    """Outputs clamped at or above the zero point end through int16 (y + B + zero point + 256
    truncated, clamped, narrowed): every zero point including both ends, RELU6-like upper
    bounds, sums at their extremes, the store and the folded (GEMM) forms; outputs too large
    for int16 keep the float64 clamp, and stay exact."""
    rng = np.random.default_rng(300 + seed)
    narrow = wide = 0
    for trial in range(300):
        channels, rows = int(rng.integers(1, 20)), int(rng.integers(1, 40))
        m = rng.integers(1 << 30, 1 << 31, channels)
        if trial % 6 == 0:
            m = np.maximum(m >> 16 << 16, 1 << 30)          # first-rounding ties
        shift = rng.integers(-20, 2, channels)
        bound = int(rng.choice([300, 20000, 1 << 17, 1 << 21]))
        sum_bound = rng.integers(0, bound + 1, channels)
        offset = rng.integers(-bound, bound + 1, channels)
        zy = int(rng.choice([-128, 127, int(rng.integers(-128, 128))]))
        hi = 127 if trial % 2 else int(rng.integers(zy, 128))
        fr = FloatRequantizer.build(m, shift, sum_bound, offset, zy, zy, hi, (rows, channels))
        if fr is None:
            continue
        narrow += fr.narrow
        wide += not fr.narrow
        sums = rng.integers(-sum_bound, sum_bound + 1, (rows, channels))
        sums[0], sums[-1] = sum_bound, -sum_bound
        want = requantize_reference(sums, offset, m, shift, zy, zy, hi)
        out = np.empty((rows, channels), np.int8)
        fr.store(sums.astype(np.float64), out)
        np.testing.assert_array_equal(out, want)
        out2 = np.empty((rows, channels), np.int8)
        fr.finish(sums * fr.channel_scale + fr.channel_bias, out2)
        np.testing.assert_array_equal(out2, want)
    assert narrow > 100 and wide > 10


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
