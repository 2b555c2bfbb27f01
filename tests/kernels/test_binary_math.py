"""FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE and ADD_N against tflite-micro, on seeded random
broadcast shapes and quantization."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, broadcast_partner, compare, one_op, random_quant,
                               random_shape, values, with_specials)


def _pair(rng, seed):
    sa = random_shape(rng, max_rank=5)
    sb = sa if seed == 0 else broadcast_partner(rng, sa)
    if seed % 2:
        sa, sb = sb, sa
    return sa, sb, np.broadcast_shapes(sa, sb)


@pytest.mark.parametrize("seed", range(3))
def test_floor_div(seed):
    rng = np.random.default_rng(seed)
    sa, sb, sy = _pair(rng, seed)
    data = one_op("FLOOR_DIV", [(sa, np.float32, None), (sb, np.float32, None)],
                  [(sy, np.float32, None)])
    nonzero = lambda s: np.where(values(rng, s, np.float32) == 0, 1, values(rng, s, np.float32))  # noqa: E731
    # quotients a hair below an integer: float32 division would round them up to it
    b = nonzero(sb).astype(np.float32)
    k = rng.integers(-50, 50, sa).astype(np.float32)
    near = (np.broadcast_to(b, sy)[tuple(slice(0, n) for n in sa)] * k)
    near = np.nextafter(near, np.float32(-np.inf) * np.sign(near)).astype(np.float32)
    compare(data, [[with_specials(values(rng, sa, np.float32)), b], [near, b]])


def test_floor_div_by_zero_fails_in_both():
    data = one_op("FLOOR_DIV", [((3,), np.float32, None), ((3,), np.float32, None)],
                  [((3,), np.float32, None)])
    both_fail(data, [np.ones(3, np.float32), np.array([1, -0.0, 2], np.float32)])


@pytest.mark.parametrize("seed", range(3))
def test_floor_mod(seed):
    rng = np.random.default_rng(10 + seed)
    sa, sb, sy = _pair(rng, seed)
    data = one_op("FLOOR_MOD", [(sa, np.float32, None), (sb, np.float32, None)],
                  [(sy, np.float32, None)])
    ints = lambda s: rng.integers(-9, 10, s).astype(np.float32)  # noqa: E731
    compare(data, [[values(rng, sa, np.float32), values(rng, sb, np.float32)],
                   [ints(sa), ints(sb)],             # exact multiples: signed zeros, b = 0
                   [with_specials(values(rng, sa, np.float32)), values(rng, sb, np.float32)]])


@pytest.mark.parametrize("op,dtype", [("FLOOR_DIV", np.int32), ("FLOOR_MOD", np.int32),
                                      ("FLOOR_DIV", np.int8), ("SQUARED_DIFFERENCE", np.int64),
                                      ("ADD_N", np.int32), ("ADD_N", np.int16)])
def test_types_tflite_micro_refuses(op, dtype):
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op(op, [((3,), dtype, q), ((3,), dtype, q)], [((3,), dtype, q)])
    both_fail(data, [np.ones(3, dtype), np.ones(3, dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("seed", range(2))
def test_squared_difference(dtype, seed):
    rng = np.random.default_rng(20 + seed)
    sa, sb, sy = _pair(rng, seed)
    data = one_op("SQUARED_DIFFERENCE", [(sa, dtype, None), (sb, dtype, None)],
                  [(sy, dtype, None)])
    big = [values(rng, sa, dtype), values(rng, sb, dtype)]          # int32 wraps as in C
    compare(data, [big, [values(rng, sa, dtype, -3000, 3000) if dtype == np.int32
                         else values(rng, sa, dtype), values(rng, sb, dtype, -3000, 3000)
                         if dtype == np.int32 else values(rng, sb, dtype)]])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("seed", range(4))
def test_squared_difference_quantized(dtype, seed):
    rng = np.random.default_rng(30 + seed)
    sa, sb, sy = _pair(rng, seed)
    qa, qb = random_quant(rng, dtype, 0.01, 0.1), random_quant(rng, dtype, 0.01, 0.1)
    qy = random_quant(rng, dtype, 0.05, 2.0) if dtype == np.int8 else \
        random_quant(rng, dtype, 2.0, 50.0)
    data = one_op("SQUARED_DIFFERENCE", [(sa, dtype, qa), (sb, dtype, qb)], [(sy, dtype, qy)])
    compare(data, [[values(rng, sa, dtype), values(rng, sb, dtype)] for _ in range(3)])


@pytest.mark.parametrize("seed", range(3))
def test_add_n_float(seed):
    rng = np.random.default_rng(40 + seed)
    shape = random_shape(rng)
    n = int(rng.integers(2, 6))
    data = one_op("ADD_N", [(shape, np.float32, None)] * n, [(shape, np.float32, None)])
    zeros = [np.full(shape, -0.0, np.float32)] * n      # TFLM sums from +0.0
    compare(data, [[values(rng, shape, np.float32) for _ in range(n)], zeros])


@pytest.mark.parametrize("seed", range(4))
def test_add_n_int8(seed):
    rng = np.random.default_rng(50 + seed)
    shape = random_shape(rng)
    n = int(rng.integers(2, 7))
    qin = random_quant(rng, np.int8, 0.01, 0.1)
    qout = random_quant(rng, np.int8, 0.02, 0.4)
    data = one_op("ADD_N", [(shape, np.int8, qin)] * n, [(shape, np.int8, qout)])
    compare(data, [[values(rng, shape, np.int8) for _ in range(n)] for _ in range(3)])


def test_add_n_int8_with_differing_input_scales_is_refused():
    data = one_op("ADD_N", [((3,), np.int8, {"scale": 0.1, "zero_point": 0}),
                            ((3,), np.int8, {"scale": 0.2, "zero_point": 0})],
                  [((3,), np.int8, {"scale": 0.1, "zero_point": 0})])
    both_fail(data, [np.ones(3, np.int8), np.ones(3, np.int8)])
