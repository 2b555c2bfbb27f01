"""The Signal library's C kernels at every SIMD level this machine runs: the micro_speech audio
preprocessors (int8 and float outputs) over consecutive invokes, and random single-op layers
of every Signal op, each node asserted to run in C, with identical bytes at every level, from
the numpy kernels (run alongside by run_both) and from tflite-micro."""
import numpy as np
import pytest

import tinyrt
from kernels.test_signal_fft import fft_model, random_frames
from kernels.test_signal_post import (_subtraction_options, log_frames, log_model, pcan_frames,
                                      pcan_model, subtraction_model)
from kernels.test_signal_spectrum import (auto_scale_frames, auto_scale_model, energy_model,
                                          filter_bank_model, int16_frames, random_tables,
                                          square_root_model, uint32_frames, uint64_frames,
                                          window_model)
from kernels.test_signal_streaming import FLOAT32, INT16, float_inputs, model
from oracle import run_both, shared_model, tflm
from tinyrt import native

LEVELS = native.available()
if not LEVELS:
    pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)


def check_levels(data, inputs_list, c_ops=None, written=slice(None)):
    """Run ``inputs_list`` (one list of input arrays per invoke, on the same interpreters) at
    every level: the nodes whose op is in ``c_ops`` (every node when None) must run in C, and
    every output of every invoke must have the same bytes at every level, from the numpy
    kernels and from tflite-micro. An op's bool output_valid flag (second output) being false
    leaves its first output unwritten: that one is compared from the first valid invoke on;
    ``written`` is the part of the first output the op writes (compared with tflite-micro)."""
    tflm()
    first = None
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        for k in it.kernels:
            if c_ops is None or k.node.op_name in c_ops:
                assert k.native is not None, (level, k.node_index, k.node.op_name)
        got, seen_valid = [], False
        for ours, theirs in run_both(data, inputs_list, tinyrt_interp=it):
            flagged = len(ours) == 2 and ours[1].dtype == np.bool_
            seen_valid |= flagged and bool(ours[1])
            for j, (a, b) in enumerate(zip(ours, theirs)):
                assert a.dtype == b.dtype and a.shape == b.shape
                if j == 0 and flagged and not seen_valid:
                    continue
                if j == 0:
                    a, b = a[written], b[written]
                assert a.tobytes() == b.tobytes(), (level, j, a, b)
            got.append([a.tobytes() for a in ours])
        if first is None:
            first = got
        assert got == first, level


# -- the preprocessors -----------------------------------------------------------------------------

SIGNAL_OPS = {"SignalWindow", "SignalFftAutoScale", "SignalRfft", "SignalEnergy",
              "SignalFilterBank", "SignalFilterBankSquareRoot",
              "SignalFilterBankSpectralSubtraction", "SignalPCAN", "SignalFilterBankLog"}


def audio_frames(rng, n=12):
    """Speech-like frames of every loudness (the noise estimate carries across them), and
    full-scale and silent ones."""
    t = np.arange(480) / 16000
    out = []
    for k in range(n):
        tone = np.sin(2 * np.pi * rng.uniform(100, 4000) * t) * 10.0 ** rng.uniform(1, 4.5)
        noise = rng.standard_normal(480) * 10.0 ** rng.uniform(0, 3)
        out.append(np.clip(tone + noise, -32768, 32767).astype(np.int16).reshape(1, 480))
    out.append(rng.integers(-32768, 32768, (1, 480)).astype(np.int16))
    out.append(np.zeros((1, 480), np.int16))
    out.append(np.full((1, 480), -32768, np.int16))
    return out


@pytest.mark.parametrize("name", ["audio_preprocessor_int8.tflite",
                                  "audio_preprocessor_float.tflite"])
def test_preprocessor(name):
    data = shared_model(name).read_bytes()
    rng = np.random.default_rng(len(name))
    check_levels(data, [[f] for f in audio_frames(rng)], c_ops=SIGNAL_OPS)


# -- single ops ------------------------------------------------------------------------------------

def test_window_and_auto_scale():
    rng = np.random.default_rng(1)
    for shape, shift in (((3, 16), 14), ((2, 2, 5), 0), ((31,), 31)):
        weights = rng.integers(-32768, 32768, shape[-1]).astype(np.int16)
        check_levels(window_model(shape, weights, shift),
                     [[f] for f in int16_frames(rng, shape, 2)])
    for n in (1, 17, 480):
        check_levels(auto_scale_model(n), [[f] for f in auto_scale_frames(rng, n)[:8]])


@pytest.mark.parametrize("op", ["SignalRfft", "SignalIrfft"])
@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32])
def test_fft(op, dtype):
    rng = np.random.default_rng(2)
    for length in (6, 10, 16, 60, 120, 360):
        data = fft_model(op, length, dtype, outer=(2,))
        shape = (2, length + 2) if op == "SignalIrfft" else (2, length)
        check_levels(data, [[x] for x in random_frames(rng, shape, dtype, 4)])
    if op == "SignalRfft":      # short frames, zero-padded
        data = fft_model(op, 32, dtype, outer=(3,), input_length=20)
        check_levels(data, [[x] for x in random_frames(rng, (3, 20), dtype, 4)])


def test_energy_filter_bank_and_square_root():
    rng = np.random.default_rng(3)
    for n_in, n_out, start, end in ((514, 257, 0, 257), (40, 30, 3, 17), (16, 8, 5, 5)):
        data = energy_model(n_in, n_out, start, end)
        check_levels(data, [[f] for f in int16_frames(rng, (n_in,), 2)],
                     written=slice(start, end))
    for channels, n_out, n_in, n_weights in ((40, 40, 257, 316), (12, 9, 33, 20)):
        tables = random_tables(rng, channels, n_in, n_weights)
        data = filter_bank_model(n_in, n_out, channels, tables)
        check_levels(data, [[f] for f in uint32_frames(rng, n_in)])
    # weights and unweights as inputs, new ones every invoke
    data = filter_bank_model(30, 6, 6, random_tables(rng, 6, 30, 24), weights_as_inputs=True)
    check_levels(data, [[f, *random_tables(rng, 6, 30, 24)[:2]] for f in uint32_frames(rng, 30)])
    frames = uint64_frames(rng, 40)
    check_levels(square_root_model(40),
                 [[f, np.array(b, np.int32)] for b in (0, 7, 33) for f in frames])


def test_spectral_subtraction_pcan_and_log():
    rng = np.random.default_rng(4)
    for changes in ({}, {"clamping": True, "random_coefficients": True}, {"num_channels": 7}):
        options = _subtraction_options(rng, **changes)
        n = options["num_channels"]
        check_levels(subtraction_model(options, n, n, n), [[f] for f in uint32_frames(rng, n, 2)])
    for n, shift in ((40, 6), (9, 70)):
        lut = rng.integers(-32768, 32768, 125).astype(np.int16)
        check_levels(pcan_model(n, lut, shift), pcan_frames(rng, n))
    for n, bits, scale in ((40, 3, 1 << 10), (12, 33, 77777)):
        check_levels(log_model(n, bits, scale), [[f] for f in log_frames(rng, n)])


def _stream(rng, shape, make, invokes=10):
    return [[make(rng, shape)] for _ in range(invokes)]


def _int16(rng, shape):
    return rng.integers(-32768, 32768, shape).astype(np.int16)


def test_streaming_ops():
    rng = np.random.default_rng(5)
    check_levels(model("SignalDelay", {"delay_length": 5}, (3, 4), (3, 4)),
                 _stream(rng, (3, 4), _int16))
    opts = {"num_channels": 3, "stacker_left_context": 2, "stacker_right_context": 1,
            "stacker_step": 2}
    check_levels(model("SignalStacker", opts, (3,), (12,), valid_flag=True),
                 _stream(rng, (3,), _int16))
    for size, step, prefill, shape in ((5, 2, False, (2, 6)), (400, 160, True, (160,))):
        opts = {"frame_size": size, "frame_step": step, "prefill": prefill}
        out = shape[:-1] + (shape[-1] // step, size)
        check_levels(model("SignalFramer", opts, shape, out, valid_flag=True),
                     _stream(rng, shape, _int16))
    for dtype, code in ((np.float32, FLOAT32), (np.int16, INT16)):
        shape = (2, 3, 8)
        data = model("SignalOverlapAdd", {"T": code, "frame_step": 3}, shape, (2, 9), dtype)
        make = (lambda r, s: float_inputs(s)(r)) if dtype == np.float32 else _int16
        check_levels(data, _stream(rng, shape, make))
