"""int8 DIV and CUMSUM against tflite-micro, and NEG, which tflite-micro runs on float32 only:
seeded random shapes, broadcasting, scales and zero points, every fused activation, every pair
of int8 values for DIV, exclusive / reverse / negative axes and int32 wrap-around for CUMSUM."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import (both_fail, broadcast_partner, compare, one_op, random_shape,
                               values)
from oracle import tflm_interpreter
from tinyrt.builder import ModelBuilder

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def _quant(rng, log_lo=-7.0, log_hi=1.0):
    return {"scale": float(np.exp(rng.uniform(log_lo, log_hi))),
            "zero_point": int(rng.integers(-128, 128))}


def _every_pair():
    a, b = np.meshgrid(np.arange(-128, 128), np.arange(-128, 128), indexing="ij")
    return a.reshape(-1).astype(np.int8), b.reshape(-1).astype(np.int8)


def _div(sa, sb, sy, qa, qb, qy, act="NONE"):
    return one_op("DIV", [(sa, np.int8, qa), (sb, np.int8, qb)], [(sy, np.int8, qy)],
                  fused_activation_function=act)


# -- DIV -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_div_int8_every_value_pair(seed):
    """All 65536 (numerator, denominator) pairs, denominators at their zero point included,
    over scale ratios from tiny to huge (output shifts far outside [-31, 0])."""
    rng = np.random.default_rng(seed)
    a, b = _every_pair()
    for act in ACTIVATIONS:
        lo, hi = (-7.0, 1.0) if act != "NONE" else (-14.0, 8.0)
        qa, qb, qy = _quant(rng, lo, hi), _quant(rng, lo, hi), _quant(rng, lo, hi)
        assert compare(_div(a.shape, b.shape, a.shape, qa, qb, qy, act), [[a, b]]) == a.size


@pytest.mark.parametrize("scales", [(0.05, 0.08, 0.1), (0.1, 0.3, 0.2), (0.02, 0.05, 0.04),
                                    (0.5, 0.25, 1.0)])
def test_div_int8_round_scales(scales):
    """Decimal scales put many quotients on exact halves of an output step, where the
    multiplier's last bits decide the rounding: tflite-micro takes the ratio of the scales in
    double (in float32, 0.05 / (0.08 * 0.1) is exactly 6.25 and 613 outputs would differ)."""
    a, b = _every_pair()
    qa, qb, qy = ({"scale": s, "zero_point": z} for s, z in zip(scales, (3, -7, 2)))
    compare(_div(a.shape, b.shape, a.shape, qa, qb, qy), [[a, b]])


def test_div_int8_known_values():
    """Plain quotients at unit scales, and what tflite-micro makes of quotients below half an
    output step (a shift by 32 bits or more, undefined in C): saturated, or 1 for 0 / b."""
    q = {"scale": 1.0, "zero_point": 0}
    a = np.array([6, -6, 100, 127, -128, 7, 1, 1, -1, 0, 0, 0], np.int8)
    b = np.array([3, 3, -4, 1, 2, 2, 100, 2, 100, 1, 2, 100], np.int8)
    data = _div(a.shape, b.shape, a.shape, q, q, q)
    compare(data, [[a, b]])
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_input(a, 0)
    it.set_input(b, 1)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0),
                                  [2, -2, -25, 127, -64, 4, 127, 1, -128, 0, 0, 1])


@pytest.mark.parametrize("seed", range(10))
def test_div_int8_broadcast(seed):
    rng = np.random.default_rng(100 + seed)
    sa = random_shape(rng, max_rank=5)
    sb = sa if seed % 4 == 0 else broadcast_partner(rng, sa)
    if seed % 2:
        sa, sb = sb, sa
    sy = np.broadcast_shapes(sa, sb)
    qa, qb, qy = _quant(rng), _quant(rng), _quant(rng)
    data = _div(sa, sb, sy, qa, qb, qy, ACTIVATIONS[seed % 4])
    edges = [np.full(sa, -128, np.int8), np.full(sb, qb["zero_point"], np.int8)]
    compare(data, [[values(rng, sa, np.int8), values(rng, sb, np.int8)],
                   [np.full(sa, 127, np.int8), values(rng, sb, np.int8)],
                   [np.full(sa, qa["zero_point"], np.int8), np.full(sb, -128, np.int8)],
                   edges])


def test_div_int8_scalar_denominator():
    rng = np.random.default_rng(7)
    qa, qb, qy = _quant(rng), _quant(rng), _quant(rng)
    data = _div((2, 3, 4), (), (2, 3, 4), qa, qb, qy, "RELU6")
    compare(data, [[values(rng, (2, 3, 4), np.int8), np.array(v, np.int8)]
                   for v in (-128, 127, qb["zero_point"] + 1, qb["zero_point"] - 1)])


@pytest.mark.parametrize("ta,tb,ty", [(np.int8, np.int16, np.int8), (np.int8, np.int8, np.int16),
                                      (np.int16, np.int16, np.int16)])
def test_div_types_tflite_micro_refuses(ta, tb, ty):
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op("DIV", [((4,), ta, q), ((4,), tb, q)], [((4,), ty, q)])
    both_fail(data, [np.ones(4, ta), np.ones(4, tb)])


def test_div_int8_without_quantization_is_refused():
    # tflite-micro would quantize the multiplier 0 / 0; not run here
    data = one_op("DIV", [((4,), np.int8, None), ((4,), np.int8, None)], [((4,), np.int8, None)])
    with pytest.raises(tinyrt.OpError, match="quantization"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


# -- CUMSUM ----------------------------------------------------------------------------------

def _cumsum(shape, axis, qx, qy, exclusive, reverse, dtype=np.int8, axis_dtype=np.int32):
    b = ModelBuilder()
    x = b.add_input("x", shape, dtype, **(qx or {}))
    y = b.add_tensor("y", shape, dtype, **(qy or {}))
    b.add_operator("CUMSUM", [x, b.add_constant("axis", np.array([axis], axis_dtype))], [y],
                   exclusive=exclusive, reverse=reverse)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("exclusive,reverse", [(False, False), (True, False), (False, True),
                                               (True, True)])
def test_cumsum_int8(exclusive, reverse):
    rng = np.random.default_rng(int(exclusive) * 2 + int(reverse))
    for _ in range(6):
        shape = random_shape(rng, max_rank=4)
        axis = int(rng.integers(-len(shape), len(shape)))       # negative axes too
        qx = _quant(rng, -6.0, 0.0)
        qy = {"scale": qx["scale"] * float(np.exp(rng.uniform(-2.0, 4.0))),
              "zero_point": int(rng.integers(-128, 128))}
        data = _cumsum(shape, axis, qx, qy, exclusive, reverse)
        compare(data, [[values(rng, shape, np.int8)], [np.full(shape, 127, np.int8)],
                       [np.full(shape, -128, np.int8)],
                       [np.full(shape, qx["zero_point"], np.int8)]])


@pytest.mark.parametrize("exclusive,reverse", [(False, False), (True, True)])
def test_cumsum_int8_long_axis_wraps(exclusive, reverse):
    """Each term is (x - zero point) * 2^19 in an int32 sum: past 16 or so large terms it
    wraps around, in tflite-micro as here."""
    rng = np.random.default_rng(11)
    shape = (3, 70, 2)
    qx = {"scale": 0.02, "zero_point": -128}
    qy = {"scale": 0.5, "zero_point": 5}
    data = _cumsum(shape, 1, qx, qy, exclusive, reverse)
    compare(data, [[np.full(shape, 127, np.int8)], [values(rng, shape, np.int8, 60, 127)],
                   [values(rng, shape, np.int8)]])


def test_cumsum_int8_input_zero_point_starts_the_sum():
    """tflite-micro starts the sum at minus the input zero point, not at 0: an exclusive sum's
    first value is -zero_point * scale, seen through the output quantization."""
    qx = {"scale": 0.5, "zero_point": 4}
    qy = {"scale": 0.5, "zero_point": 0}
    data = _cumsum((1, 3), 1, qx, qy, True, False)
    x = np.array([[4, 6, 10]], np.int8)      # real values 0, 1, 3
    compare(data, [[x]])
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), [[-4, -4, -2]])


@pytest.mark.parametrize("case", ["int16", "axis_out_of_range", "int64_axis", "scalar"])
def test_cumsum_cases_tflite_micro_refuses(case):
    q = {"scale": 0.1, "zero_point": 0}
    dtype = np.int16 if case == "int16" else np.int8
    axis = 2 if case == "axis_out_of_range" else 0
    axis_dtype = np.int64 if case == "int64_axis" else np.int32
    shape = () if case == "scalar" else (4, 3)
    data = _cumsum(shape, axis, q, q, False, False, dtype, axis_dtype)
    both_fail(data, [np.ones(shape, dtype)])


def test_cumsum_int8_scale_ratio_too_large_is_refused():
    # tflite-micro aborts the process on this multiplier (not run here)
    data = _cumsum((4,), 0, {"scale": 1.0, "zero_point": 0}, {"scale": 1e-6, "zero_point": 0},
                   False, False)
    with pytest.raises(tinyrt.OpError, match="too large"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_cumsum_wide_integers_still_run(dtype):
    """Beyond tflite-micro (which has only float32 and int8): exact sums, wrapping as C's."""
    x = np.array([[1, -2, 3], [np.iinfo(dtype).max, 1, 5]], dtype)
    with pytest.raises(RuntimeError):                  # tflite-micro refuses these types
        tflm_interpreter(_cumsum(x.shape, -1, None, None, False, True, dtype))
    outputs = []
    for exclusive in (False, True):
        it = tinyrt.Interpreter(model_content=_cumsum(x.shape, -1, None, None, exclusive, True,
                                                      dtype))
        it.allocate_tensors()
        it.set_input(x, 0)
        it.invoke()
        outputs.append(it.get_output(0))
    wrapped = int(np.iinfo(dtype).min) + 5              # max + 1 + 5
    np.testing.assert_array_equal(outputs[0], np.array([[2, 1, 3], [wrapped, 6, 5]], dtype))
    np.testing.assert_array_equal(outputs[1], np.array([[1, 3, 0], [6, 5, 0]], dtype))


# -- NEG -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32])
def test_neg_integer_types_tflite_micro_refuses(dtype):
    """tflite-micro's NEG has a float32 kernel only (int8 is a TODO there)."""
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op("NEG", [((5,), dtype, q)], [((5,), dtype, q)])
    both_fail(data, [np.array([0, 1, -1, np.iinfo(dtype).min, np.iinfo(dtype).max], dtype)])


def test_neg_float32():
    x = np.array([0.0, -0.0, 1.5, -3.25, np.inf, -np.inf, np.nan, 3.4e38], np.float32)
    compare(one_op("NEG", [((8,), np.float32, None)], [((8,), np.float32, None)]), [[x]])
