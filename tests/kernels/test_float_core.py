"""The compiled core's float32 kernels (FULLY_CONNECTED, BATCH_MATMUL, CONV_2D,
DEPTHWISE_CONV_2D) and its int8 BATCH_MATMUL against tflite-micro on random layers, at every
SIMD level this machine runs: each layer must run in C, give tflite-micro's bits (and the numpy
kernels', see run_both), and the same bytes at every level. Float inputs include edge values
(+-0, +-inf, subnormals, huge values), where the summation order and the start of each sum at
+0.0 show."""
import numpy as np
import pytest

import tinyrt
from kernels.core_check import check_levels
from kernels.single_op import SPECIAL_FLOATS, one_op
from oracle import run_both, tflm
from tinyrt import native
from tinyrt.kernels.common import output_size

LEVELS = native.available()
if not LEVELS:
    pytest.skip(f"compiled core unavailable: {native.info()}", allow_module_level=True)

F32 = np.float32
ACTS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
# finite edge values and infinities (NaN inputs are left out: which NaN's payload a sum of two
# NaNs keeps is up to the compiler's operand order, on both sides)
SPECIALS = SPECIAL_FLOATS[~np.isnan(SPECIAL_FLOATS)]


def draw(rng, shape, special_rate=0.0, finite=False):
    x = (rng.standard_normal(shape) * 3).astype(F32)
    if special_rate:
        mask = rng.random(shape) < special_rate
        x[mask] = rng.choice(SPECIALS[np.isfinite(SPECIALS)] if finite else SPECIALS,
                             int(mask.sum()))
    return x


def check(data, input_shapes, rng, expect_native=True, dtype=F32):
    """tinyrt at every level against tflite-micro on three input sets (float: plain, edge
    values, signed zeros; int8: full range); returns the outputs, which are the same bytes at
    every level."""
    if dtype == np.int8:
        batches = [[rng.integers(-128, 128, s).astype(np.int8) for s in input_shapes]
                   for _ in range(3)]
    else:
        batches = [[draw(rng, s) for s in input_shapes],
                   [draw(rng, s, 0.05) for s in input_shapes],
                   [np.where(rng.random(s) < 0.5, F32(-0.0), draw(rng, s)).astype(F32)
                    for s in input_shapes]]
    outs = check_levels(data, batches, native_nodes=[0] if expect_native else [],
                        numpy_nodes=[] if expect_native else [0], exact_nan=True)
    return [o[0].tobytes() for o in outs]


def weights(rng, shape, special_rate=0.0, finite=False):
    return draw(rng, shape, special_rate, finite)


def random_fc(rng):
    rows = int(rng.choice([1, 2, 3, 5, 8, 9, 13, 17]))
    depth = int(rng.choice([1, 2, 3, 7, 16, 17, 64, 99]))
    units = int(rng.choice([1, 3, 8, 15, 16, 17, 31, 33, 48, 100]))
    keep = rng.random() < 0.5
    x_shape = (1, rows, depth) if keep else (rows, depth)
    inputs = [(x_shape, F32, None), (weights(rng, (units, depth), 0.02), None)]
    if rng.random() < 0.7:
        inputs.append((weights(rng, (units,), 0.05), None))
    y_shape = (1, rows, units) if keep else (rows, units)
    data = one_op("FULLY_CONNECTED", inputs, [(y_shape, F32, None)], keep_num_dims=keep,
                  fused_activation_function=ACTS[int(rng.integers(0, 4))])
    return data, [x_shape]


def random_batch_matmul(rng, dtype=F32):
    m, k, n = (int(rng.choice([1, 2, 5, 8, 9, 17])), int(rng.choice([1, 3, 8, 16, 33])),
               int(rng.choice([1, 4, 15, 16, 17, 40])))
    adj_x, adj_y = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
    batch = tuple(int(d) for d in rng.integers(1, 4, int(rng.integers(0, 4))))
    # each operand keeps some trailing batch dimensions, some set to 1 (broadcast)
    a_batch = tuple(1 if rng.random() < 0.3 else d for d in batch[int(rng.integers(0,
                                                                  len(batch) + 1)):])
    b_batch = tuple(1 if rng.random() < 0.3 else d for d in batch[int(rng.integers(0,
                                                                  len(batch) + 1)):])
    a_shape = a_batch + ((k, m) if adj_x else (m, k))
    b_shape = b_batch + ((n, k) if adj_y else (k, n))
    out = tuple(np.broadcast_shapes(a_batch, b_batch)) + (m, n)
    constant = rng.random() < 0.3
    if dtype == np.int8:
        qa, qb, qy = (dict(scale=float(rng.uniform(lo, hi)), zero_point=int(rng.integers(-128,
                      128))) for lo, hi in ((0.01, 0.1), (0.01, 0.1), (0.02, 2.0)))
        b_const = rng.integers(-128, 128, b_shape).astype(np.int8)
    else:
        qa = qb = qy = None
        b_const = weights(rng, b_shape, 0.02)
    inputs = [(a_shape, dtype, qa), (b_const, qb) if constant else (b_shape, dtype, qb)]
    data = one_op("BATCH_MATMUL", inputs, [(out, dtype, qy)], adj_x=adj_x, adj_y=adj_y)
    return data, [a_shape] if constant else [a_shape, b_shape]


def window(rng, max_hw, depthwise):
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dil = (1, 1) if rng.random() < 0.6 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    h = int(rng.integers((kh - 1) * dil[0] + 1, max_hw))
    w = int(rng.integers((kw - 1) * dil[1] + 1, max_hw))
    padding = ["SAME", "VALID"][int(rng.integers(0, 2))]
    options = dict(padding=padding, stride_h=stride[0], stride_w=stride[1],
                   dilation_hfactor=dil[0], dilation_wfactor=dil[1],
                   fused_activation_function=ACTS[int(rng.integers(0, 4))])
    out_hw = (output_size(padding, h, kh, stride[0], dil[0]),
              output_size(padding, w, kw, stride[1], dil[1]))
    return (kh, kw), (h, w), out_hw, options


def random_conv(rng):
    (kh, kw), (h, w), (oh, ow), options = window(rng, 14, False)
    if rng.random() < 0.2:          # pointwise: the input is the GEMM's operand as it is
        kh = kw = 1
        options.update(stride_h=1, stride_w=1, padding="VALID")
        oh, ow = h, w
    n, c = int(rng.integers(1, 3)), int(rng.choice([1, 3, 4, 8, 13, 16, 27]))
    oc = int(rng.choice([1, 3, 8, 16, 17, 33, 40]))
    # finite weights: infinite ones with padding stay on numpy (see the last test)
    inputs = [((n, h, w, c), F32, None),
              (weights(rng, (oc, kh, kw, c), 0.02, finite=True), None)]
    if rng.random() < 0.7:
        inputs.append((weights(rng, (oc,), 0.05), None))
    data = one_op("CONV_2D", inputs, [((n, oh, ow, oc), F32, None)], **options)
    return data, [(n, h, w, c)]


def random_depthwise(rng):
    (kh, kw), (h, w), (oh, ow), options = window(rng, 22, True)
    n, c, dm = int(rng.integers(1, 3)), int(rng.choice([1, 3, 4, 8, 13, 16, 20, 35])), \
        int(rng.integers(1, 4))
    inputs = [((n, h, w, c), F32, None), (weights(rng, (1, kh, kw, c * dm), 0.02), None)]
    if rng.random() < 0.7:
        inputs.append((weights(rng, (c * dm,), 0.05), None))
    data = one_op("DEPTHWISE_CONV_2D", inputs, [((n, oh, ow, c * dm), F32, None)],
                  depth_multiplier=dm, **options)
    return data, [(n, h, w, c)]


# op -> (layer generator, first seed, seeds); 6 random layers per seed
RANDOM_LAYERS = {"fully_connected": (random_fc, 7100, 4),
                 "batch_matmul": (random_batch_matmul, 7200, 4),
                 "conv": (random_conv, 7300, 4), "depthwise": (random_depthwise, 7400, 4)}


@pytest.mark.parametrize("op,seed", [(op, s) for op, (_, _, n) in RANDOM_LAYERS.items()
                                     for s in range(n)])
def test_random_layers(op, seed):
    make, first, _ = RANDOM_LAYERS[op]
    rng = np.random.default_rng(first + seed)
    for _ in range(6):
        data, shapes = make(rng)
        check(data, shapes, rng)


@pytest.mark.parametrize("seed", range(3))
def test_random_int8_batch_matmul(seed):
    """int8 BATCH_MATMUL (zero points on both operands, broadcasting, adj_x / adj_y)."""
    rng = np.random.default_rng(7800 + seed)
    for _ in range(6):
        data, shapes = random_batch_matmul(rng, np.int8)
        check(data, shapes, rng, dtype=np.int8)


def test_model_sized_layers():
    """Shapes of the mobile models (full tiles of rows and blocks, many rows, a product of one
    row, wide depthwise rows)."""
    rng = np.random.default_rng(7500)
    w = weights(rng, (72, 1, 1, 24))
    check(one_op("CONV_2D", [((1, 28, 28, 24), F32, None), (w, None)],
                 [((1, 28, 28, 72), F32, None)], padding="SAME", stride_h=1, stride_w=1),
          [(1, 28, 28, 24)], rng)
    w = weights(rng, (16, 3, 3, 3))
    check(one_op("CONV_2D", [((1, 40, 40, 3), F32, None), (w, None), (weights(rng, (16,)), None)],
                 [((1, 20, 20, 16), F32, None)], padding="SAME", stride_h=2, stride_w=2),
          [(1, 40, 40, 3)], rng)
    check(one_op("FULLY_CONNECTED", [((1, 64, 256), F32, None),
                                     (weights(rng, (200, 256)), None)],
                 [((1, 64, 200), F32, None)], keep_num_dims=True), [(1, 64, 256)], rng)
    check(one_op("FULLY_CONNECTED", [((1, 300), F32, None), (weights(rng, (170, 300)), None),
                                     (weights(rng, (170,)), None)],
                 [((1, 170), F32, None)]), [(1, 300)], rng)
    check(one_op("BATCH_MATMUL", [((1, 3, 50, 64), F32, None), ((1, 3, 50, 64), F32, None)],
                 [((1, 3, 50, 50), F32, None)], adj_x=False, adj_y=True),
          [(1, 3, 50, 64), (1, 3, 50, 64)], rng)
    q = dict(scale=0.05, zero_point=3)
    check(one_op("BATCH_MATMUL", [((1, 3, 50, 64), np.int8, q), ((1, 3, 50, 64), np.int8, q)],
                 [((1, 3, 50, 50), np.int8, dict(scale=0.9, zero_point=-5))], adj_x=False,
                 adj_y=True), [(1, 3, 50, 64), (1, 3, 50, 64)], rng, dtype=np.int8)
    check(one_op("DEPTHWISE_CONV_2D", [((1, 30, 30, 72), F32, None),
                                       (weights(rng, (1, 5, 5, 72)), None)],
                 [((1, 15, 15, 72), F32, None)], padding="SAME", stride_h=2, stride_w=2,
                 depth_multiplier=1), [(1, 30, 30, 72)], rng)
    check(one_op("DEPTHWISE_CONV_2D", [((1, 9, 9, 200), F32, None),
                                       (weights(rng, (1, 3, 3, 200)), None),
                                       (weights(rng, (200,)), None)],
                 [((1, 9, 9, 200), F32, None)], padding="SAME", stride_h=1, stride_w=1,
                 depth_multiplier=1, fused_activation_function="RELU6"), [(1, 9, 9, 200)], rng)


def test_sums_start_at_positive_zero():
    """Products that are all -0.0 sum to +0.0 in TFLM (its sum starts at +0.0), with or
    without a bias of -0.0 after it."""
    rng = np.random.default_rng(7600)
    x = np.full((2, 5), -0.0, F32)
    for bias in (None, np.full(3, -0.0, F32)):
        inputs = [((2, 5), F32, None), (np.abs(weights(rng, (3, 5))), None)]
        if bias is not None:
            inputs.append((bias, None))
        data = one_op("FULLY_CONNECTED", inputs, [((2, 3), F32, None)])
        tflm()
        for level in LEVELS:
            it = tinyrt.Interpreter(model_content=data, native=level)
            it.allocate_tensors()
            assert it.kernels[0].native is not None
            (ours, theirs), = run_both(data, [[x]], tinyrt_interp=it)
            assert ours[0].tobytes() == theirs[0].tobytes() == np.zeros((2, 3), F32).tobytes()


def test_infinite_weights_with_padding():
    """TFLM skips taps outside the input, where the C kernel's zero columns would turn an
    infinite weight into NaN: such a padded layer keeps the numpy kernel (which skips those
    products too); unpadded, C. Both give TFLM's bits."""
    rng = np.random.default_rng(7700)
    w = weights(rng, (4, 3, 3, 2))
    w[1, 0, 0, 0] = np.inf
    w[2, 2, 1, 1] = -np.inf
    for padding, native_expected in (("SAME", False), ("VALID", True)):
        out = (2, 6, 6, 4) if padding == "SAME" else (2, 4, 4, 4)
        data = one_op("CONV_2D", [((2, 6, 6, 2), F32, None), (w, None)], [(out, F32, None)],
                      padding=padding, stride_h=1, stride_w=1)
        outs = check(data, [(2, 6, 6, 2)], rng, expect_native=native_expected)
        if padding == "SAME":       # some outputs only see an infinite weight from outside
            assert not np.isnan(np.frombuffer(outs[0], F32)).all()
