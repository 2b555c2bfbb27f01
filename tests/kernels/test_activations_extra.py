"""ELU, HARD_SWISH and PRELU against tflite-micro on seeded random shapes and quantization."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, broadcast_partner, compare, one_op, random_quant,
                               random_shape, values, with_specials)


@pytest.mark.parametrize("seed", range(2))
def test_elu_float(seed):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng, max_dim=9)
    data = one_op("ELU", [(shape, np.float32, None)], [(shape, np.float32, None)])
    compare(data, [[with_specials(values(rng, shape, np.float32))] for _ in range(3)])


@pytest.mark.parametrize("op", ["ELU", "HARD_SWISH"])
@pytest.mark.parametrize("seed", range(4))
def test_int8_tables(op, seed):
    rng = np.random.default_rng(seed)
    qin = random_quant(rng, np.int8, 0.01, 0.1)
    qout = random_quant(rng, np.int8, 0.01, 0.1)
    data = one_op(op, [((2, 128), np.int8, qin)], [((2, 128), np.int8, qout)])
    every = np.arange(-128, 128, dtype=np.int8).reshape(2, 128)
    compare(data, [[every]])


def test_hard_swish_float():
    rng = np.random.default_rng(7)
    shape = random_shape(rng, max_dim=9)
    data = one_op("HARD_SWISH", [(shape, np.float32, None)], [(shape, np.float32, None)])
    compare(data, [[with_specials(values(rng, shape, np.float32))] for _ in range(3)])


def test_hard_swish_int8_output_scale_too_small_is_refused():
    data = one_op("HARD_SWISH", [((4,), np.int8, {"scale": 0.5, "zero_point": 0})],
                  [((4,), np.int8, {"scale": 0.001, "zero_point": 0})])
    both_fail(data, [np.ones(4, np.int8)])


def _prelu_shapes(rng, seed):
    shape = random_shape(rng, max_rank=4)
    alpha = broadcast_partner(rng, shape) if seed else shape[-1:]
    return shape, alpha, np.broadcast_shapes(shape, alpha)


@pytest.mark.parametrize("seed", range(3))
def test_prelu_float(seed):
    rng = np.random.default_rng(seed)
    sx, sa, sy = _prelu_shapes(rng, seed)
    data = one_op("PRELU", [(sx, np.float32, None), (sa, np.float32, None)],
                  [(sy, np.float32, None)])
    compare(data, [[with_specials(values(rng, sx, np.float32)), values(rng, sa, np.float32)]
                   for _ in range(2)])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("seed", range(3))
def test_prelu_quantized(dtype, seed):
    rng = np.random.default_rng(10 + seed)
    sx, sa, sy = _prelu_shapes(rng, seed)
    qx, qy = random_quant(rng, dtype), random_quant(rng, dtype)
    qa = random_quant(rng, np.int8, 0.001, 0.02)
    if seed == 2:       # alpha as a constant, as converters write it
        data = one_op("PRELU", [(sx, dtype, qx), (values(rng, sa, np.int8), qa)],
                      [(sy, dtype, qy)])
        batches = [[values(rng, sx, dtype)] for _ in range(3)]
    else:
        data = one_op("PRELU", [(sx, dtype, qx), (sa, np.int8, qa)], [(sy, dtype, qy)])
        batches = [[values(rng, sx, dtype), values(rng, sa, np.int8)] for _ in range(3)]
    compare(data, batches)
