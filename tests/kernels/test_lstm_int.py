"""UNIDIRECTIONAL_SEQUENCE_LSTM: int8 and int16 activations (int16 cell state) and float32,
bit-exact against tflite-micro on random weights and inputs; the states carry across invokes."""
import numpy as np
import pytest

import tinyrt
from oracle import run_both, tflm_allocations, tflm_interpreter
from tinyrt import quant
from tinyrt.builder import ModelBuilder
from tinyrt.errors import OpError
from tinyrt.int16_activations import int16_logistic, int16_tanh

OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"
BIAS_TYPES = {np.int8: np.int32, np.int16: np.int64}


def lstm_model(rng, dtype, n_batch, n_time, n_input, n_cell, time_major=False,
               activation="TANH", cell_clip=0.0, cell_scale=2.0 ** -11, gain=1.0,
               intermediates=True, weight_zero_point=0, input_scale=None, weight_scale=None,
               replace=None):
    """A one-LSTM model with random weights, quantized as the TFLite converter does:
    per-tensor symmetric int8 weights, biases at input scale times weight scale, an int16 cell
    state at a power-of-two scale, and five empty gate intermediates (TFLM reads nothing from
    them). ``gain`` scales the weights and biases (large: saturated gates); ``replace`` maps an
    input index to a function(builder) -> tensor, for the refused variants."""
    b = ModelBuilder()
    shape = (n_time, n_batch, n_input) if time_major else (n_batch, n_time, n_input)
    if dtype == np.float32:
        xq = hq = cq = {}
    elif dtype == np.int8:
        xq = {"scale": rng.uniform(0.004, 0.02), "zero_point": int(rng.integers(-30, 31))}
        hq = {"scale": rng.uniform(0.004, 0.009), "zero_point": int(rng.integers(-30, 31))}
        cq = {"scale": cell_scale, "zero_point": 0}
    else:
        xq = {"scale": rng.uniform(2, 6) / 32768, "zero_point": 0}
        hq = {"scale": rng.uniform(1, 1.5) / 32768, "zero_point": 0}
        cq = {"scale": cell_scale, "zero_point": 0}
    if input_scale is not None:
        xq["scale"] = input_scale
    x = b.add_input("x", shape, dtype, **xq)

    def weights(name, depth, act_scale):
        real_max = gain * rng.uniform(0.5, 2.0) / np.sqrt(depth)
        if dtype == np.float32:
            w = rng.uniform(-real_max, real_max, (n_cell, depth)).astype(np.float32)
            return b.add_constant(name, w), None
        scale = real_max / 127 if weight_scale is None else weight_scale
        w = np.clip(rng.integers(-127, 128, (n_cell, depth)) + weight_zero_point, -128, 127)
        t = b.add_constant(name, w.astype(np.int8), scale=scale, zero_point=weight_zero_point)
        return t, float(np.float32(act_scale) * np.float32(scale))

    w_in = [weights(f"w_in{k}", n_input, xq.get("scale")) for k in range(4)]
    w_rec = [weights(f"w_rec{k}", n_cell, hq.get("scale")) for k in range(4)]
    ins = [x] + [t for t, _ in w_in] + [t for t, _ in w_rec] + [-1, -1, -1]
    for k, (_, bias_scale) in enumerate(w_in):
        real = rng.normal(0, 0.5 * gain, n_cell)
        if dtype == np.float32:
            ins.append(b.add_constant(f"b{k}", real.astype(np.float32)))
        else:
            q = np.round(real / bias_scale).astype(BIAS_TYPES[dtype])
            ins.append(b.add_constant(f"b{k}", q, scale=bias_scale, zero_point=0))
    ins += [-1, -1]
    ins.append(b.add_variable("h", (n_batch, n_cell), dtype, **hq))
    cell_type = np.float32 if dtype == np.float32 else np.int16
    ins.append(b.add_variable("c", (n_batch, n_cell), cell_type, **cq))
    ins += [-1, -1, -1, -1]
    for i, make in (replace or {}).items():
        ins[i] = make(b)
    y = b.add_tensor("y", shape[:2] + (n_cell,), dtype, **hq)
    inter = None
    if intermediates and dtype != np.float32:
        inter = [b.add_tensor(f"gate{k}", (0,), np.int16, scale=2.0 ** -12, zero_point=0)
                 for k in range(4)]
        inter.append(b.add_tensor("hidden", (0,), dtype, **hq))
    b.add_operator(OP, ins, [y], intermediates=inter, fused_activation_function=activation,
                   cell_clip=cell_clip, time_major=time_major)
    b.mark_output(y)
    return b.build(), shape


def random_input(rng, dtype, shape):
    if dtype == np.float32:
        return rng.standard_normal(shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def assert_matches_tflm(data, dtype, shape, rng, invokes=3):
    results = run_both(data, [[random_input(rng, dtype, shape)] for _ in range(invokes)])
    for ours, theirs in results:
        assert ours[0].dtype == theirs[0].dtype
        np.testing.assert_array_equal(ours[0], theirs[0])
    if results[-1][1][0].size >= 8:
        assert len(np.unique(results[-1][1][0])) > 1   # not a degenerate constant output


SHAPES = [  # batch, time, input, cell
    (1, 1, 1, 1), (1, 5, 3, 4), (2, 3, 2, 2), (3, 7, 10, 6), (4, 4, 17, 9), (2, 12, 8, 16),
    (1, 16, 40, 32)]


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_integer_lstm(dtype, shape, time_major):
    rng = np.random.default_rng(list(shape) + [time_major, np.dtype(dtype).itemsize])
    data, in_shape = lstm_model(rng, dtype, *shape, time_major=time_major)
    assert_matches_tflm(data, dtype, in_shape, rng)


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("shape", SHAPES[1:])
def test_float_lstm(shape, time_major):
    rng = np.random.default_rng(list(shape) + [time_major])
    data, in_shape = lstm_model(rng, np.float32, *shape, time_major=time_major)
    assert_matches_tflm(data, np.float32, in_shape, rng)


VARIANTS = {
    "cell_clip": {"cell_clip": 0.37},
    "cell_clip_saturated": {"cell_clip": 3.0, "gain": 4},
    "cell_clip_tiny_scale": {"cell_clip": 0.01, "cell_scale": 2.0 ** -18},
    # no TANH: TFLM applies nothing to the cell gate (SIGMOID reads as NONE)
    "activation_none": {"activation": "NONE"},
    "activation_relu": {"activation": "RELU"},
    "activation_6": {"activation": "SIGMOID", "gain": 3},
    "cell_scale_2^-12": {"cell_scale": 2.0 ** -12},
    "cell_scale_2^-15": {"cell_scale": 2.0 ** -15},       # tanh input shifted right
    "cell_scale_2^-8": {"cell_scale": 2.0 ** -8, "gain": 3},
    "cell_scale_not_pot": {"cell_scale": 0.0003},          # log2 rounded
    "saturated_gates": {"gain": 8},
    "saturated_sums": {"gain": 40},                        # int16 clamps of the FC outputs
    "weight_zero_point": {"weight_zero_point": 3},
    "no_intermediates": {"intermediates": False},
    # float32 sums overflow: TFLM clamps layer outputs and products to +-FLT_MAX
    "float_overflow": {"activation": "NONE", "gain": 1e38},
}
INTEGER_ONLY = ("weight_zero_point", "cell_scale", "intermediates")


def _variant_cases():
    for variant, options in sorted(VARIANTS.items()):
        if not variant.startswith("float"):
            yield np.int8, variant
            yield np.int16, variant
        if not any(k in options for k in INTEGER_ONLY):
            yield np.float32, variant


@pytest.mark.parametrize("dtype,variant", list(_variant_cases()))
def test_variants(dtype, variant):
    options = VARIANTS[variant]
    rng = np.random.default_rng([len(variant), np.dtype(dtype).itemsize, 7])
    for time_major in (False, True):
        data, in_shape = lstm_model(rng, dtype, 3, 6, 5, 7, time_major=time_major, **options)
        assert_matches_tflm(data, dtype, in_shape, rng)


def test_gate_multiplier_uses_double_scale_product():
    """The gates' multipliers come from the input and weight scales multiplied in double (not
    in float32, as TFLM's source reads). Pick scales where the two differ in the int16
    variant's 16-bit multiplier, so that the wrong one shows in the output."""
    rng = np.random.default_rng(11)
    reduced = lambda m: (m + (1 << 15)) >> 16              # noqa: E731
    for _ in range(100000):
        sx, sw = np.float32(rng.uniform(2, 6) / 32768), np.float32(rng.uniform(1e-3, 1e-2))
        single = quant.quantize_multiplier(float(sx * sw) / 2.0 ** -12)
        double = quant.quantize_multiplier(float(sx) * float(sw) / 2.0 ** -12)
        if reduced(single[0]) != reduced(double[0]):
            break
    else:
        pytest.fail("no scales found")
    data, in_shape = lstm_model(rng, np.int16, 4, 8, 30, 8, input_scale=float(sx),
                                weight_scale=float(sw), gain=3)
    assert_matches_tflm(data, np.int16, in_shape, rng, invokes=4)


@pytest.mark.parametrize("op,fn,scale,shift", [
    ("LOGISTIC", int16_logistic, 2.0 ** -12, 0), ("TANH", int16_tanh, 2.0 ** -12, 0),
    ("TANH", int16_tanh, 2.0 ** -11, 1)])
def test_int16_sigmoid_table_functions(op, fn, scale, shift):
    """The LSTM's int16 logistic and tanh on every int16 value, against TFLM's int16 LOGISTIC
    and TANH kernels, which take the same path for these power-of-two input scales."""
    b = ModelBuilder()
    x = b.add_input("x", (256, 256), np.int16, scale=scale, zero_point=0)
    y = b.add_tensor("y", (256, 256), np.int16, scale=2.0 ** -15, zero_point=0)
    b.add_operator(op, [x], [y])
    b.mark_output(y)
    values = np.arange(-32768, 32768).astype(np.int16).reshape(256, 256)
    oracle = tflm_interpreter(b.build())
    oracle.set_input(values, 0)
    oracle.invoke()
    np.testing.assert_array_equal(fn(values, 0, shift), oracle.get_output(0))


def _const(name, shape, dtype, **q):
    return lambda b: b.add_constant(name, np.ones(shape, dtype), **q)


REFUSED = {  # input index -> a tensor TFLM's LSTM does not accept there
    "peephole": {10: _const("peephole", (7,), np.int16, scale=1e-3, zero_point=0)},
    "projection": {16: _const("proj", (7, 7), np.int8, scale=1e-2, zero_point=0)},
    "projection_bias": {17: _const("proj_bias", (7,), np.int32, scale=1e-4, zero_point=0)},
    "layer_norm": {21: _const("norm", (7,), np.int16, scale=1e-3, zero_point=0)},
    "cifg": {1: lambda b: -1, 5: lambda b: -1, 12: lambda b: -1},
}


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_refused_variants(variant):
    rng = np.random.default_rng(3)
    data, _ = lstm_model(rng, np.int8, 2, 3, 4, 7, replace=REFUSED[variant])
    with pytest.raises(OpError):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
    with pytest.raises(RuntimeError):
        tflm_interpreter(data)


@pytest.mark.parametrize("replace,message", [
    ({2: _const("w", (7, 4), np.int8, scale=[0.01] * 7, zero_point=[0] * 7)}, "per-channel"),
    ({13: _const("b", (7,), np.int64, scale=1e-4, zero_point=0)}, "share one type"),
    ({2: _const("w", (7, 4), np.float32)}, "share one type"),
])
def test_refused_types(replace, message):
    """Models TFLM accepts but computes garbage for: refused with a message."""
    rng = np.random.default_rng(4)
    data, _ = lstm_model(rng, np.int8, 2, 3, 4, 7, replace=replace)
    with pytest.raises(OpError, match=message):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


@pytest.mark.parametrize("dtype", [np.int8, np.float32])
def test_arena_head_as_tflm(dtype, tmp_path):
    """TFLM's four gate scratch buffers are requested too: the same arena head."""
    data, _ = lstm_model(np.random.default_rng(6), dtype, 3, 7, 10, 6)
    path = tmp_path / "lstm.tflite"
    path.write_bytes(data)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    assert it.memory_report().head == tflm_allocations(path)["head"]
