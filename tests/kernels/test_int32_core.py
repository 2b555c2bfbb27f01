"""The compiled core's int32 binary kernels (ADD, MUL, DIV, MINIMUM, MAXIMUM with broadcasting)
and CAST against tflite-micro on random layers at every SIMD level this machine runs: each node
must run in C and give the same bytes at every level. Then the micro_speech audio preprocessors,
whose every node now runs in C (one executor call per invoke)."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import broadcast_pair, one_op, random_shape, values, with_specials
from kernels.test_elementwise_core import check
from kernels.test_signal_native import audio_frames, check_levels
from oracle import shared_model
from tinyrt import native

LEVELS = native.available()
if not LEVELS:
    pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)

I32 = np.int32
ACTS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
EDGES = np.array([0, 1, -1, 2, -2, 7, -7, 2**31 - 1, -2**31 + 1, 65536, -65536, 46341], I32)


def random_layer(rng, op):
    a, b, out = broadcast_pair(rng)
    options = {} if op in ("MINIMUM", "MAXIMUM") else \
        {"fused_activation_function": str(rng.choice(ACTS))}
    return one_op(op, [(a, I32, None), (b, I32, None)], [(out, I32, None)], **options), a, b


def operands(rng, op, a, b):
    """Full-range values (sums and products wrap) with edge values in front; DIV: no zero
    denominator and no INT32_MIN / -1 (both trap in tflite-micro), small denominators too."""
    x, y = values(rng, a, I32), values(rng, b, I32)
    if op == "DIV":
        small = rng.integers(-9, 10, b).astype(I32)
        y = np.where(rng.random(b) < 0.5, small, y).astype(I32)
        y[y == 0] = 3
        x[x == -2**31] = 5
    for v in (x, y):
        flat = v.reshape(-1)
        k = min(flat.size, EDGES.size)
        flat[:k] = EDGES[:k] if v is x or op != "DIV" else np.where(EDGES[:k] == 0, 4, EDGES[:k])
    return [x, y]


@pytest.mark.parametrize("op", ["ADD", "MUL", "DIV", "MINIMUM", "MAXIMUM"])
def test_binary_int32(op):
    rng = np.random.default_rng(sum(map(ord, op)))
    for _ in range(6):
        data, a, b = random_layer(rng, op)
        check(data, [operands(rng, op, a, b) for _ in range(2)])


def one_div(x, y, activation="NONE"):
    data = one_op("DIV", [(x.shape, I32, None), (y.shape, I32, None)], [(x.shape, I32, None)],
                  fused_activation_function=activation)
    return data


def test_div_edges():
    """Rounding towards zero in every sign combination (against tflite-micro), and what
    tflite-micro leaves to the machine: a zero denominator fails the op at every level,
    INT32_MIN / -1 gives 2^31 clamped (INT32_MAX, or the activation's bound)."""
    x = np.array([7, -7, 7, -7, 1, -1, 2**31 - 1, -2**31 + 1], I32)
    y = np.array([2, 2, -2, -2, 3, 3, -1, 2**31 - 1], I32)
    check(one_div(x, y), [[x, y]])
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=one_div(x, y), native=level)
        it.allocate_tensors()
        it.set_input(x, 0)
        it.set_input(np.where(np.arange(8) == 5, 0, y).astype(I32), 1)
        with pytest.raises(tinyrt.TinyrtError):
            it.invoke()
        for act, top in (("NONE", 2**31 - 1), ("RELU6", 6)):
            it = tinyrt.Interpreter(model_content=one_div(x[:1], y[:1], act), native=level)
            it.allocate_tensors()
            assert it.kernels[0].native is not None
            it.set_input(np.array([-2**31], I32), 0)
            it.set_input(np.array([-1], I32), 1)
            it.invoke()
            assert it.get_output(0)[0] == top, (level, act)


# the pairs tflite-micro's CAST takes (bool only as input)
CAST_IN = (np.int8, np.int16, np.int32, np.uint32, np.float32, np.bool_)
CAST_OUT = (np.int8, np.int16, np.int32, np.uint32, np.float32)
FLOAT_EDGES = np.array([300.7, -300.7, 70000.5, -70000.5, 3e9, -3e9, 4294967295.0, 5e9,
                        2.0**31, -2.0**31 - 300, 2.0**31 - 128, -0.9, 0.9], np.float32)


def cast_values(rng, shape, dtype):
    x = values(rng, shape, dtype)
    if dtype == np.float32:
        x = (x * 10.0 ** rng.uniform(0, 10, shape)).astype(np.float32)
        flat = x.reshape(-1)
        k = min(flat.size, FLOAT_EDGES.size)
        flat[-k:] = FLOAT_EDGES[:k]
        x = with_specials(x)
    return x


@pytest.mark.parametrize("src", CAST_IN, ids=lambda t: np.dtype(t).name)
def test_cast(src):
    """Integers wrap, float32 truncates towards zero and saturates (NaN to 0), as the
    tflite-micro build does."""
    rng = np.random.default_rng(np.dtype(src).num)
    for dst in CAST_OUT:
        shape = random_shape(rng, 1, 3, 40)
        data = one_op("CAST", [(shape, src, None)], [(shape, dst, None)])
        check(data, [[cast_values(rng, shape, src)] for _ in range(2)])


@pytest.mark.parametrize("name", ["audio_preprocessor_int8.tflite",
                                  "audio_preprocessor_float.tflite"])
def test_preprocessor_all_in_c(name):
    """Every node in C, so an invoke is one call of the executor; outputs as tflite-micro's."""
    data = shared_model(name).read_bytes()
    for level in LEVELS:
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        assert [k.node.op_name for k in it.kernels if k.native is None] == [], level
        assert len(it._graphs[0].steps) == 1, level
    rng = np.random.default_rng(len(name) + 1)
    check_levels(data, [[f] for f in audio_frames(rng, 6)])
