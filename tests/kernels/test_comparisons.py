"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL against tflite-micro: every dtype
TFLM evaluates, seeded random broadcast shapes, int8 through TFLM's rescaling."""
import numpy as np
import pytest

from kernels.single_op import (both_fail, broadcast_partner, compare, one_op, random_quant,
                               random_shape, values)

OPS = ["EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"]


def _pair(rng, same_shape):
    shape = random_shape(rng, max_rank=5)
    other = shape if same_shape else broadcast_partner(rng, shape)
    if rng.random() < 0.5:
        shape, other = other, shape
    return shape, other, np.broadcast_shapes(shape, other)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.bool_])
def test_values(op, dtype):
    if dtype == np.bool_ and op not in ("EQUAL", "NOT_EQUAL"):
        pytest.skip("TFLM orders no bools")
    rng = np.random.default_rng(OPS.index(op))
    for same in (True, False):
        sa, sb, sy = _pair(rng, same)
        data = one_op(op, [(sa, dtype, None), (sb, dtype, None)], [(sy, np.bool_, None)])

        def small(shape):  # few distinct values, so that ties are common
            v = values(rng, shape, np.int8, -3, 3)
            return v.astype(bool) if dtype == np.bool_ else v.astype(dtype)
        batches = [[small(sa), small(sb)] for _ in range(2)]
        batches.append([values(rng, sa, dtype), values(rng, sb, dtype)])
        if dtype == np.float32:
            nan = np.full(sa, np.nan, np.float32)
            batches.append([nan, values(rng, sb, dtype)])
        compare(data, batches)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("seed", range(3))
def test_int8_rescaled(op, seed):
    rng = np.random.default_rng(100 + seed)
    sa, sb, sy = _pair(rng, seed == 0)
    qa = random_quant(rng, np.int8, 0.01, 0.2)
    # the second scale near the first, or a small multiple: equal real values are common
    qb = dict(qa) if seed == 1 else random_quant(rng, np.int8, 0.01, 0.2)
    if seed == 2:
        qb = {"scale": qa["scale"] * 2, "zero_point": int(rng.integers(-20, 20))}
    data = one_op(op, [(sa, np.int8, qa), (sb, np.int8, qb)], [(sy, np.bool_, None)])
    batches = [[values(rng, sa, np.int8), values(rng, sb, np.int8)] for _ in range(3)]
    compare(data, batches)


@pytest.mark.parametrize("op", OPS)
def test_int16_is_refused(op):
    """tflite-micro's GREATER takes int16 into its rescaling with parameters its prepare never
    set (the answer is all False), the others fail: tinyrt refuses all of them."""
    q = {"scale": 0.1, "zero_point": 0}
    data = one_op(op, [((4,), np.int16, q), ((4,), np.int16, q)], [((4,), np.bool_, None)])
    if op == "GREATER":
        import tinyrt
        with pytest.raises(tinyrt.OpError, match="int16"):
            tinyrt.Interpreter(model_content=data).allocate_tensors()
    else:
        both_fail(data, [np.ones(4, np.int16), np.zeros(4, np.int16)])


def test_bool_ordering_is_refused():
    data = one_op("LESS", [((3,), np.bool_, None), ((3,), np.bool_, None)],
                  [((3,), np.bool_, None)])
    both_fail(data, [np.ones(3, bool), np.zeros(3, bool)])
