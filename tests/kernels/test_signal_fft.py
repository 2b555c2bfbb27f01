"""SignalRfft / SignalIrfft against tflite-micro: kissfft's fixed-point (int16, int32) and float
real FFTs, bit for bit, for lengths whose half factors into every radix kissfft has."""
import numpy as np
import pytest
from flatbuffers import flexbuffers

import tinyrt
from oracle import shared_model, tflm_interpreter
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.signal.kiss_fft import factorize
from tinyrt.model.flexbuffers import read_map
from tinyrt.model.reader import load_model

TENSOR_TYPE = {np.int16: 7, np.int32: 2, np.float32: 0}
DTYPES = [np.int16, np.int32, np.float32]
# fft_length -> kissfft's radices for fft_length/2
LENGTHS = {4: [2], 6: [3], 8: [4], 10: [5], 16: [4, 2], 30: [3, 5], 60: [2, 3, 5], 120: [4, 3, 5],
           250: [5, 5, 5], 360: [4, 3, 3, 5], 512: [4, 4, 4, 4],
           2048: [4, 4, 4, 4, 4]}


def fft_model(op, fft_length, dtype, outer=(3,), input_length=None, options=None):
    b = ModelBuilder()
    if op == "SignalRfft":
        x = b.add_input("x", (*outer, input_length or fft_length), dtype)
        y = b.add_tensor("y", (*outer, fft_length + 2), dtype)
    else:
        x = b.add_input("x", (*outer, fft_length + 2), dtype)
        y = b.add_tensor("y", (*outer, fft_length), dtype)
    if options is None:
        options = {"T": TENSOR_TYPE[dtype], "fft_length": fft_length}
    b.add_operator(op, [x], [y], custom_options=bytes(flexbuffers.Dumps(options)))
    b.mark_output(y)
    return b.build()


def random_frames(rng, shape, dtype, n):
    """n inputs: full-range, small and extreme values for integers; several magnitudes of
    finite floats (no overflow, so no NaN whose sign bit would depend on the compiler)."""
    out = []
    for i in range(n):
        if dtype == np.float32:
            scale = 10.0 ** [-3, 0, 2, 5][i % 4]
            out.append((rng.standard_normal(shape) * scale).astype(dtype))
            continue
        info = np.iinfo(dtype)
        kind = i % 4
        if kind == 0:
            out.append(rng.integers(info.min, info.max, shape, dtype, endpoint=True))
        elif kind == 1:
            out.append(rng.integers(-200, 200, shape, dtype, endpoint=True))
        elif kind == 2:
            out.append(rng.choice(np.array([info.min, info.max, -1, 0, 1], dtype), shape))
        else:
            out.append(rng.integers(-3000, 3000, shape, dtype, endpoint=True))
    return out


def assert_matches_tflm(data, inputs):
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    for x in inputs:
        ours.set_input(x, 0)
        theirs.set_input(x, 0)
        ours.invoke()
        theirs.invoke()
        want, got = theirs.get_output(0), ours.get_output(0)
        assert got.dtype == want.dtype and got.shape == want.shape
        # compare bit patterns: float results must be identical, signed zeros included
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"),
                                      want.view(f"u{want.itemsize}"))


def test_lengths_cover_every_radix():
    assert {n: [p for p, _ in factorize(n // 2)] for n in LENGTHS} == LENGTHS


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("fft_length", list(LENGTHS))
@pytest.mark.parametrize("op", ["SignalRfft", "SignalIrfft"])
def test_fft_matches_tflite_micro(op, fft_length, dtype):
    rng = np.random.default_rng(fft_length * 7 + DTYPES.index(dtype))
    data = fft_model(op, fft_length, dtype)
    in_len = fft_length if op == "SignalRfft" else fft_length + 2
    assert_matches_tflm(data, random_frames(rng, (3, in_len), dtype, 16))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", ["SignalRfft", "SignalIrfft"])
def test_constant_extremes_and_several_outer_dims(op, dtype):
    """Constant frames of the extreme values drive every wrap of the fixed-point butterflies."""
    outer, n = (2, 3), 120
    in_len = n if op == "SignalRfft" else n + 2
    if dtype == np.float32:
        values = [0.0, -0.0, 1.0, -65504.0, 3e-38]
    else:
        values = [np.iinfo(dtype).min, np.iinfo(dtype).max, -1, 1]
    inputs = [np.full((*outer, in_len), v, dtype) for v in values]
    alternating = np.empty((*outer, in_len), dtype)
    alternating[..., 0::2], alternating[..., 1::2] = values[0], values[1]
    inputs.append(alternating)
    rng = np.random.default_rng(5)
    inputs += random_frames(rng, (*outer, in_len), dtype, 4)
    assert_matches_tflm(fft_model(op, n, dtype, outer=outer), inputs)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_rfft_zero_pads_short_frames(dtype):
    rng = np.random.default_rng(11)
    data = fft_model("SignalRfft", 64, dtype, outer=(4,), input_length=50)
    assert_matches_tflm(data, random_frames(rng, (4, 50), dtype, 8))


def test_audio_preprocessor_configuration():
    """The micro_speech audio preprocessor's SignalRfft, with its own options and shapes."""
    model = load_model(shared_model("audio_preprocessor_int8.tflite"))
    graph = model.subgraphs[0]
    op = next(o for o in graph.operators if o.op_name == "SignalRfft")
    options = read_map(op.custom_options)
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    assert options["T"] == TENSOR_TYPE[np.int16] and x.dtype == np.int16
    b = ModelBuilder()
    xt = b.add_input("x", x.shape, np.int16)
    yt = b.add_tensor("y", y.shape, np.int16)
    b.add_operator("SignalRfft", [xt], [yt], custom_options=bytes(op.custom_options))
    b.mark_output(yt)
    rng = np.random.default_rng(480)
    assert_matches_tflm(b.build(), random_frames(rng, x.shape, np.int16, 12))


def test_fft_length_is_read_by_position_in_the_options():
    # TFLM takes the second value of the key-sorted map, whatever its key
    data = fft_model("SignalRfft", 16, np.int16, options={"T": 7, "a_length": 16, "z": 99})
    rng = np.random.default_rng(3)
    assert_matches_tflm(data, random_frames(rng, (3, 16), np.int16, 4))


@pytest.mark.parametrize("op,fft_length,dtype,options", [
    ("SignalRfft", 14, np.int16, None),          # 7 needs kissfft's generic butterfly
    ("SignalIrfft", 28, np.float32, None),       # 14 = 2 * 7
    ("SignalRfft", 9, np.int32, None),           # odd
    ("SignalRfft", 16, np.int16, {"T": 1, "fft_length": 16}),   # float16
    ("SignalIrfft", 16, np.int16, {"T": 2, "fft_length": 16}),  # T disagrees with the tensors
    ("SignalRfft", 16, np.int16, {"T": 7}),
])
def test_unsupported_configurations_are_rejected(op, fft_length, dtype, options):
    data = fft_model(op, fft_length, dtype, options=options)
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


@pytest.mark.parametrize("op", ["SignalRfft", "SignalIrfft"])
def test_mismatched_frame_lengths_are_rejected(op):
    b = ModelBuilder()
    x = b.add_input("x", (2, 20), np.int16)
    y = b.add_tensor("y", (2, 20), np.int16)
    b.add_operator(op, [x], [y], custom_options=bytes(flexbuffers.Dumps(
        {"T": 7, "fft_length": 16})))
    b.mark_output(y)
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=b.build()).allocate_tensors()
