"""L2_NORMALIZATION and LOG_SOFTMAX against tflite-micro on seeded random shapes and
quantization."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, compare, one_op, random_quant, random_shape, values,
                               with_specials)


@pytest.mark.parametrize("seed", range(3))
def test_l2_normalization_float(seed):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng, max_dim=12)
    data = one_op("L2_NORMALIZATION", [(shape, np.float32, None)], [(shape, np.float32, None)])
    tiny = (values(rng, shape, np.float32) * 1e-8).astype(np.float32)   # norm below epsilon
    compare(data, [[values(rng, shape, np.float32)], [tiny], [with_specials(tiny)]])


@pytest.mark.parametrize("seed", range(4))
def test_l2_normalization_int8(seed):
    rng = np.random.default_rng(10 + seed)
    shape = random_shape(rng, max_dim=40 if seed == 3 else 8)
    qin = random_quant(rng, np.int8)
    # TFLM writes 1/128 units whatever the output quantization says
    qout = {"scale": 1 / 128, "zero_point": 0} if seed < 2 else random_quant(rng, np.int8)
    data = one_op("L2_NORMALIZATION", [(shape, np.int8, qin)], [(shape, np.int8, qout)])
    at_zero = np.full(shape, qin["zero_point"], np.int8)           # a sum of squares of 0
    compare(data, [[values(rng, shape, np.int8)], [values(rng, shape, np.int8)], [at_zero]])


def test_l2_normalization_rank_5_is_refused():
    shape = (1, 2, 1, 2, 3)
    data = one_op("L2_NORMALIZATION", [(shape, np.float32, None)], [(shape, np.float32, None)])
    both_fail(data, [np.ones(shape, np.float32)])


@pytest.mark.parametrize("seed", range(3))
def test_log_softmax_float(seed):
    rng = np.random.default_rng(20 + seed)
    shape = random_shape(rng, max_dim=10)
    data = one_op("LOG_SOFTMAX", [(shape, np.float32, None)], [(shape, np.float32, None)])
    compare(data, [[values(rng, shape, np.float32)] for _ in range(3)]
            + [[with_specials(values(rng, shape, np.float32))]])


@pytest.mark.parametrize("seed", range(6))
def test_log_softmax_int8(seed):
    rng = np.random.default_rng(30 + seed)
    shape = random_shape(rng, max_dim=12)
    qin = random_quant(rng, np.int8, 0.005, 1.0)
    qout = {"scale": 16 / 256, "zero_point": 127}
    data = one_op("LOG_SOFTMAX", [(shape, np.int8, qin)], [(shape, np.int8, qout)])
    batches = [[values(rng, shape, np.int8)] for _ in range(3)]
    batches.append([values(rng, shape, np.int8, -3, 3)])               # near-equal rows
    compare(data, batches)


def test_log_softmax_int8_long_rows():
    rng = np.random.default_rng(40)
    shape = (3, 700)
    qin = {"scale": 0.02, "zero_point": -5}
    data = one_op("LOG_SOFTMAX", [(shape, np.int8, qin)],
                  [(shape, np.int8, {"scale": 16 / 256, "zero_point": 127})])
    compare(data, [[values(rng, shape, np.int8)], [values(rng, shape, np.int8, 100, 127)]])


def test_log_softmax_int8_needs_tflms_output_quantization():
    data = one_op("LOG_SOFTMAX", [((4,), np.int8, {"scale": 0.1, "zero_point": 0})],
                  [((4,), np.int8, {"scale": 1 / 16, "zero_point": 0})])
    both_fail(data, [np.ones(4, np.int8)])
