"""int16 LOGISTIC and TANH against tflite-micro: power-of-two input scales (the multiplier-free
path), general input scales (multiplier and shift), every int16 value, shapes of rank 1 to 4,
and the quantization parameters TFLM refuses."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import both_fail, compare, one_op, random_shape, values

OPS = ["LOGISTIC", "TANH"]
OUT_Q = {"scale": 2.0 ** -15, "zero_point": 0}
ALL_INT16 = np.arange(-32768, 32768).astype(np.int16)
# every int16 value once, in a shape of each rank
ALL_SHAPES = [(65536,), (16, 4096), (4, 16, 1024), (2, 8, 64, 64)]


def model(op, shape, in_scale, out_q=None, in_zero_point=0):
    return one_op(op, [(shape, np.int16, {"scale": in_scale, "zero_point": in_zero_point})],
                  [(shape, np.int16, out_q or OUT_Q)])


def check_all_values(op, scale, shape=(256, 256), out_q=None):
    assert compare(model(op, shape, scale, out_q), [[ALL_INT16.reshape(shape)]]) == 65536


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("exponent", [-16, -15, -14, -13, -12, -11, -10, -9, -8, -5, -1, 2])
def test_power_of_two_input_scales(op, exponent):
    """2^-12 (and 2^-11 for TANH) take the multiplier-free path, the others a multiplier."""
    check_all_values(op, 2.0 ** exponent, ALL_SHAPES[exponent % 4])


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("scale", [
    0.0003, 1 / 3000, 0.002, 1e-5, 4.5e-4, 0.01, 0.1, 0.7, 1.0, 3.0,
    40.0,        # a multiplier above 2^15: the product wraps in int32
    1e-12,       # the doubling loop stops at shift 31
    2.0 ** -12 * 1.0005, 2.0 ** -11 * 0.9995,   # within CheckedLog2's 1e-3: power of two
    2.0 ** -12 * 1.001, 2.0 ** -11 * 0.998])    # just outside it: general path
def test_general_input_scales(op, scale):
    check_all_values(op, scale)


@pytest.mark.parametrize("op", OPS)
def test_random_shapes_and_scales(op):
    """Seeded shapes of rank 1-4, log-uniform input scales, full-range values and extremes,
    several invokes per model."""
    rng = np.random.default_rng(2024 if op == "TANH" else 7)
    n = 0
    for _ in range(12):
        shape = random_shape(rng, 1, 4, 7)
        scale = float(np.float32(10.0 ** rng.uniform(-6, 0)))
        batches = []
        for _ in range(3):
            x = values(rng, shape, np.int16)
            flat = x.reshape(-1)
            flat[:4] = [-32768, 32767, 0, -1][:flat.size]
            batches.append([x])
        n += compare(model(op, shape, scale), batches)
    assert n > 0


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("out_scale", [2.0 ** -15 * 1.0005, 1 / 32767, 2.0 ** -15 * 0.9995])
def test_output_scale_within_checked_log2(op, out_scale):
    """TFLM accepts an output scale whose log2 is within 1e-3 of -15 and ignores its value."""
    check_all_values(op, 0.0004, out_q={"scale": out_scale, "zero_point": 0})


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("in_zero_point,out_q", [
    (0, {"scale": 2.0 ** -14, "zero_point": 0}),
    (0, {"scale": 2.0 ** -16, "zero_point": 0}),
    (0, {"scale": 2.0 ** -15 * 1.002, "zero_point": 0}),
    (0, {"scale": 2.0 ** -15 * 0.998, "zero_point": 0}),
    (0, {"scale": 2.0 ** -15, "zero_point": 1}),
    (0, {"scale": 2.0 ** -15, "zero_point": -32768}),
    (3, OUT_Q),
])
def test_refused_quantization(op, in_zero_point, out_q):
    data = model(op, (3, 5), 2.0 ** -12, out_q, in_zero_point)
    both_fail(data, [np.zeros((3, 5), np.int16)])


@pytest.mark.parametrize("op", OPS)
def test_refused_type_mix(op):
    """int16 in, int8 out (or the reverse): both refuse."""
    data = one_op(op, [((4,), np.int16, {"scale": 2.0 ** -12, "zero_point": 0})],
                  [((4,), np.int8, {"scale": 1 / 256, "zero_point": -128})])
    both_fail(data, [np.zeros(4, np.int16)])
    data = one_op(op, [((4,), np.int8, {"scale": 0.05, "zero_point": 0})],
                  [((4,), np.int16, OUT_Q)])
    both_fail(data, [np.zeros(4, np.int8)])


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("scale", [0.0, -0.001, 1e6])
def test_degenerate_input_scale_refused(op, scale):
    """Zero, negative and huge input scales: TFLM's results there rest on undefined C
    arithmetic (out-of-range float-to-int casts, shifts into the sign bit), so tinyrt refuses."""
    with pytest.raises(tinyrt.TinyrtError, match="input scale"):
        tinyrt.Interpreter(model_content=model(op, (4,), scale)).allocate_tensors()


@pytest.mark.parametrize("op,out_q", [
    ("LOGISTIC", {"scale": 0.01, "zero_point": -128}), ("LOGISTIC", {"scale": 0.05, "zero_point": -128}),
    ("TANH", {"scale": 0.01, "zero_point": 0}), ("TANH", {"scale": 1 / 128, "zero_point": 5})])
def test_int8_output_quantization_is_ignored_as_tflm_ignores_it(op, out_q):
    """TFLM's int8 kernels write 1/256 (LOGISTIC) or 1/128 (TANH) units whatever the output
    tensor says; it checks only LOGISTIC's zero point."""
    data = one_op(op, [((256,), np.int8, {"scale": 0.06, "zero_point": 3})],
                  [((256,), np.int8, out_q)])
    compare(data, [[np.arange(-128, 128).astype(np.int8)]])


def test_int8_logistic_output_zero_point_is_checked():
    data = one_op("LOGISTIC", [((8,), np.int8, {"scale": 0.06, "zero_point": 3})],
                  [((8,), np.int8, {"scale": 1 / 256, "zero_point": 0})])
    both_fail(data, [np.zeros(8, np.int8)])
