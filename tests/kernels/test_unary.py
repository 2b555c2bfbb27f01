"""ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, SIN, COS, EXP, LOG against tflite-micro,
on seeded random shapes, values (with infinities, NaN, signed zeros, halves) and quantization."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, compare, one_op, random_quant, random_shape, values,
                       with_specials)

OPS = ["ABS", "NEG", "CEIL", "FLOOR", "ROUND", "SQRT", "RSQRT", "SQUARE", "SIN", "COS", "EXP",
       "LOG"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("seed", [0, 1])
def test_float(op, seed):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng, max_dim=9)
    data = one_op(op, [(shape, np.float32, None)], [(shape, np.float32, None)])
    batches = [[with_specials(values(rng, shape, np.float32))] for _ in range(3)]
    # halves and near-halves, where rounding rules differ
    batches.append([(rng.integers(-8, 8, shape) + rng.choice([0.5, 0.49999997, 0.5000001],
                                                            shape)).astype(np.float32)])
    if op in ("SIN", "COS"):       # large arguments take the other range reduction
        batches.append([(values(rng, shape, np.float32) * 1e4).astype(np.float32)])
    compare(data, batches)


def test_round_signed_zero():
    """TFLM's ROUND gives +0.0 for inputs in [-0.5, 0), where numpy's round gives -0.0."""
    x = np.array([-0.5, -0.3, -0.0, 0.0, 0.3, -1e-30], np.float32)
    data = one_op("ROUND", [(x.shape, np.float32, None)], [(x.shape, np.float32, None)])
    compare(data, [[x]])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("seed", range(4))
def test_abs_quantized(dtype, seed):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng)
    qin = random_quant(rng, dtype)
    # same scale (no requantization), a larger or a smaller one
    qout = dict(qin) if seed == 0 else random_quant(rng, dtype, qin["scale"] * 0.5,
                                                    qin["scale"] * 2)
    data = one_op("ABS", [(shape, dtype, qin)], [(shape, dtype, qout)])
    compare(data, [[values(rng, shape, dtype)] for _ in range(3)])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_abs_quantized_every_value(dtype):
    """Every input value, through scale ratios that put some results next to a rounding
    boundary (tflite-micro takes the ratio of the scales in double)."""
    info = np.iinfo(dtype)
    x = np.arange(info.min, info.max + 1).astype(dtype)
    for seed in (146, 7, 8):
        rng = np.random.default_rng(seed)
        qin = random_quant(rng, dtype)
        qout = random_quant(rng, dtype, qin["scale"] * 0.3, qin["scale"] * 3)
        compare(one_op("ABS", [(x.shape, dtype, qin)], [(x.shape, dtype, qout)]), [[x]])


def test_abs_int16_without_quantization():
    x = np.array([-32768, -32767, -1, 0, 1, 32767], np.int16)
    data = one_op("ABS", [(x.shape, np.int16, None)], [(x.shape, np.int16, None)])
    compare(data, [[x]])


@pytest.mark.parametrize("seed", range(4))
def test_rsqrt_int8(seed):
    rng = np.random.default_rng(seed)
    qin = random_quant(rng, np.int8, 0.01, 0.5)
    qout = random_quant(rng, np.int8, 0.01, 0.2)
    zx = qin["zero_point"]
    shape = (2, 128 - zx // 2)
    data = one_op("RSQRT", [(shape, np.int8, qin)], [(shape, np.int8, qout)])
    # every non-negative real value the input can hold, the zero point included
    x = np.resize(np.arange(zx, 128), shape).astype(np.int8)
    compare(data, [[x], [values(np.random.default_rng(9), shape, np.int8, zx, 127)]])


@pytest.mark.parametrize("seed", range(3))
def test_rsqrt_int16(seed):
    rng = np.random.default_rng(seed)
    qin = random_quant(rng, np.int16, 1e-4, 0.05)
    qout = random_quant(rng, np.int16, 1e-4, 0.01)
    data = one_op("RSQRT", [((128, 256), np.int16, qin)], [((128, 256), np.int16, qout)])
    every = np.arange(32768, dtype=np.int16).reshape(128, 256)
    compare(data, [[every], [values(rng, (128, 256), np.int16, 0, 300)]])


def test_rsqrt_int8_of_a_negative_value_fails_in_both():
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op("RSQRT", [((4,), np.int8, q)], [((4,), np.int8, q)])
    both_fail(data, [np.array([4, 9, -1, 16], np.int8)])


@pytest.mark.parametrize("op,dtype", [("RSQRT", np.int32), ("NEG", np.int8), ("SIN", np.int8),
                                      ("FLOOR", np.int32), ("ABS", np.int32),
                                      ("SQUARE", np.int8)])
def test_types_tflite_micro_refuses(op, dtype):
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op(op, [((4,), dtype, q)], [((4,), dtype, q)])
    both_fail(data, [np.ones(4, dtype)])
