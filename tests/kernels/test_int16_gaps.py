"""int16 RELU and int16 BATCH_MATMUL against tflite-micro: seeded random shapes and scales,
int16 extremes, adj_x / adj_y, broadcast batch dimensions, constant operands, and the models
TFLM refuses (non-zero zero points)."""
import numpy as np
import pytest

from tinyrt import quant

from .single_op import both_fail, compare, one_op, values

I16 = np.int16
EXTREMES = np.array([-32768, 32767, -32767, 0, 1, -1, 16384, -16384], I16)


def with_extremes(x):
    flat = x.reshape(-1).copy()
    k = min(flat.size, EXTREMES.size)
    flat[:k] = EXTREMES[:k]
    return flat.reshape(x.shape)


def q(scale, zero_point=0):
    return {"scale": float(scale), "zero_point": int(zero_point)}


# -- RELU ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_relu_int16_random(seed):
    rng = np.random.default_rng(100 + seed)
    shape = tuple(int(d) for d in rng.integers(1, 7, int(rng.integers(1, 5))))
    sx = float(rng.uniform(1e-4, 0.2))
    # output scales around, above and below the input's: multipliers on both sides of 1
    sy = sx * float(np.exp(rng.uniform(-3, 3)))
    data = one_op("RELU", [(shape, I16, q(sx))], [(shape, I16, q(sy))])
    batches = [[with_extremes(values(rng, shape, I16))] for _ in range(3)]
    assert compare(data, batches) == 3 * int(np.prod(shape))


@pytest.mark.parametrize("ratio", [1.0, 0.5, 2.0, 1 / 3, 3.0, 1e-6, 1e6, 300.0])
def test_relu_int16_scale_ratios(ratio):
    """Equal scales copy the positive half; large ratios saturate (the int32 left shift of
    TFLM's requantization wraps for the largest, as it does in C); tiny ones round to 0."""
    rng = np.random.default_rng(7)
    sx = 0.01
    data = one_op("RELU", [((4, 64), I16, q(sx))], [((4, 64), I16, q(sx / ratio))])
    x = with_extremes(values(rng, (4, 64), I16))
    x[1] = np.arange(-32, 32)          # small values near zero
    compare(data, [[x]])


@pytest.mark.parametrize("zx,zy", [(1, 0), (0, -3), (5, 5)])
def test_relu_int16_nonzero_zero_point_refused(zx, zy):
    data = one_op("RELU", [((2, 3), I16, q(0.02, zx))], [((2, 3), I16, q(0.02, zy))])
    both_fail(data, [np.zeros((2, 3), I16)])


# -- BATCH_MATMUL -------------------------------------------------------------------------


def _matmul_shapes(rng, adj_x, adj_y):
    """Random lhs / rhs / output shapes of rank 2..5 with broadcast batch dimensions."""
    m, k, n = (int(d) for d in rng.integers(1, 9, 3))
    out_batch = tuple(int(d) for d in rng.integers(1, 4, int(rng.integers(0, 4))))

    def partner():
        dims = [1 if rng.random() < 0.4 else d for d in out_batch]
        drop = int(rng.integers(0, len(dims) + 1)) if rng.random() < 0.5 else 0
        return tuple(dims[drop:])

    ba, bb = partner(), partner()
    batch = tuple(np.broadcast_shapes(ba, bb))
    sa = ba + ((k, m) if adj_x else (m, k))
    sb = bb + ((n, k) if adj_y else (k, n))
    return sa, sb, batch + (m, n)


def _matmul_model(sa, sb, so, qa, qb, qo, adj_x, adj_y, const_a=None, const_b=None):
    ins = [(const_a, qa) if const_a is not None else (sa, I16, qa),
           (const_b, qb) if const_b is not None else (sb, I16, qb)]
    return one_op("BATCH_MATMUL", ins, [(so, I16, qo)], adj_x=adj_x, adj_y=adj_y)


@pytest.mark.parametrize("adj_x,adj_y", [(False, False), (True, False), (False, True),
                                         (True, True)])
@pytest.mark.parametrize("seed", range(6))
def test_batch_matmul_int16_random(adj_x, adj_y, seed):
    rng = np.random.default_rng(1000 * seed + 10 * adj_x + adj_y)
    sa, sb, so = _matmul_shapes(rng, adj_x, adj_y)
    sx, sw = float(rng.uniform(1e-4, 0.05)), float(rng.uniform(1e-4, 0.05))
    k = sa[-2] if adj_x else sa[-1]
    # output scales from well inside to far outside the product range: both clamps are hit
    so_scale = sx * sw * 32768 * np.sqrt(k) * float(np.exp(rng.uniform(-4, 2)))
    const_b = None
    if seed % 2:
        const_b = with_extremes(values(rng, sb, I16))
    data = _matmul_model(sa, sb, so, q(sx), q(sw), q(so_scale), adj_x, adj_y, const_b=const_b)
    batches = []
    for _ in range(2):
        batch = [with_extremes(values(rng, sa, I16))]
        if const_b is None:
            batch.append(with_extremes(values(rng, sb, I16)))
        batches.append(batch)
    assert compare(data, batches) == 2 * int(np.prod(so))


def test_batch_matmul_int16_extremes_saturate():
    """Every product at its largest magnitude: -32768 * -32768 summed over the depth, with
    scales that send the int64 sums far past the int16 range either way."""
    for out_scale, a_fill, b_fill in [(1e-3, -32768, -32768), (1e-3, -32768, 32767),
                                      (1e4, 32767, 32767), (2.0, -32768, 1)]:
        sa, sb, so = (2, 3, 40), (40, 5), (2, 3, 5)
        data = _matmul_model(sa, sb, so, q(0.01), q(0.02), q(out_scale), False, False)
        compare(data, [[np.full(sa, a_fill, I16), np.full(sb, b_fill, I16)]])


def test_batch_matmul_int16_deep_and_constant_lhs():
    """A long reduction (sums near 2^40) and a constant lhs with a variable rhs."""
    rng = np.random.default_rng(3)
    sa, sb, so = (1, 2, 1024), (3, 1024, 4), (3, 2, 4)
    data = _matmul_model(sa, sb, so, q(0.002), q(0.003), q(0.002 * 0.003 * 32768 * 40), False,
                         False)
    compare(data, [[values(rng, sa, I16), values(rng, sb, I16)]])
    a = values(rng, (4, 6), I16)
    data = _matmul_model((4, 6), (2, 5, 6), (2, 4, 5), q(0.01), q(0.01), q(0.5), False, True,
                         const_a=a)
    compare(data, [[values(rng, (2, 5, 6), I16)] for _ in range(2)])


def test_batch_matmul_int16_rank5_broadcast():
    rng = np.random.default_rng(11)
    for sa, sb, so in [((2, 1, 3, 4, 5), (1, 2, 1, 5, 3), (2, 2, 3, 4, 3)),
                       ((4, 5), (2, 1, 3, 5, 2), (2, 1, 3, 4, 2)),
                       ((3, 1, 2, 6), (4, 6, 2), (3, 4, 2, 2))]:
        data = _matmul_model(sa, sb, so, q(0.01), q(0.02), q(2.0), False, False)
        compare(data, [[values(rng, sa, I16), values(rng, sb, I16)]])


@pytest.mark.parametrize("za,zb,zo", [(1, 0, 0), (0, -2, 0), (0, 0, 3)])
def test_batch_matmul_int16_nonzero_zero_point_refused(za, zb, zo):
    data = _matmul_model((2, 3), (3, 4), (2, 4), q(0.01, za), q(0.01, zb), q(0.1, zo), False,
                         False)
    both_fail(data, [np.zeros((2, 3), I16), np.zeros((3, 4), I16)])


def test_batch_matmul_mixed_int16_int8_refused():
    data = one_op("BATCH_MATMUL", [((2, 3), I16, q(0.01)), ((3, 4), np.int8, q(0.01))],
                  [((2, 4), I16, q(0.1))], adj_x=False, adj_y=False)
    both_fail(data, [np.zeros((2, 3), I16), np.zeros((3, 4), np.int8)])


def test_batch_matmul_int16_negative_scale_product_refused():
    data = _matmul_model((2, 3), (3, 4), (2, 4), q(-0.01), q(0.02), q(0.1), False, False)
    both_fail(data, [np.ones((2, 3), I16), np.ones((3, 4), I16)])


def _requantized(dtype, acc, real, zero_point=0):
    """Reference requantization of exact sums: TFLM's int32 path for int8, int64 for int16."""
    m, s = quant.quantize_multiplier(real)
    if dtype == I16:
        r = quant.multiply_by_quantized_multiplier_int64(acc, m, s) + zero_point
    else:
        r = quant.Requantizer(m, s, zero_point)(acc)
    lo, hi = quant.dtype_range(dtype)
    return np.clip(r, lo, hi)


@pytest.mark.parametrize("dtype", [np.int8, I16])
def test_batch_matmul_scales_multiplied_in_double(dtype):
    """The output multiplier comes from the float32 scales multiplied in double: search
    seeded cases where a float32 product of the scales would change some outputs, and check
    them against tflite-micro."""
    rng = np.random.default_rng(31)
    lo, hi = quant.dtype_range(dtype)
    found = 0
    for _ in range(20000):
        a = rng.integers(lo, hi + 1, (32, 2)).astype(dtype)
        b = rng.integers(lo, hi + 1, (2, 32)).astype(dtype)
        za, zb, zo = (0, 0, 0) if dtype == I16 else (int(v) for v in rng.integers(-10, 10, 3))
        acc = (a.astype(np.int64) - za) @ (b.astype(np.int64) - zb)
        sx, sw = (float(np.float32(v)) for v in rng.uniform(0.001, 0.1, 2))
        so = float(np.float32(sx * sw * np.abs(acc).max() / hi * rng.uniform(0.5, 1)))
        wide = _requantized(dtype, acc, sx * sw / so, zo)
        narrow = _requantized(dtype, acc, float(np.float32(sx) * np.float32(sw)) / so, zo)
        if np.array_equal(wide, narrow):
            continue
        data = one_op("BATCH_MATMUL", [(a.shape, dtype, q(sx, za)), (b.shape, dtype, q(sw, zb))],
                      [((32, 32), dtype, q(so, zo))], adj_x=False, adj_y=False)
        compare(data, [[a, b]])
        found += 1
        if found == 2:
            break
    assert found == 2


def test_relu_int8_scales_divided_in_double():
    """Likewise RELU's multiplier: the float32 scales are divided in double. Output scales
    put some input on an exact rounding tie; the cases where a float32 quotient would round
    it the other way are checked against tflite-micro."""
    rng = np.random.default_rng(17)
    x = np.arange(-128, 128).astype(np.int8)
    found = 0
    for _ in range(2000):
        v, sx = int(rng.integers(100, 256)), float(np.float32(rng.uniform(0.001, 0.2)))
        sy = float(np.float32(sx * v / (int(rng.integers(1, v)) + 0.5)))
        zx, zy = -128, -100
        wide = _requantized(np.int8, x.astype(np.int64) - zx, sx / sy, zy)
        narrow = _requantized(np.int8, x.astype(np.int64) - zx,
                              float(np.float32(sx) / np.float32(sy)), zy)
        if np.array_equal(np.maximum(wide, zy), np.maximum(narrow, zy)):
            continue
        data = one_op("RELU", [(x.shape, np.int8, q(sx, zx))], [(x.shape, np.int8, q(sy, zy))])
        compare(data, [[x]])
        found += 1
        if found == 3:
            break
    assert found == 3


def test_batch_matmul_int8_int32_accumulator_wraps():
    """int8 sums live in an int32 that wraps past 2^31 in C (int16's int64 one does not)."""
    k = 40000
    data = one_op("BATCH_MATMUL", [((1, k), np.int8, q(0.01, 127)), ((k, 2), np.int8, q(0.01, 127))],
                  [((1, 2), np.int8, q(10.0))], adj_x=False, adj_y=False)
    a = np.full((1, k), -128, np.int8)
    b = np.full((k, 2), -128, np.int8)
    b[:, 1] = 100
    compare(data, [[a, b]])
