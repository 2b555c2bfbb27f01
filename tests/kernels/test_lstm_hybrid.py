"""UNIDIRECTIONAL_SEQUENCE_LSTM, hybrid: float32 input, states and biases with int8 weights.
tflite-micro has no hybrid LSTM, so the oracle is LiteRT with its reference op resolver; the
outputs must be identical bit for bit (every invoke, the states carrying across invokes)."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import assert_matches_litert
from tinyrt.builder import ModelBuilder
from tinyrt.errors import OpError

OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"


def hybrid_model(rng, n_batch, n_time, n_input, n_cell, time_major=False, activation="TANH",
                 cell_clip=0.0, asymmetric=False, gain=1.0, biases=None, replace=None):
    """A one-LSTM hybrid model as the TFLite converter makes it: int8 weights with per-tensor
    symmetric scales, float32 biases and states. ``gain`` scales weights and biases (large:
    saturated gates); ``biases`` gives the four bias vectors; ``replace`` maps an input index
    to a function(builder) -> tensor, for the refused variants."""
    b = ModelBuilder()
    shape = (n_time, n_batch, n_input) if time_major else (n_batch, n_time, n_input)
    x = b.add_input("x", shape, np.float32)

    def weights(name, depth):
        scale = gain * rng.uniform(0.5, 2.0) / np.sqrt(depth) / 127
        w = rng.integers(-127, 128, (n_cell, depth)).astype(np.int8)
        return b.add_constant(name, w, scale=scale, zero_point=0)

    ins = [x] + [weights(f"w_in{k}", n_input) for k in range(4)]
    ins += [weights(f"w_rec{k}", n_cell) for k in range(4)] + [-1, -1, -1]
    for k in range(4):
        bias = biases[k] if biases is not None else rng.normal(0, 0.5 * gain, n_cell)
        ins.append(b.add_constant(f"b{k}", np.asarray(bias, np.float32)))
    ins += [-1, -1]
    ins.append(b.add_variable("h", (n_batch, n_cell), np.float32))
    ins.append(b.add_variable("c", (n_batch, n_cell), np.float32))
    ins += [-1, -1, -1, -1]
    for i, make in (replace or {}).items():
        ins[i] = make(b)
    y = b.add_tensor("y", shape[:2] + (n_cell,), np.float32)
    b.add_operator(OP, ins, [y], fused_activation_function=activation, cell_clip=cell_clip,
                   time_major=time_major, asymmetric_quantize_inputs=asymmetric)
    b.mark_output(y)
    return b.build(), shape


def random_inputs(rng, shape, count=3, scale=2.0):
    return [(rng.standard_normal(shape) * scale).astype(np.float32) for _ in range(count)]


SHAPES = [  # batch, time, input, cell
    (1, 1, 1, 1), (1, 5, 3, 4), (2, 3, 2, 2), (3, 7, 10, 6), (4, 4, 17, 9), (2, 12, 8, 16),
    (1, 16, 40, 32), (5, 6, 23, 7), (3, 4, 33, 13)]


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_hybrid_lstm(shape, time_major, asymmetric):
    rng = np.random.default_rng(list(shape) + [time_major, asymmetric])
    data, in_shape = hybrid_model(rng, *shape, time_major=time_major, asymmetric=asymmetric)
    last = assert_matches_litert(data, random_inputs(rng, in_shape))
    if last.size >= 8:
        assert len(np.unique(last)) > 1                 # not a degenerate constant output


VARIANTS = {
    "cell_clip": {"cell_clip": 0.37},
    "cell_clip_saturated": {"cell_clip": 3.0, "gain": 4},
    "saturated_gates": {"gain": 8},
    "saturated_sums": {"gain": 40},
    # LiteRT applies the node's activation to the cell gate and to the cell state
    "activation_relu": {"activation": "RELU"},
    "activation_relu6": {"activation": "RELU6", "gain": 3},
    "activation_relu_n1_to_1": {"activation": "RELU_N1_TO_1", "gain": 3},
    "activation_sign_bit": {"activation": "SIGN_BIT"},
    # NONE: the output gate multiplies the cell gate's values; code 6 (SIGMOID) reads as NONE
    "activation_none": {"activation": "NONE"},
    "activation_6": {"activation": "SIGMOID"},
}


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variants(variant, asymmetric):
    rng = np.random.default_rng([len(variant), asymmetric, 7])
    for time_major in (False, True):
        data, in_shape = hybrid_model(rng, 3, 6, 9, 7, time_major=time_major,
                                      asymmetric=asymmetric, **VARIANTS[variant])
        assert_matches_litert(data, random_inputs(rng, in_shape))


ACTIVATIONS = ["TANH", "TANH", "TANH", "NONE", "RELU", "RELU6", "RELU_N1_TO_1", "SIGN_BIT"]


@pytest.mark.parametrize("seed", range(30))
def test_random_configurations(seed):
    """Random shapes, options, weight and input scales."""
    rng = np.random.default_rng([seed, 99])
    shape = [int(rng.integers(1, 7)), int(rng.integers(1, 9)), int(rng.integers(1, 41)),
             int(rng.integers(1, 25))]
    options = {"time_major": bool(rng.integers(2)), "asymmetric": bool(rng.integers(2)),
               "activation": str(rng.choice(ACTIVATIONS)),
               "gain": float(np.exp(rng.uniform(-1, 2.5))),
               "cell_clip": float(rng.choice([0.0, 0.0, rng.uniform(0.1, 4)]))}
    data, in_shape = hybrid_model(rng, *shape, **options)
    input_scale = float(np.exp(rng.uniform(-3, 3)))
    assert_matches_litert(data, random_inputs(rng, in_shape, scale=input_scale))


def _rows_model(rng, rows, time_major, asymmetric, **kw):
    """A one-step model whose input holds ``rows`` (one per batch row), and its input."""
    n_batch, n_input = rows.shape
    data, shape = hybrid_model(rng, n_batch, 1, n_input, 5, time_major=time_major,
                               asymmetric=asymmetric, **kw)
    return data, rows.reshape(shape)


# Rows whose quantization scale is exactly 1 (max |v| 127, or a range of 255 from -51 to 204
# with zero point -77), with values on rounding boundaries in the first block of 8 (LiteRT's
# vectorised quantizer: trunc(y +- 0.5) in float32, so 0.49999997 rounds up, and the zero
# point added after rounding) and in the 4 values after it (round(), halves away from zero).
EDGE_ROWS = {
    False: [127, 0.49999997, -0.49999997, 2.5, -2.5, 0.5, -0.5, 1.4999999,
            0.49999997, -0.49999997, 2.5, -0.5],
    True: [-51, 204, 0.5, 0.49999997, -0.5, 2.5, -2.5, 0.49999997,
           0.5, 0.49999997, -0.5, 1.5],
}


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("time_major", [False, True])
def test_quantizer_rounding(time_major, asymmetric):
    rng = np.random.default_rng([11, time_major, asymmetric])
    edge = np.array(EDGE_ROWS[asymmetric], np.float32)
    rows = np.stack([edge, edge[::-1], -edge])
    data, x = _rows_model(rng, rows, time_major, asymmetric, activation="NONE", gain=3)
    assert_matches_litert(data, [x, x * np.float32(0.5)])


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("time_major", [False, True])
def test_zero_rows_and_negative_zero_bias(time_major, asymmetric):
    """A step skips the product of an all-zero input: per row when batch-major, only when
    every row is zero when time-major (then a zero row adds +0.0). With -0.0 biases and NONE
    (the cell gate reaches the output) the sign of zero shows."""
    rng = np.random.default_rng([12, time_major, asymmetric])
    n_batch, n_time, n_input, n_cell = 3, 4, 6, 5
    biases = [np.full(n_cell, -0.0, np.float32) for _ in range(4)]
    data, shape = hybrid_model(rng, n_batch, n_time, n_input, n_cell, time_major=time_major,
                               asymmetric=asymmetric, activation="NONE", biases=biases)
    zeros = np.zeros(shape, np.float32)
    one_row = zeros.copy()
    (one_row[:, 1] if time_major else one_row[1])[...] = rng.standard_normal((n_time, n_input))
    negative = np.full(shape, -0.0, np.float32)
    last = assert_matches_litert(data, [zeros, negative, one_row, zeros])
    assert np.signbit(last).any() or time_major


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("time_major", [False, True])
def test_extreme_values(time_major, asymmetric):
    """Rows of huge finite values (products overflow to infinity, saturating the gates),
    rows of denormals (the scale underflows to 0) and single nonzero values."""
    rng = np.random.default_rng([13, time_major, asymmetric])
    rows = np.zeros((4, 10), np.float32)
    rows[0] = rng.choice([3.4e38, -3.4e38, 1e30, -1.0], 10)
    rows[1] = rng.choice([1e-45, -1e-45, 3e-45, 0.0], 10)
    rows[2, 3] = -1e-30
    rows[3] = rng.standard_normal(10) * 1e-38
    data, x = _rows_model(rng, rows, time_major, asymmetric)
    assert_matches_litert(data, [x, x[::-1].copy(), -x])


def test_long_sequence_large_batch():
    """Many steps with a state that feeds back through the recurrent product."""
    rng = np.random.default_rng(14)
    for time_major in (False, True):
        data, shape = hybrid_model(rng, 6, 40, 24, 20, time_major=time_major, gain=2)
        assert_matches_litert(data, random_inputs(rng, shape, count=2))


def _const(name, shape, dtype, **q):
    return lambda b: b.add_constant(name, np.ones(shape, dtype), **q)


def _int8_weights(shape, **q):
    return _const("w", shape, np.int8, **{"scale": 0.01, "zero_point": 0, **q})


REFUSED = {  # input index -> a tensor the hybrid kernel does not accept there
    "peephole": ({10: _const("peephole", (7,), np.float32)}, "peephole"),
    "projection": ({16: _int8_weights((7, 7))}, "projection"),
    "layer_norm": ({21: _const("norm", (7,), np.float32)}, "layer-norm"),
    "cifg": ({1: lambda b: -1, 5: lambda b: -1, 12: lambda b: -1}, "CIFG"),
    # LiteRT reads a per-tensor scale only (0 for per-channel weights: the gates see biases)
    "per_channel": ({2: _int8_weights((7, 4), scale=[0.01] * 7, zero_point=[0] * 7)},
                    "per-channel"),
    "zero_point": ({3: _int8_weights((7, 4), zero_point=3)}, "symmetric"),
    "no_scale": ({4: lambda b: b.add_constant("w", np.ones((7, 4), np.int8))}, "scale"),
    "int32_biases": ({k: _const(f"b{k}", (7,), np.int32, scale=1e-4, zero_point=0)
                      for k in range(12, 16)}, "float32 biases"),
    "int16_cell_state": ({19: lambda b: b.add_variable("c16", (2, 7), np.int16, scale=2.0 ** -11,
                                                       zero_point=0)}, "cell state"),
    "uint8_weights": ({k: _const(f"w{k}", (7, 4 if k < 5 else 7), np.uint8, scale=0.01,
                                 zero_point=0) for k in range(1, 9)}, "int8: hybrid"),
}


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_refused(variant):
    replace, message = REFUSED[variant]
    data, _ = hybrid_model(np.random.default_rng(3), 2, 3, 4, 7, replace=replace)
    with pytest.raises(OpError, match=message):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
