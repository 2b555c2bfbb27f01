"""Differential tests: single-op (and small multi-op) models built with tinyrt.builder, run in
tinyrt and tflite-micro on seeded random inputs. Integer outputs must be identical; float
outputs too, except where noted with the reason."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import float_bits_equal
from oracle import random_inputs, run_both, tflm
from tinyrt.builder import ModelBuilder

RNG_SEED = 7


def check(data, n=6, atol=0.0, ulps=0):
    tflm()
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    rng = np.random.default_rng(RNG_SEED)
    batches = [random_inputs(it.get_input_details(), rng) for _ in range(n)]
    for ours, theirs in run_both(data, batches, tinyrt_interp=it):
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape
            if atol:
                np.testing.assert_allclose(a, b, rtol=0, atol=atol)
            elif a.dtype.kind == "f":
                float_bits_equal(a, b, ulps)        # bit for bit (signed zeros, NaN) or ulps
            else:
                np.testing.assert_array_equal(a, b)


def q(scale, zp):
    return {"scale": scale, "zero_point": zp}


def unary(op, shape, dtype, qin=None, qout=None, **options):
    b = ModelBuilder()
    x = b.add_input("x", shape, dtype, **(qin or {}))
    y = b.add_tensor("y", shape, dtype, **(qout or {}))
    b.add_operator(op, [x], [y], **options)
    b.mark_output(y)
    return b.build()


def binary(op, sa, sb, sy, dtype, qa=None, qb=None, qy=None, **options):
    b = ModelBuilder()
    x = b.add_input("a", sa, dtype, **(qa or {}))
    z = b.add_input("b", sb, dtype, **(qb or {}))
    y = b.add_tensor("y", sy, dtype, **(qy or {}))
    b.add_operator(op, [x, z], [y], **options)
    b.mark_output(y)
    return b.build()


# -- elementwise -------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU6"])
def test_binary_int8_broadcast(op, act):
    check(binary(op, (2, 1, 5, 3), (1, 4, 1, 3), (2, 4, 5, 3), np.int8, q(0.05, 3), q(0.08, -7),
                 q(0.1, 2), fused_activation_function=act))


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
def test_binary_int16(op):
    check(binary(op, (3, 7), (3, 7), (3, 7), np.int16, q(0.002, 0), q(0.003, 0), q(0.004, 0)))


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "DIV"])
def test_binary_float(op):
    check(binary(op, (4, 1, 6), (1, 5, 6), (4, 5, 6), np.float32))


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"])
def test_binary_int32(op):
    check(binary(op, (4, 6), (1, 6), (4, 6), np.int32))


@pytest.mark.parametrize("op,dtype", [("RELU", np.int8), ("RELU6", np.int8),
                                      ("RELU", np.float32), ("RELU6", np.float32),
                                      ("LEAKY_RELU", np.int8), ("LEAKY_RELU", np.float32)])
def test_relus(op, dtype):
    kw = {"alpha": 0.2} if op == "LEAKY_RELU" else {}
    qin = q(0.05, 2) if dtype != np.float32 else None
    # quantized RELU6 keeps the input's quantization (6.0 must be representable)
    qout = qin if op == "RELU6" or qin is None else q(0.03, -4)
    check(unary(op, (2, 9, 5), dtype, qin, qout, **kw))


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_sigmoidal_int8(op):
    out = q(1 / 256, -128) if op == "LOGISTIC" else q(1 / 128, 0)
    check(unary(op, (4, 64), np.int8, q(0.07, -9), out))


def test_logistic_float():
    check(unary("LOGISTIC", (4, 64), np.float32))


def test_tanh_float():
    check(unary("TANH", (4, 64), np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_softmax(dtype):
    quantized = dtype == np.int8
    check(unary("SOFTMAX", (3, 10), dtype, q(0.1, 4) if quantized else None,
                q(1 / 256, -128) if quantized else None, beta=1.0))


def test_quantize_dequantize():
    b = ModelBuilder()
    x = b.add_input("x", (5, 7), np.float32)
    y = b.add_tensor("y", (5, 7), np.int8, **q(0.02, -3))
    z = b.add_tensor("z", (5, 7), np.int16, **q(0.001, 0))
    w = b.add_tensor("w", (5, 7), np.float32)
    b.add_operator("QUANTIZE", [x], [y])
    b.add_operator("QUANTIZE", [y], [z])
    b.add_operator("DEQUANTIZE", [z], [w])
    b.mark_output(y)
    b.mark_output(w)
    check(b.build())


# -- convolutions, pooling, fully connected ------------------------------------------------------
def conv_model(op, dtype, x_shape, w_shape, out_shape, rng, bias_dtype=np.int32, **options):
    b = ModelBuilder()
    quantized = dtype != np.float32
    out_c = w_shape[0] if op != "DEPTHWISE_CONV_2D" else w_shape[3]
    sx, sy = 0.05, 0.2
    ws = rng.uniform(0.005, 0.02, out_c)
    x = b.add_input("x", x_shape, dtype, **(q(sx, 0 if dtype == np.int16 else -5) if quantized else {}))
    if quantized:
        w = b.add_constant("w", rng.integers(-127, 128, w_shape).astype(np.int8), scale=ws,
                           zero_point=[0] * out_c,
                           quantized_dimension=3 if op == "DEPTHWISE_CONV_2D" else 0)
        bias = b.add_constant("b", rng.integers(-2000, 2000, out_c).astype(bias_dtype),
                              scale=ws * sx, zero_point=[0] * out_c)
        y = b.add_tensor("y", out_shape, dtype, **q(sy, 0 if dtype == np.int16 else 3))
    else:
        w = b.add_constant("w", rng.standard_normal(w_shape).astype(np.float32))
        bias = b.add_constant("b", rng.standard_normal(out_c).astype(np.float32))
        y = b.add_tensor("y", out_shape, np.float32)
    b.add_operator(op, [x, w, bias], [y], **options)
    b.mark_output(y)
    return b.build()


CONV_CASES = [  # x shape, w shape, out shape, options
    ((1, 9, 9, 3), (4, 3, 3, 3), (1, 9, 9, 4), dict(padding="SAME", stride_w=1, stride_h=1)),
    ((2, 10, 7, 2), (5, 3, 2, 2), (2, 5, 4, 5), dict(padding="SAME", stride_w=2, stride_h=2)),
    ((1, 8, 8, 4), (3, 3, 3, 4), (1, 6, 6, 3), dict(padding="VALID", stride_w=1, stride_h=1,
                                                   fused_activation_function="RELU6")),
    ((1, 9, 9, 2), (2, 3, 3, 2), (1, 5, 5, 2), dict(padding="VALID", stride_w=1, stride_h=1,
                                                   dilation_w_factor=2, dilation_h_factor=2)),
]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32])
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv2d(dtype, case):
    xs, ws, ys, opts = CONV_CASES[case]
    # schema.fbs spells the dilation options dilation_w_factor as dilation_wfactor here
    opts = {k.replace("_factor", "factor"): v for k, v in opts.items()}
    check(conv_model("CONV_2D", dtype, xs, ws, ys, np.random.default_rng(case),
                     bias_dtype=np.int64 if dtype == np.int16 else np.int32, **opts))


DW_CASES = [
    ((1, 9, 9, 3), (1, 3, 3, 6), (1, 9, 9, 6), dict(padding="SAME", stride_w=1, stride_h=1,
                                                   depth_multiplier=2)),
    ((1, 10, 8, 4), (1, 3, 3, 4), (1, 5, 4, 4), dict(padding="SAME", stride_w=2, stride_h=2,
                                                    depth_multiplier=1,
                                                    fused_activation_function="RELU")),
    ((2, 7, 7, 2), (1, 2, 3, 2), (2, 6, 5, 2), dict(padding="VALID", stride_w=1, stride_h=1,
                                                   depth_multiplier=1)),
    # many channels, a channel multiplier with a stride, a 5x5 filter
    ((1, 6, 5, 20), (1, 3, 3, 40), (1, 6, 5, 40), dict(padding="SAME", stride_w=1, stride_h=1,
                                                      depth_multiplier=2)),
    ((1, 9, 8, 18), (1, 5, 5, 36), (1, 5, 4, 36), dict(padding="SAME", stride_w=2, stride_h=2,
                                                      depth_multiplier=2)),
    ((2, 11, 12, 5), (1, 3, 3, 5), (2, 4, 3, 5), dict(padding="VALID", stride_w=3, stride_h=2,
                                                     depth_multiplier=1, dilation_wfactor=2,
                                                     dilation_hfactor=2)),
    ((1, 10, 9, 4), (1, 3, 2, 4), (1, 6, 7, 4), dict(padding="VALID", stride_w=1, stride_h=1,
                                                    depth_multiplier=1, dilation_wfactor=2,
                                                    dilation_hfactor=2)),
]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32])
@pytest.mark.parametrize("case", range(len(DW_CASES)))
def test_depthwise_conv2d(dtype, case):
    xs, ws, ys, opts = DW_CASES[case]
    check(conv_model("DEPTHWISE_CONV_2D", dtype, xs, ws, ys, np.random.default_rng(10 + case),
                     bias_dtype=np.int64 if dtype == np.int16 else np.int32, **opts))


def conv_model_wide(op, dtype, x_shape, w_shape, out_shape, rng, act, out_zp, weights=None,
                    **options):
    """Like conv_model, with the output zero point and activation of real int8 models (zero
    point -128 with RELU/RELU6: the clamp at the zero point), weights spanning [-128, 127]
    and biases large enough to move outputs across the clamp."""
    b = ModelBuilder()
    out_c = w_shape[0] if op != "DEPTHWISE_CONV_2D" else w_shape[3]
    sx, sy = 0.05, 0.1
    ws = rng.uniform(0.002, 0.02, out_c)
    zx = 0 if dtype == np.int16 else 7
    x = b.add_input("x", x_shape, dtype, **q(sx, zx))
    if weights is None:
        weights = rng.integers(-128, 128, w_shape)
    w = b.add_constant("w", np.asarray(weights).astype(np.int8), scale=ws,
                       zero_point=[0] * out_c,
                       quantized_dimension=3 if op == "DEPTHWISE_CONV_2D" else 0)
    bias = b.add_constant("b", rng.integers(-30000, 30000, out_c).astype(
        np.int64 if dtype == np.int16 and op == "DEPTHWISE_CONV_2D" else np.int32),
        scale=ws * sx, zero_point=[0] * out_c)
    y = b.add_tensor("y", out_shape, dtype, **q(sy, 0 if dtype == np.int16 else out_zp))
    b.add_operator(op, [x, w, bias], [y], fused_activation_function=act, **options)
    b.mark_output(y)
    return b.build()


def check_with_extremes(data, n=4):
    """``check`` plus inputs at the type's minimum and maximum everywhere."""
    check(data, n=n)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    info = np.iinfo(d["dtype"])
    batches = [[np.full(tuple(d["shape"]), v, d["dtype"])] for v in (info.min, info.max)]
    for ours, theirs in run_both(data, batches, tinyrt_interp=it):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)


# quantized CONV_2D layers of shallow and deep windows (taps x channels), pointwise or not,
# with the clamps and zero points of real models
GEMM_CASES = [  # x shape, w shape (OHWI), out shape, options
    ((1, 6, 7, 20), (9, 1, 1, 20), (1, 6, 7, 9), dict(padding="VALID")),        # rows, 1x1
    ((2, 5, 5, 70), (12, 1, 1, 70), (2, 5, 5, 12), dict(padding="VALID")),
    ((1, 9, 8, 6), (5, 3, 3, 6), (1, 5, 4, 5), dict(padding="SAME", stride_w=2, stride_h=2)),
    ((1, 7, 7, 8), (4, 3, 3, 8), (1, 7, 7, 4), dict(padding="SAME")),
    ((1, 12, 10, 3), (8, 3, 3, 3), (1, 6, 5, 8), dict(padding="SAME", stride_w=2,
                                                     stride_h=2)),
    ((1, 5, 6, 4), (3, 1, 1, 4), (1, 5, 6, 3), dict(padding="VALID")),
]


@pytest.mark.parametrize("act,out_zp", [("NONE", 3), ("RELU", -128), ("RELU6", -128),
                                        ("RELU_N1_TO_1", -10)])
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("case", range(len(GEMM_CASES)))
def test_conv2d_model_like(case, dtype, act, out_zp):
    xs, ws, ys, opts = GEMM_CASES[case]
    opts = dict({"stride_w": 1, "stride_h": 1}, **opts)
    check_with_extremes(conv_model_wide("CONV_2D", dtype, xs, ws, ys,
                                        np.random.default_rng(40 + case), act, out_zp, **opts))


# DEPTHWISE_CONV_2D with the clamps and zero points of real models, strided channel
# multipliers, and weights of -128 next to 127 (the largest partial sums)
DW_WIDE_CASES = [  # x shape, w shape, out shape, options
    ((1, 10, 9, 8), (1, 3, 3, 8), (1, 10, 9, 8), dict(padding="SAME", depth_multiplier=1)),
    ((1, 11, 12, 6), (1, 3, 3, 6), (1, 6, 6, 6), dict(padding="SAME", stride_w=2, stride_h=2,
                                                      depth_multiplier=1)),
    ((1, 12, 12, 1), (1, 3, 3, 8), (1, 6, 6, 8), dict(padding="SAME", stride_w=2, stride_h=2,
                                                      depth_multiplier=8)),
    ((2, 9, 7, 3), (1, 3, 3, 6), (2, 4, 3, 6), dict(padding="VALID", stride_w=2, stride_h=2,
                                                    depth_multiplier=2)),
    ((1, 4, 4, 16), (1, 3, 3, 16), (1, 2, 2, 16), dict(padding="SAME", stride_w=2,
                                                       stride_h=2, depth_multiplier=1)),
]


@pytest.mark.parametrize("weights", ["random", "edge"])
@pytest.mark.parametrize("act,out_zp", [("NONE", 3), ("RELU6", -128)])
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("case", range(len(DW_WIDE_CASES)))
def test_depthwise_conv2d_wide(case, dtype, act, out_zp, weights):
    xs, ws, ys, opts = DW_WIDE_CASES[case]
    opts = dict({"stride_w": 1, "stride_h": 1}, **opts)
    rng = np.random.default_rng(60 + case)
    w = None
    if weights == "edge":          # weights at int8's ends, side by side
        w = rng.choice(np.array([-128, 127, -127, 126]), ws)
    check_with_extremes(conv_model_wide("DEPTHWISE_CONV_2D", dtype, xs, ws, ys, rng, act,
                                        out_zp, weights=w, **opts))


@pytest.mark.parametrize("act", ["NONE", "RELU6"])
@pytest.mark.parametrize("shape,filt", [((1, 3, 3, 40), 3), ((2, 25, 5, 4), 5),
                                        ((1, 17, 17, 2), 17)])
def test_average_pool_int8_table(shape, filt, act):
    """The int8 lookup over window sums (whole windows), at the input's extremes too; 17x17
    windows are past the table's size and take the general path."""
    n, h, w, c = shape
    fh = min(filt, h)
    b = ModelBuilder()
    x = b.add_input("x", shape, np.int8, **q(0.05, -128))
    out = (n, (h - fh) // fh + 1, (w - filt) // filt + 1, c)
    y = b.add_tensor("y", out, np.int8, **q(0.05, -128))
    b.add_operator("AVERAGE_POOL_2D", [x], [y], padding="VALID", stride_w=filt, stride_h=fh,
                   filter_width=filt, filter_height=fh, fused_activation_function=act)
    b.mark_output(y)
    check_with_extremes(b.build())


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32])
def test_fully_connected(dtype):
    rng = np.random.default_rng(3)
    b = ModelBuilder()
    quantized = dtype != np.float32
    x = b.add_input("x", (3, 20), dtype, **(q(0.05, 0 if dtype == np.int16 else 4) if quantized else {}))
    if quantized:
        ws = rng.uniform(0.005, 0.02, 6)
        w = b.add_constant("w", rng.integers(-127, 128, (6, 20)).astype(np.int8), scale=ws,
                           zero_point=[0] * 6)
        bias = b.add_constant("b", rng.integers(-900, 900, 6).astype(
            np.int64 if dtype == np.int16 else np.int32), scale=ws * 0.05, zero_point=[0] * 6)
        y = b.add_tensor("y", (3, 6), dtype, **q(0.1, 0 if dtype == np.int16 else -2))
    else:
        w = b.add_constant("w", rng.standard_normal((6, 20)).astype(np.float32))
        bias = b.add_constant("b", rng.standard_normal(6).astype(np.float32))
        y = b.add_tensor("y", (3, 6), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y], fused_activation_function="RELU")
    b.mark_output(y)
    check(b.build())


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pooling(op, dtype, padding):
    out = (2, 4, 3, 3) if padding == "SAME" else (2, 3, 2, 3)
    qq = q(0.05, 0 if dtype == np.int16 else -3) if dtype != np.float32 else None
    check(unary_pool(op, (2, 8, 6, 3), out, dtype, qq, padding))


def unary_pool(op, xs, ys, dtype, qq, padding):
    b = ModelBuilder()
    x = b.add_input("x", xs, dtype, **(qq or {}))
    y = b.add_tensor("y", ys, dtype, **(qq or {}))
    b.add_operator(op, [x], [y], padding=padding, stride_w=2, stride_h=2, filter_width=3,
                   filter_height=3)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_transpose_conv(dtype):
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    shape = b.add_constant("shape", np.array([1, 8, 8, 3], np.int32))
    ws = rng.uniform(0.005, 0.02, 3)
    w = b.add_constant("w", rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8), scale=ws,
                       zero_point=[0] * 3)
    x = b.add_input("x", (1, 4, 4, 2), dtype, **q(0.05, 0 if dtype == np.int16 else 1))
    bias = b.add_constant("b", rng.integers(-500, 500, 3).astype(
        np.int64 if dtype == np.int16 else np.int32), scale=ws * 0.05, zero_point=[0] * 3)
    y = b.add_tensor("y", (1, 8, 8, 3), dtype, **q(0.1, 0 if dtype == np.int16 else -1))
    b.add_operator("TRANSPOSE_CONV", [shape, w, x, bias], [y], padding="SAME", stride_w=2,
                   stride_h=2)
    b.mark_output(y)
    check(b.build())


def test_svdf_float():
    rng = np.random.default_rng(9)
    b = ModelBuilder()
    x = b.add_input("x", (2, 5), np.float32)
    wf = b.add_constant("wf", rng.standard_normal((6, 5)).astype(np.float32))
    wt = b.add_constant("wt", rng.standard_normal((6, 4)).astype(np.float32))
    bias = b.add_constant("b", rng.standard_normal(3).astype(np.float32))
    st = b.add_variable("state", (2, 24), np.float32)
    y = b.add_tensor("y", (2, 3), np.float32)
    b.add_operator("SVDF", [x, wf, wt, bias, st], [y], rank=2, fused_activation_function="RELU")
    b.mark_output(y)
    check(b.build(), n=8)


# -- data movement ---------------------------------------------------------------------------
def test_shape_ops_int8():
    b = ModelBuilder()
    qq = q(0.1, 3)
    x = b.add_input("x", (2, 3, 4), np.int8, **qq)
    z = b.add_input("z", (2, 3, 2), np.int8, **qq)
    c = b.add_tensor("c", (2, 3, 6), np.int8, **qq)
    b.add_operator("CONCATENATION", [x, z], [c], axis=-1)
    t = b.add_tensor("t", (6, 2, 3), np.int8, **qq)
    b.add_operator("TRANSPOSE", [c, b.add_constant("perm", np.array([2, 0, 1], np.int32))], [t])
    p = b.add_tensor("p", (8, 3, 3), np.int8, **qq)
    b.add_operator("PAD", [t, b.add_constant("pads", np.array([[1, 1], [0, 1], [0, 0]],
                                                               np.int32))], [p])
    s = b.add_tensor("s", (4, 3), np.int8, **qq)
    b.add_operator("STRIDED_SLICE", [p, b.add_constant("begin", np.array([7, 0, 1], np.int32)),
                                     b.add_constant("end", np.array([0, 3, 2], np.int32)),
                                     b.add_constant("strides", np.array([-2, 1, 1], np.int32))],
                   [s], shrink_axis_mask=4, end_mask=1)
    r = b.add_tensor("r", (12,), np.int8, **qq)
    b.add_operator("RESHAPE", [s, b.add_constant("shape", np.array([12], np.int32))], [r],
                   new_shape=[12])
    f = b.add_tensor("f", (12,), np.float32)
    b.add_operator("CAST", [r], [f])
    b.mark_output(r)
    b.mark_output(f)
    check(b.build())


# -- control flow and state ------------------------------------------------------------------
def _counter_model():
    """WHILE (i < 10) { i += 1; acc += x } with an IF choosing acc*2 or acc-1 after."""
    b = ModelBuilder()
    cond = b.add_subgraph("cond")
    body = b.add_subgraph("body")
    then_g = b.add_subgraph("then")
    else_g = b.add_subgraph("else")
    # cond: (i, acc) -> i < 10
    ci = cond.add_input("i", (1,), np.int32)
    cond.add_input("acc", (3,), np.float32)
    lim = cond.add_constant("ten", np.array([10], np.int32))
    cl = cond.add_tensor("less", (1,), np.bool_)
    cond.add_operator("LESS", [ci, lim], [cl])
    cond.mark_output(cl)
    # body: (i, acc) -> (i + 1, acc + 0.5)
    bi = body.add_input("i", (1,), np.int32)
    ba = body.add_input("acc", (3,), np.float32)
    one = body.add_constant("one", np.array([1], np.int32))
    half = body.add_constant("half", np.full(3, 0.5, np.float32))
    bo = body.add_tensor("i1", (1,), np.int32)
    bs = body.add_tensor("acc1", (3,), np.float32)
    body.add_operator("ADD", [bi, one], [bo])
    body.add_operator("ADD", [ba, half], [bs])
    body.mark_output(bo)
    body.mark_output(bs)
    for g, op in ((then_g, "MUL"), (else_g, "SUB")):
        gi = g.add_input("v", (3,), np.float32)
        k = g.add_constant("k", np.full(3, 2.0, np.float32))
        go = g.add_tensor("o", (3,), np.float32)
        g.add_operator(op, [gi, k], [go])
        g.mark_output(go)
    x = b.add_input("x", (3,), np.float32)
    flag = b.add_input("flag", (1,), np.bool_)
    i0 = b.add_constant("zero", np.array([0], np.int32))
    wi = b.add_tensor("wi", (1,), np.int32)
    wa = b.add_tensor("wa", (3,), np.float32)
    b.add_operator("WHILE", [i0, x], [wi, wa], cond_subgraph_index=1, body_subgraph_index=2)
    out = b.add_tensor("out", (3,), np.float32)
    b.add_operator("IF", [flag, wa], [out], then_subgraph_index=3, else_subgraph_index=4)
    b.mark_output(out)
    return b.build()


def test_while_and_if():
    tflm()
    from oracle import run_both
    data = _counter_model()
    rng = np.random.default_rng(1)
    batches = [[rng.standard_normal(3).astype(np.float32), np.array([bool(k % 2)])]
               for k in range(4)]
    for ours, theirs in run_both(data, batches):
        np.testing.assert_array_equal(ours[0], theirs[0])


def resource_variable_model(initial=1.5):
    """CALL_ONCE initialises a resource variable to ``initial``; every invoke adds the input x
    to it and returns it."""
    b = ModelBuilder()
    init = b.add_subgraph("init")
    h = init.add_tensor("h", (), np.int32, type_name="RESOURCE")
    init.add_operator("VAR_HANDLE", [], [h], shared_name="acc")
    v0 = init.add_constant("v0", np.full((1, 4), initial, np.float32))
    init.add_operator("ASSIGN_VARIABLE", [h, v0], [])
    x = b.add_input("x", (1, 4), np.float32)
    b.add_operator("CALL_ONCE", [], [], init_subgraph_index=1)
    hm = b.add_tensor("hm", (), np.int32, type_name="RESOURCE")
    b.add_operator("VAR_HANDLE", [], [hm], shared_name="acc")
    cur = b.add_tensor("cur", (1, 4), np.float32)
    b.add_operator("READ_VARIABLE", [hm], [cur])
    nxt = b.add_tensor("next", (1, 4), np.float32)
    b.add_operator("ADD", [cur, x], [nxt])
    b.add_operator("ASSIGN_VARIABLE", [hm, nxt], [])
    b.mark_output(nxt)
    return b.build()


def test_call_once_and_resource_variables():
    """CALL_ONCE initialises a variable to 1.5; every invoke adds x to it and returns it."""
    tflm()
    from oracle import run_both
    data = resource_variable_model(1.5)
    rng = np.random.default_rng(2)
    batches = [[rng.standard_normal((1, 4)).astype(np.float32)] for _ in range(4)]
    results = run_both(data, batches)
    for ours, theirs in results:
        np.testing.assert_array_equal(ours[0], theirs[0])
    assert not np.allclose(results[0][0][0], results[-1][0][0])  # state carried over


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int16])
@pytest.mark.parametrize("axes,keep", [([1, 2], True), ([-1], False), ([0, 2], False)])
def test_mean(dtype, axes, keep):
    xs = (2, 5, 4, 3)
    shape = [d for i, d in enumerate(xs) if i not in [a % 4 for a in axes]]
    ys = tuple(1 if i in [a % 4 for a in axes] else d for i, d in enumerate(xs)) if keep \
        else tuple(shape)
    b = ModelBuilder()
    qin = q(0.05, 0 if dtype == np.int16 else 3) if dtype != np.float32 else {}
    qout = q(0.03, 0 if dtype == np.int16 else -2) if dtype != np.float32 else {}
    x = b.add_input("x", xs, dtype, **qin)
    y = b.add_tensor("y", ys, dtype, **qout)
    b.add_operator("MEAN", [x, b.add_constant("axis", np.array(axes, np.int32))], [y],
                   keep_dims=keep)
    b.mark_output(y)
    check(b.build())


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_leaky_relu_rescale_rounds_like_tflite_micro(dtype):
    """Random scales and alphas: about 1 case in 60 tells a float32 from a double computation
    of the two rescale factors (tflite-micro's build rounds as double)."""
    rng = np.random.default_rng(1 if dtype == np.int8 else 2)
    for _ in range(120):
        sx, sy, alpha = (float(np.float32(v)) for v in
                         (rng.uniform(0.001, 0.3), rng.uniform(0.001, 0.3), rng.uniform(0.01, 0.9)))
        zp = int(rng.integers(-10, 10)) if dtype == np.int8 else 0
        check(unary("LEAKY_RELU", (256,), dtype, q(sx, zp), q(sy, zp), alpha=alpha), n=1)
