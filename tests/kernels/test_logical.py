"""LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT, SELECT_V2 and ZEROS_LIKE against tflite-micro, on
seeded random broadcast shapes."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, broadcast_partner, compare, one_op, random_quant,
                               random_shape, values)


@pytest.mark.parametrize("op", ["LOGICAL_AND", "LOGICAL_OR"])
@pytest.mark.parametrize("seed", range(3))
def test_logical_binary(op, seed):
    rng = np.random.default_rng(seed)
    sa = random_shape(rng, max_rank=5)
    sb = sa if seed == 0 else broadcast_partner(rng, sa)
    if seed == 2:
        sa, sb = sb, sa
    sy = np.broadcast_shapes(sa, sb)
    data = one_op(op, [(sa, np.bool_, None), (sb, np.bool_, None)], [(sy, np.bool_, None)])
    compare(data, [[values(rng, sa, np.bool_), values(rng, sb, np.bool_)] for _ in range(3)])


def test_logical_not():
    rng = np.random.default_rng(5)
    shape = random_shape(rng)
    data = one_op("LOGICAL_NOT", [(shape, np.bool_, None)], [(shape, np.bool_, None)])
    compare(data, [[values(rng, shape, np.bool_)] for _ in range(3)])


def _three_shapes(rng):
    out = random_shape(rng, max_rank=5)
    shapes = [broadcast_partner(rng, out) for _ in range(3)]
    shapes[int(rng.integers(3))] = out      # one of them spans the output
    return shapes, np.broadcast_shapes(*shapes)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int16])
@pytest.mark.parametrize("seed", range(4))
def test_select_v2(dtype, seed):
    rng = np.random.default_rng(seed)
    if seed == 0:
        s = random_shape(rng)
        (sc, sx, sy), out = (s, s, s), s
    else:
        (sc, sx, sy), out = _three_shapes(rng)
    q = random_quant(rng, dtype) if dtype != np.float32 else None
    data = one_op("SELECT_V2", [(sc, np.bool_, None), (sx, dtype, q), (sy, dtype, q)],
                  [(out, dtype, q)])
    compare(data, [[values(rng, sc, np.bool_), values(rng, sx, dtype), values(rng, sy, dtype)]
                   for _ in range(3)])


def test_select_v2_one_element_tensors_of_mixed_ranks():
    data = one_op("SELECT_V2", [((1, 1), np.bool_, None), ((), np.float32, None),
                                ((1,), np.float32, None)], [((1,), np.float32, None)])
    compare(data, [[np.array([[c]]), np.array(2.5, np.float32), np.array([-1.0], np.float32)]
                   for c in (True, False)])


@pytest.mark.parametrize("dtype", [np.int32, np.bool_])
def test_select_v2_types_tflite_micro_refuses(dtype):
    data = one_op("SELECT_V2", [((3,), np.bool_, None), ((3,), dtype, None),
                                ((3,), dtype, None)], [((3,), dtype, None)])
    both_fail(data, [np.ones(3, bool), np.ones(3, dtype), np.zeros(3, dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int32, np.int64])
def test_zeros_like(dtype):
    rng = np.random.default_rng(3)
    shape = random_shape(rng)
    data = one_op("ZEROS_LIKE", [(shape, dtype, None)], [(shape, dtype, None)])
    compare(data, [[values(rng, shape, dtype)]])


def test_zeros_like_int16_is_refused():
    data = one_op("ZEROS_LIKE", [((3,), np.int16, None)], [((3,), np.int16, None)])
    both_fail(data, [np.ones(3, np.int16)])
