"""SignalFilterBankSpectralSubtraction, SignalPCAN and SignalFilterBankLog against tflite-micro:
the micro_speech audio preprocessor's configurations and varied ones, full-range and edge inputs,
many consecutive invokes on the same interpreters (so the noise estimate kept between invokes is
compared too), exact equality."""
import numpy as np
import pytest
from flatbuffers import flexbuffers

import tinyrt
from kernels.signal_models import build, preprocessor_ops
from tinyrt.builder import ModelBuilder
from oracle import run_both, tflm_interpreter
from tinyrt.kernels.signal.filter_bank_post import LOG_LUT

I16 = np.iinfo(np.int16)
U32 = np.iinfo(np.uint32)


def check(model, frames, select=None, interpreters=(None, None)):
    """Run every frame (a list of input arrays) through both runtimes in turn; every output must
    match exactly after every invoke (``select`` picks the part TFLM writes)."""
    results = run_both(model, frames, *interpreters)
    assert len(results) == len(frames)
    for n, (ours, theirs) in enumerate(results):
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert a.dtype == b.dtype and a.shape == b.shape
            if select is not None:
                a, b = a[select], b[select]
            np.testing.assert_array_equal(a, b, err_msg=f"frame {n}, output {k}")
    return results


def interpreters(model):
    ours = tinyrt.Interpreter(model_content=model)
    ours.allocate_tensors()
    return ours, tflm_interpreter(model)


def uint32_edges(n):
    """0..3, each power of two with its neighbours, the top of the range, repeated to n."""
    p = [1 << k for k in range(32)]
    values = [0, 1, 2, 3] + p + [v - 1 for v in p[2:]] + [v + 1 for v in p[2:]] + [U32.max]
    return np.resize(np.array(values, np.uint32), n)


def uint32_frames(rng, n, count=6):
    """Full-range random frames, frames of every magnitude (random bit lengths), audio-like
    slowly varying energies, and the edge values."""
    frames = []
    for _ in range(count):
        frames.append(rng.integers(0, U32.max, n, endpoint=True, dtype=np.uint32))
        frames.append(rng.integers(0, np.int64(1) << rng.integers(0, 33, n)).astype(np.uint32))
        frames.append(rng.integers(100, 1 << 12, n).astype(np.uint32))
    edges = uint32_edges(n)
    frames += [np.zeros(n, np.uint32), np.full(n, U32.max, np.uint32), edges, edges[::-1].copy(),
               np.zeros(n, np.uint32)]
    return frames


# -- SignalFilterBankSpectralSubtraction -----------------------------------------------------------

SUBTRACTION_KEYS = ("alternate_one_minus_smoothing", "alternate_smoothing", "clamping",
                    "min_signal_remaining", "num_channels", "one_minus_smoothing", "smoothing",
                    "smoothing_bits", "spectral_subtraction_bits")


def subtraction_model(options, n_in, n_out, n_noise):
    return build("SignalFilterBankSpectralSubtraction", [("x", (n_in,), np.uint32)],
                 [("y", (n_out,), np.uint32), ("noise", (n_noise,), np.uint32)], options)


def test_spectral_subtraction_preprocessor_configuration():
    for name in ("audio_preprocessor_int8.tflite", "audio_preprocessor_float.tflite"):
        options, (x,), (y, noise) = preprocessor_ops(name)["SignalFilterBankSpectralSubtraction"]
        assert sorted(options) == list(SUBTRACTION_KEYS)
        n = x.shape[0]
        rng = np.random.default_rng(0)
        # a stationary noise floor the estimate converges to, with bursts, then everything else
        floor = rng.integers(50, 2000, n)
        frames = [(floor + rng.integers(0, 300, n) * (k % 7 == 0)).astype(np.uint32)
                  for k in range(40)]
        frames += uint32_frames(rng, n)
        check(subtraction_model(options, n, y.shape[0], noise.shape[0]), [[f] for f in frames])


def _subtraction_options(rng, **changes):
    options = {"alternate_one_minus_smoothing": 15401, "alternate_smoothing": 983,
               "clamping": False, "min_signal_remaining": 819, "num_channels": 40,
               "one_minus_smoothing": 15975, "smoothing": 409, "smoothing_bits": 10,
               "spectral_subtraction_bits": 14}
    if changes.pop("random_coefficients", False):
        for k in ("alternate_one_minus_smoothing", "alternate_smoothing", "min_signal_remaining",
                  "one_minus_smoothing", "smoothing"):
            options[k] = int(rng.integers(0, U32.max, endpoint=True))
    options.update(changes)
    return options


@pytest.mark.parametrize("changes", [
    {"clamping": True},
    {"clamping": True, "smoothing_bits": 0, "spectral_subtraction_bits": 0},
    {"smoothing": 1 << 14, "one_minus_smoothing": 0, "alternate_smoothing": 0,
     "alternate_one_minus_smoothing": 1 << 14, "min_signal_remaining": 1 << 14},
    {"smoothing_bits": 31, "spectral_subtraction_bits": 31, "clamping": True},
    {"random_coefficients": True},                       # products and their sum wrap in uint64
    {"random_coefficients": True, "clamping": True, "spectral_subtraction_bits": 40},
    # counts past the C types' widths act modulo 32 (smoothing bits) and 64, as on x86
    {"smoothing_bits": 33, "spectral_subtraction_bits": 64},
    {"smoothing_bits": -1, "spectral_subtraction_bits": 70, "clamping": True},
    {"smoothing": -1, "one_minus_smoothing": -1, "min_signal_remaining": -7},
    {"num_channels": 1},
    {"num_channels": 7, "clamping": True},
])
def test_spectral_subtraction_configurations(changes):
    rng = np.random.default_rng(len(str(changes)))
    options = _subtraction_options(rng, **changes)
    n = options["num_channels"]
    check(subtraction_model(options, n, n, n), [[f] for f in uint32_frames(rng, n)])


def test_spectral_subtraction_tensors_longer_than_num_channels():
    # TFLM processes num_channels values, leaves the rest of the output alone and copies only
    # as much of the estimate as its output holds
    rng = np.random.default_rng(3)
    options = _subtraction_options(rng, num_channels=9, clamping=True)
    model = subtraction_model(options, 16, 12, 5)
    results = run_both(model, [[f] for f in uint32_frames(rng, 16)])
    for ours, theirs in results:
        np.testing.assert_array_equal(ours[0][:9], theirs[0][:9])
        np.testing.assert_array_equal(ours[1], theirs[1])


def test_spectral_subtraction_reset_forgets_the_estimate():
    rng = np.random.default_rng(4)
    options = _subtraction_options(rng, clamping=True)
    model = subtraction_model(options, 40, 40, 40)
    frames = [[f] for f in uint32_frames(rng, 40)]
    ours, theirs = interpreters(model)
    first = check(model, frames, interpreters=(ours, theirs))
    assert np.any(first[-2][0][1] != 0)       # the estimate is not trivially zero
    ours.reset()
    theirs.reset()
    again = check(model, frames, interpreters=(ours, theirs))
    for a, b in zip(first, again):             # after a reset the same frames give the same
        for x, y in zip(a[0], b[0]):
            np.testing.assert_array_equal(x, y)


# -- SignalPCAN ------------------------------------------------------------------------------------

def pcan_model(n, lut, snr_shift, n_noise=None, lut_as_input=False):
    table = ("lut", lut.shape, np.int16) if lut_as_input else ("lut", lut)
    return build("SignalPCAN", [("x", (n,), np.uint32), ("noise", (n_noise or n,), np.uint32),
                                table], [("y", (n,), np.uint32)], {"snr_shift": snr_shift})


def pcan_frames(rng, n, n_noise=None):
    """Pairs of (signal, noise estimate) over every magnitude of both, and the edges."""
    n_noise = n_noise or n
    signals = uint32_frames(rng, n, count=3)
    noises = uint32_frames(rng, n_noise, count=3)
    pairs = [[s, m] for s in signals[::3] for m in noises]
    pairs += [[s, noises[(k * 5) % len(noises)]] for k, s in enumerate(signals)]
    edges = uint32_edges(max(n, n_noise))
    pairs.append([edges[:n], np.roll(edges, 1)[:n_noise]])
    return pairs


def test_pcan_preprocessor_configuration():
    options, (x, noise, lut), (y,) = preprocessor_ops()["SignalPCAN"]
    assert list(options) == ["snr_shift"] and lut.shape == (125,)
    n = x.shape[0]
    model = pcan_model(n, np.asarray(lut.data, np.int16), options["snr_shift"])
    rng = np.random.default_rng(5)
    check(model, pcan_frames(rng, n))


@pytest.mark.parametrize("n,snr_shift,lut_kind", [
    (40, 6, "random"), (40, 0, "random"), (7, 12, "random"), (1, 31, "max"), (16, 6, "min"),
    (16, 20, "alternating"),
    # counts past 63 act modulo 64, as on x86
    (9, 32, "random"), (9, 63, "random"), (9, 64, "random"), (9, 70, "max"), (9, -1, "random")])
def test_pcan_configurations(n, snr_shift, lut_kind):
    rng = np.random.default_rng(n * 100 + snr_shift)
    lut = {"random": rng.integers(I16.min, I16.max, 125, endpoint=True, dtype=np.int16),
           "max": np.full(125, I16.max, np.int16), "min": np.full(125, I16.min, np.int16),
           "alternating": np.resize(np.array([I16.max, I16.min, I16.max, 0], np.int16), 125),
           }[lut_kind]
    check(pcan_model(n, lut, snr_shift), pcan_frames(rng, n))


def test_pcan_table_as_input_and_longer_noise_estimate():
    rng = np.random.default_rng(6)
    model = pcan_model(12, np.zeros(130, np.int16), 6, n_noise=20, lut_as_input=True)
    frames = [pair + [rng.integers(I16.min, I16.max, 130, endpoint=True, dtype=np.int16)]
              for pair in pcan_frames(rng, 12, 20)]
    check(model, frames)


# -- SignalFilterBankLog ---------------------------------------------------------------------------

def log_model(n, correction_bits, output_scale, n_out=None):
    return build("SignalFilterBankLog", [("x", (n,), np.uint32)], [("y", (n_out or n,), np.int16)],
                 {"input_correction_bits": correction_bits, "output_scale": output_scale})


def log_frames(rng, n):
    """uint32_frames, plus values that hit every table segment at the start, middle and end."""
    frames = uint32_frames(rng, n)
    seg = np.arange(128, dtype=np.int64)
    for top, offset in ((16, 0), (16, 511), (20, 4000), (31, 1 << 21), (9, 1), (23, 1 << 14)):
        step = (1 << top) >> 7
        values = ((1 << top) + seg * step + min(offset, step - 1)) if step else (1 << top) + seg
        frames.append(np.resize(np.minimum(values, U32.max).astype(np.uint32), n))
    return frames


def test_log_preprocessor_configuration():
    for name in ("audio_preprocessor_int8.tflite", "audio_preprocessor_float.tflite"):
        options, (x,), (y,) = preprocessor_ops(name)["SignalFilterBankLog"]
        assert sorted(options) == ["input_correction_bits", "output_scale"]
        rng = np.random.default_rng(7)
        check(log_model(x.shape[0], options["input_correction_bits"], options["output_scale"],
                        y.shape[0]), [[f] for f in log_frames(rng, x.shape[0])])


@pytest.mark.parametrize("n,correction_bits,output_scale", [
    (128, 0, 1), (128, 0, 64), (40, 8, 1000), (40, 31, 64), (17, 0, 1 << 20),
    (17, 2, 100000),                    # the uint32 product of scale and log wraps
    (17, 0, (1 << 31) - 1), (17, 0, -5), (17, 0, 0), (1, 4, 64),
    # counts past 31 act modulo 32, as on x86
    (17, 32, 64), (17, 35, 64), (17, -1, 64)])
def test_log_configurations(n, correction_bits, output_scale):
    rng = np.random.default_rng(n + correction_bits)
    check(log_model(n, correction_bits, output_scale), [[f] for f in log_frames(rng, n)])


@pytest.mark.parametrize("output_scale", [64, 1 << 16, (1 << 16) + 3])
def test_log_every_fraction(output_scale):
    # Every 16-bit fraction below a power of two. With a scale of 2^16 the uint32 wrap leaves
    # the natural log itself (mod 2^16) in the output, so each rounding step shows.
    f = np.arange(1 << 16, dtype=np.uint64)
    frames = [(np.uint64(1 << top) + (f << np.uint64(top - 16))).astype(np.uint32)
              for top in (16, 20, 31)]
    frames.append((np.uint64(1 << 12) + (f >> np.uint64(4))).astype(np.uint32))
    check(log_model(1 << 16, 0, output_scale), [[x] for x in frames])


def test_log_output_longer_than_input():
    rng = np.random.default_rng(8)
    check(log_model(10, 3, 64, n_out=16), [[f] for f in log_frames(rng, 10)],
          select=slice(0, 10))


def test_log_table_is_tflms():
    # a few entries of the table in TFLM's log.cc, and its padding
    assert len(LOG_LUT) == 130
    assert [LOG_LUT[k] for k in (0, 1, 2, 57, 64, 100, 127, 128, 129)] == \
        [0, 224, 442, 5641, 5568, 3384, 142, 0, 0]


# -- the three together, as in the preprocessor ----------------------------------------------------

def test_back_half_of_the_preprocessor():
    ops = preprocessor_ops()
    sub_options, (x,), _ = ops["SignalFilterBankSpectralSubtraction"]
    pcan_options, (_, _, lut), _ = ops["SignalPCAN"]
    log_options, _, _ = ops["SignalFilterBankLog"]
    n = x.shape[0]
    b = ModelBuilder()
    inp = b.add_input("x", (n,), np.uint32)
    sub, noise, gained = (b.add_tensor(name, (n,), np.uint32) for name in ("sub", "noise", "pcan"))
    logs = b.add_tensor("log", (n,), np.int16)
    table = b.add_constant("lut", np.asarray(lut.data, np.int16))
    b.add_operator("SignalFilterBankSpectralSubtraction", [inp], [sub, noise],
                   custom_options=bytes(flexbuffers.Dumps(sub_options)))
    b.add_operator("SignalPCAN", [sub, noise, table], [gained],
                   custom_options=bytes(flexbuffers.Dumps(pcan_options)))
    b.add_operator("SignalFilterBankLog", [gained], [logs],
                   custom_options=bytes(flexbuffers.Dumps(log_options)))
    for t in (sub, noise, gained, logs):
        b.mark_output(t)
    rng = np.random.default_rng(9)
    # square-rooted filter bank energies: a noise floor, speech-like bursts, silence, clipping
    floor = rng.integers(20, 400, n)
    frames = []
    for k in range(60):
        burst = rng.integers(0, 1 << 14, n) if 20 <= k < 35 else 0
        frames.append((floor + rng.integers(0, 50, n) + burst).astype(np.uint32))
    frames += [np.zeros(n, np.uint32)] * 5 + [np.full(n, 0xFFFF, np.uint32)] * 3
    results = check(b.build(), [[f] for f in frames])
    assert len({r[0][3].tobytes() for r in results}) > 20     # the log output does vary


# -- malformed configurations ----------------------------------------------------------------------

@pytest.mark.parametrize("model", [
    lambda: subtraction_model({"num_channels": 4}, 4, 4, 4),                   # too few options
    lambda: subtraction_model(_subtraction_options(None, num_channels=8), 4, 8, 8),  # short input
    lambda: subtraction_model(_subtraction_options(None, num_channels=4), 4, 4, 6),  # long noise
    lambda: build("SignalFilterBankSpectralSubtraction", [("x", (4,), np.int32)],
                  [("y", (4,), np.uint32), ("n", (4,), np.uint32)],
                  _subtraction_options(None, num_channels=4)),              # wrong input type
    lambda: pcan_model(8, np.zeros(100, np.int16), 6),                         # short gain table
    lambda: pcan_model(8, np.zeros(125, np.int16), 6, n_noise=4),              # short noise
    lambda: build("SignalPCAN", [("x", (4,), np.uint32), ("n", (4,), np.uint32),
                                 ("l", np.zeros(125, np.int16))], [("y", (5,), np.uint32)],
                  {"snr_shift": 6}),                                           # output size
    lambda: log_model(8, 3, 64, n_out=4),                                      # short output
    lambda: build("SignalFilterBankLog", [("x", (4,), np.uint32)], [("y", (4,), np.int32)],
                  {"input_correction_bits": 3, "output_scale": 64}),           # output type
    lambda: build("SignalFilterBankLog", [("x", (4,), np.uint32)], [("y", (4,), np.int16)],
                  {"input_correction_bits": 3}),                               # one option
])
def test_malformed_models_fail_at_allocation(model):
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=model()).allocate_tensors()
