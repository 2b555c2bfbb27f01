"""SignalWindow, SignalFftAutoScale, SignalEnergy, SignalFilterBank and SignalFilterBankSquareRoot
against tflite-micro: the micro_speech audio preprocessor's configurations and random ones,
full-range and edge inputs, several frames per interpreter, exact equality."""
import numpy as np
import pytest
from flatbuffers import flexbuffers

import tinyrt
from kernels.signal_models import build, preprocessor_ops
from oracle import run_both
from tinyrt.kernels.signal.common import most_significant_bit32
from tinyrt.kernels.signal.spectrum import max_abs16, sqrt64

I16 = np.iinfo(np.int16)
U32 = np.iinfo(np.uint32)
U64 = np.iinfo(np.uint64)


def flex(**options):
    return bytes(flexbuffers.Dumps(options))


def check(model, frames, select=None):
    """Run every frame (a list of input arrays) through both runtimes in turn; outputs must
    match exactly (``select`` picks the part of each output TFLM defines)."""
    results = run_both(model, frames)
    assert len(results) == len(frames)
    for ours, theirs in results:
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert a.dtype == b.dtype and a.shape == b.shape
            if select is not None:
                a, b = a[select], b[select]
            np.testing.assert_array_equal(a, b, err_msg=f"output {k}")


def int16_frames(rng, shape, n_random=4):
    """Full-range random frames, then zeros, both extremes, alternating extremes, small values."""
    frames = [rng.integers(I16.min, I16.max, shape, endpoint=True, dtype=np.int16)
              for _ in range(n_random)]
    alternating = np.resize(np.array([I16.min, I16.max], np.int16), shape)
    small = rng.integers(-300, 301, shape).astype(np.int16)
    return frames + [np.zeros(shape, np.int16), np.full(shape, I16.min, np.int16),
                     np.full(shape, I16.max, np.int16), alternating, small]


# -- SignalWindow ----------------------------------------------------------------------------------

def window_model(shape, weights, shift):
    return build("SignalWindow", [("x", shape, np.int16), ("w", weights)],
                 [("y", shape, np.int16)], {"shift": shift})


def test_window_preprocessor_configuration():
    options, (x, w), _ = preprocessor_ops()["SignalWindow"]
    rng = np.random.default_rng(0)
    model = window_model(x.shape, np.asarray(w.data, np.int16), options["shift"])
    check(model, [[f] for f in int16_frames(rng, x.shape)])


@pytest.mark.parametrize("shape,frame,shift", [
    ((64,), 64, 0), ((3, 32), 32, 1), ((2, 5, 16), 8, 7), ((1, 480), 480, 15),
    ((4, 12), 12, 16), ((40,), 10, 31),
    ((24,), 24, 32), ((24,), 6, 37)])  # counts past 31 act modulo 32, as on the oracle's x86
def test_window_random_configurations(shape, frame, shift):
    rng = np.random.default_rng(shift * 100 + frame)
    weights = rng.integers(I16.min, I16.max, frame, endpoint=True, dtype=np.int16)
    weights[:2] = [I16.min, I16.max]
    check(window_model(shape, weights, shift), [[f] for f in int16_frames(rng, shape)])


def test_window_weights_as_input():
    rng = np.random.default_rng(7)
    model = build("SignalWindow", [("x", (2, 16), np.int16), ("w", (16,), np.int16)],
                  [("y", (2, 16), np.int16)], {"shift": 9})
    frames = int16_frames(rng, (2, 16))
    weights = int16_frames(rng, (16,))
    check(model, [[f, w] for f, w in zip(frames, weights)])


# -- SignalFftAutoScale ----------------------------------------------------------------------------

def auto_scale_model(n):
    return build("SignalFftAutoScale", [("x", (n,), np.int16)],
                 [("y", (n,), np.int16), ("scale", (), np.int32)])


def auto_scale_frames(rng, n):
    frames = int16_frames(rng, (n,))
    for bits in range(1, 16):  # peaks of every bit length: shifts 14 down to 0
        frames.append(rng.integers(-(1 << bits) + 1, 1 << bits, n).astype(np.int16))
    # -32768 followed by a rising negative run, broken or not, and other patterns around it
    for tail in ([-5, -3, -1, 0, 2], [-5, -6, 1, 0, 0], [-9, -8, -7, -6, -5], [4, -100, 3],
                 [-20000, -20000, 7], [], [-32767]):
        if len(tail) >= n:
            continue
        f = rng.integers(-50, 51, n).astype(np.int16)
        k = n - len(tail) - 1
        f[k] = I16.min
        f[k + 1:] = tail
        frames.append(f)
    many = rng.integers(-1000, 1001, n).astype(np.int16)
    many[rng.integers(0, n, 5)] = I16.min
    frames.append(many)
    first = np.full(n, 3, np.int16)
    first[0] = I16.min
    frames.append(first)
    return frames


@pytest.mark.parametrize("n", [480, 1, 2, 7, 64, 512])
def test_fft_auto_scale(n):
    if n == 480:
        _, (x,), (y, scale) = preprocessor_ops()["SignalFftAutoScale"]
        assert x.shape == (n,) and y.shape == (n,) and scale.shape == ()
    rng = np.random.default_rng(n)
    check(auto_scale_model(n), [[f] for f in auto_scale_frames(rng, n)])


def test_max_abs16_follows_the_int16_running_maximum():
    def scalar(values):
        m = 0
        for v in values:
            if v > m:
                m = v
            elif -v > m:
                m = -v
            m = (m + 32768) % 65536 - 32768
        return m
    rng = np.random.default_rng(3)
    for _ in range(400):
        n = int(rng.integers(0, 12))
        values = rng.choice([I16.min, -5, -4, -3, -2, -1, 0, 1, 2, 5, I16.max], n)
        assert max_abs16(np.array(values, np.int16)) == scalar(values), values


def test_most_significant_bit32():
    x = np.array([0, 1, 2, 3, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF], np.uint32)
    np.testing.assert_array_equal(most_significant_bit32(x), [32, 1, 2, 2, 16, 16, 31, 32, 32])


# -- SignalEnergy ----------------------------------------------------------------------------------

def energy_model(n_in, n_out, start, end):
    return build("SignalEnergy", [("x", (n_in,), np.int16)], [("y", (n_out,), np.uint32)],
                 {"start_index": start, "end_index": end})


@pytest.mark.parametrize("n_in,n_out,start,end", [
    (None, None, None, None),              # the preprocessor's
    (16, 8, 0, 8), (514, 257, 0, 257), (10, 5, 2, 3), (34, 20, 3, 17), (12, 6, 4, 4)])
def test_energy(n_in, n_out, start, end):
    if n_in is None:
        options, (x,), (y,) = preprocessor_ops()["SignalEnergy"]
        n_in, n_out = x.shape[0], y.shape[0]
        start, end = options["start_index"], options["end_index"]
    rng = np.random.default_rng(n_in + start)
    # the other output elements are never written: TFLM leaves whatever the arena held
    check(energy_model(n_in, n_out, start, end), [[f] for f in int16_frames(rng, (n_in,))],
          select=slice(start, end))


def test_energy_reads_options_by_position():
    # TFLM takes the first two values of the key-sorted map as end and start, whatever the keys
    model = build("SignalEnergy", [("x", (16,), np.int16)], [("y", (8,), np.uint32)],
                  {"aaa": 6, "end_index": 2, "start_index": 7})
    rng = np.random.default_rng(5)
    check(model, [[f] for f in int16_frames(rng, (16,))], select=slice(2, 6))


# -- SignalFilterBank ------------------------------------------------------------------------------

def filter_bank_model(n_in, n_out, num_channels, tables, weights_as_inputs=False):
    weights, unweights, freq, wstart, width = tables
    if weights_as_inputs:
        ws = [("w", weights.shape, np.int16), ("u", unweights.shape, np.int16)]
    else:
        ws = [("w", weights), ("u", unweights)]
    return build("SignalFilterBank",
                 [("x", (n_in,), np.uint32)] + ws + [("f", freq), ("s", wstart), ("n", width)],
                 [("y", (n_out,), np.uint64)], {"num_channels": num_channels})


def uint32_frames(rng, n, n_random=4):
    frames = [rng.integers(0, U32.max, n, endpoint=True, dtype=np.uint32) for _ in range(n_random)]
    energy_like = rng.integers(0, 1 << 20, n).astype(np.uint32)
    return frames + [np.zeros(n, np.uint32), np.full(n, U32.max, np.uint32), energy_like]


def random_tables(rng, num_channels, n_in, n_weights):
    width = rng.integers(0, 7, num_channels + 1).astype(np.int16)
    width[rng.integers(0, num_channels + 1)] = 0
    freq = rng.integers(0, n_in - 6, num_channels + 1).astype(np.int16)
    wstart = rng.integers(0, n_weights - 6, num_channels + 1).astype(np.int16)
    weights = rng.integers(I16.min, I16.max, n_weights, endpoint=True, dtype=np.int16)
    unweights = rng.integers(I16.min, I16.max, n_weights, endpoint=True, dtype=np.int16)
    return weights, unweights, freq, wstart, width


def test_filter_bank_preprocessor_configuration():
    options, (x, *tables), (y,) = preprocessor_ops()["SignalFilterBank"]
    tables = [np.asarray(t.data, np.int16) for t in tables]
    rng = np.random.default_rng(1)
    model = filter_bank_model(x.shape[0], y.shape[0], options["num_channels"], tables)
    check(model, [[f] for f in uint32_frames(rng, x.shape[0])])


@pytest.mark.parametrize("num_channels,n_out,n_in,n_weights", [
    (1, 1, 16, 10), (8, 8, 64, 40), (40, 40, 257, 316), (12, 9, 33, 20), (5, 0, 20, 12)])
def test_filter_bank_random_tables(num_channels, n_out, n_in, n_weights):
    rng = np.random.default_rng(num_channels * 7 + n_out)
    tables = random_tables(rng, num_channels, n_in, n_weights)
    model = filter_bank_model(n_in, n_out, num_channels, tables)
    check(model, [[f] for f in uint32_frames(rng, n_in)])


def test_filter_bank_weights_as_inputs():
    rng = np.random.default_rng(11)
    tables = random_tables(rng, 6, 30, 24)
    model = filter_bank_model(30, 6, 6, tables, weights_as_inputs=True)
    frames = []
    for f in uint32_frames(rng, 30):
        w, u = random_tables(rng, 6, 30, 24)[:2]
        frames.append([f, w, u])
    check(model, frames)


# -- SignalFilterBankSquareRoot --------------------------------------------------------------------

def square_root_model(n):
    return build("SignalFilterBankSquareRoot", [("x", (n,), np.uint64), ("bits", (), np.int32)],
                 [("y", (n,), np.uint32)])


def uint64_frames(rng, n):
    """Full range, each bit length, perfect squares and their neighbours, the 2^32 boundary."""
    frames = [rng.integers(0, U64.max, n, endpoint=True, dtype=np.uint64) for _ in range(3)]
    frames.append(np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64)
                  | rng.integers(0, U64.max, n, endpoint=True, dtype=np.uint64)
                  >> rng.integers(1, 64, n).astype(np.uint64))
    roots = rng.integers(0, 1 << 32, n).astype(np.uint64)
    for d in (0, 1, -1):
        frames.append(roots * roots + np.uint64(d % (1 << 64)) * (roots > 0))
    near = np.array([0, 1, 2, 3, 4, 0xFFFE0001, 0xFFFF0000, 0xFFFF0001, 0xFFFFFFFF, 1 << 32,
                     (1 << 32) + 1, (1 << 64) - 1, (1 << 64) - 2, 0xFFFFFFFE00000001,
                     0xFFFFFFFF00000000, 1 << 63], np.uint64)
    frames.append(np.resize(near, n))
    frames.append(np.zeros(n, np.uint64))
    return frames


@pytest.mark.parametrize("n,bits", [(40, None), (16, [0, 3, 14, 31, 32, 33, -1]), (1, [5])])
def test_filter_bank_square_root(n, bits):
    if bits is None:                        # the preprocessor's: bits from SignalFftAutoScale
        _, (x, scale), (y,) = preprocessor_ops()["SignalFilterBankSquareRoot"]
        assert x.shape == (n,) and y.shape == (n,) and scale.shape == ()
        bits = list(range(15))
    rng = np.random.default_rng(n)
    frames = uint64_frames(rng, n)
    check(square_root_model(n), [[f, np.array(b, np.int32)] for b in bits for f in frames])


def test_sqrt64_rounding():
    x = np.array([0, 1, 2, 3, 6, 7, 0xFFFF0000, 0xFFFFFFFF, 1 << 32, (1 << 64) - 1], np.uint64)
    np.testing.assert_array_equal(
        sqrt64(x), [0, 1, 1, 2, 2, 3, 0xFFFF, 0xFFFF, 1 << 16, 0xFFFFFFFF])


# -- malformed configurations ----------------------------------------------------------------------

@pytest.mark.parametrize("model", [
    lambda: window_model((20,), np.ones(8, np.int16), 3),                 # not whole windows
    lambda: energy_model(16, 8, 2, 9),                                     # bins past the input
    lambda: filter_bank_model(16, 4, 4, (np.ones(8, np.int16), np.ones(8, np.int16),
                                         np.full(5, 14, np.int16), np.zeros(5, np.int16),
                                         np.full(5, 4, np.int16))),        # reads past input
    lambda: filter_bank_model(16, 5, 4, (np.ones(8, np.int16),) * 2
                              + (np.zeros(5, np.int16),) * 3),             # more outputs
    lambda: build("SignalFilterBankSquareRoot", [("x", (4,), np.uint32), ("b", (), np.int32)],
                  [("y", (4,), np.uint32)]),                               # wrong input type
])
def test_malformed_models_fail_at_allocation(model):
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=model()).allocate_tensors()
