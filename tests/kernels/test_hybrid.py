"""Hybrid kernels (float activations, int8 weights) against LiteRT's reference kernels:
tflite-micro does not run hybrid models."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import assert_matches_litert
from oracle import litert_ref
from tinyrt.builder import ModelBuilder


@pytest.mark.parametrize("act", ["NONE", "RELU"])
@pytest.mark.parametrize("batch,depth,units", [(1, 7, 3), (3, 40, 9)])
def test_hybrid_fully_connected_matches_litert(act, batch, depth, units):
    rng = np.random.default_rng(depth)
    b = ModelBuilder()
    x = b.add_input("x", (batch, depth), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (units, depth)).astype(np.int8),
                       scale=0.013, zero_point=0)
    bias = b.add_constant("b", rng.standard_normal(units).astype(np.float32))
    y = b.add_tensor("y", (batch, units), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y], fused_activation_function=act)
    b.mark_output(y)
    data = b.build()
    ref = litert_ref(data)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    for k in range(5):
        xv = (rng.standard_normal((batch, depth)) * 3).astype(np.float32)
        if k == 0:
            xv[0] = 0          # an all-zero row
        it.set_input(xv, 0)
        it.invoke()
        ref.set_tensor(ref.get_input_details()[0]["index"], xv)
        ref.invoke()
        np.testing.assert_array_equal(it.get_output(0),
                                      ref.get_tensor(ref.get_output_details()[0]["index"]))


@pytest.mark.parametrize("padding,stride", [("SAME", 1), ("VALID", 2)])
def test_hybrid_conv2d_matches_litert(padding, stride):
    rng = np.random.default_rng(stride)
    b = ModelBuilder()
    x = b.add_input("x", (2, 7, 6, 3), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8),
                       scale=rng.uniform(0.005, 0.03, 4), zero_point=[0] * 4)
    bias = b.add_constant("b", rng.standard_normal(4).astype(np.float32))
    out = (2, 7, 6, 4) if padding == "SAME" else (2, 3, 2, 4)
    y = b.add_tensor("y", out, np.float32)
    b.add_operator("CONV_2D", [x, w, bias], [y], padding=padding, stride_w=stride,
                   stride_h=stride, fused_activation_function="RELU")
    b.mark_output(y)
    assert_matches_litert(b.build(), [rng.standard_normal((2, 7, 6, 3)).astype(np.float32) for _ in range(4)])


@pytest.mark.parametrize("padding,stride,dm", [("SAME", 1, 1), ("VALID", 2, 2)])
def test_hybrid_depthwise_conv2d_matches_litert(padding, stride, dm):
    rng = np.random.default_rng(10 + stride)
    b = ModelBuilder()
    x = b.add_input("x", (2, 7, 6, 3), np.float32)
    oc = 3 * dm
    w = b.add_constant("w", rng.integers(-127, 128, (1, 3, 3, oc)).astype(np.int8),
                       scale=rng.uniform(0.005, 0.03, oc), zero_point=[0] * oc,
                       quantized_dimension=3)
    bias = b.add_constant("b", rng.standard_normal(oc).astype(np.float32))
    out = (2, 7, 6, oc) if padding == "SAME" else (2, 3, 2, oc)
    y = b.add_tensor("y", out, np.float32)
    b.add_operator("DEPTHWISE_CONV_2D", [x, w, bias], [y], padding=padding, stride_w=stride,
                   stride_h=stride, depth_multiplier=dm, fused_activation_function="RELU6")
    b.mark_output(y)
    assert_matches_litert(b.build(), [rng.standard_normal((2, 7, 6, 3)).astype(np.float32) for _ in range(4)])


@pytest.mark.parametrize("adj_y", [False, True])
def test_hybrid_batch_matmul_matches_litert(adj_y):
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    x = b.add_input("x", (2, 4, 5), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (3, 5) if adj_y else (5, 3)).astype(np.int8),
                       scale=0.02, zero_point=0)
    y = b.add_tensor("y", (2, 4, 3), np.float32)
    b.add_operator("BATCH_MATMUL", [x, w], [y], adj_y=adj_y)
    b.mark_output(y)
    assert_matches_litert(b.build(), [rng.standard_normal((2, 4, 5)).astype(np.float32) for _ in range(4)])


def boundary_rows(rows, depth, rng, asymmetric=False):
    """Rows whose quantization lands on rounding boundaries. Symmetric: a peak of 127 makes the
    scale factor 1; asymmetric: values in [0, 255] with 255 present make it 1 too. Then
    0.49999997 rounds to 1 in LiteRT's 8-wide blocks (trunc(y + 0.5) in float32) but to 0 in
    the tail past the last full block (round())."""
    below_half = np.nextafter(np.float32(0.5), np.float32(0))
    if asymmetric:
        x = rng.uniform(0, 200, (rows, depth)).astype(np.float32)
        x[:, 0] = 255
        x[:, 1::3] = below_half
        x[:, 2::3] = below_half + np.float32(3)
    else:
        x = rng.uniform(-100, 100, (rows, depth)).astype(np.float32)
        x[:, 0] = 127
        x[:, 1::3] = below_half
        x[:, 2::3] = -below_half
    x[:, -1] = np.float32(2.5)
    return x


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("depth", [5, 9, 12, 16, 21])
def test_hybrid_batch_matmul_quantization_matches_litert(asymmetric, depth):
    rng = np.random.default_rng(depth)
    b = ModelBuilder()
    x = b.add_input("x", (2, 3, depth), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (depth, 4)).astype(np.int8),
                       scale=0.02, zero_point=0)
    y = b.add_tensor("y", (2, 3, 4), np.float32)
    b.add_operator("BATCH_MATMUL", [x, w], [y], asymmetric_quantize_inputs=asymmetric)
    b.mark_output(y)
    inputs = [boundary_rows(6, depth, rng, asymmetric).reshape(2, 3, depth)] + \
        [rng.standard_normal((2, 3, depth)).astype(np.float32) * 3 for _ in range(3)] + \
        [np.zeros((2, 3, depth), np.float32)]
    assert_matches_litert(b.build(), inputs)


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("shape", [(2, 5, 5, 3), (1, 4, 3, 2)])
def test_hybrid_convolutions_quantize_like_litert(op, shape):
    """Convolutions quantize each batch image as one row, asymmetrically: boundary values in
    the 8-wide blocks and in the tail."""
    rng = np.random.default_rng(shape[1])
    n, h, w_, c = shape
    b = ModelBuilder()
    x = b.add_input("x", shape, np.float32)
    if op == "CONV_2D":
        w = b.add_constant("w", rng.integers(-127, 128, (4, 3, 3, c)).astype(np.int8),
                           scale=rng.uniform(0.005, 0.03, 4), zero_point=[0] * 4)
        oc, extra = 4, {}
    else:
        oc = 2 * c
        w = b.add_constant("w", rng.integers(-127, 128, (1, 3, 3, oc)).astype(np.int8),
                           scale=rng.uniform(0.005, 0.03, oc), zero_point=[0] * oc,
                           quantized_dimension=3)
        extra = {"depth_multiplier": 2}
    bias = b.add_constant("b", rng.standard_normal(oc).astype(np.float32))
    y = b.add_tensor("y", (n, h, w_, oc), np.float32)
    b.add_operator(op, [x, w, bias], [y], padding="SAME", stride_w=1, stride_h=1, **extra)
    b.mark_output(y)
    depth = h * w_ * c
    inputs = [boundary_rows(n, depth, rng, True).reshape(shape),
              -boundary_rows(n, depth, rng, True).reshape(shape),
              rng.standard_normal(shape).astype(np.float32)]
    assert_matches_litert(b.build(), inputs)


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("depth", [6, 9, 12, 24, 29])
def test_hybrid_fully_connected_quantization_matches_litert(asymmetric, depth):
    rng = np.random.default_rng(depth + 100)
    b = ModelBuilder()
    x = b.add_input("x", (4, depth), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (5, depth)).astype(np.int8),
                       scale=0.013, zero_point=0)
    bias = b.add_constant("b", rng.standard_normal(5).astype(np.float32))
    y = b.add_tensor("y", (4, 5), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y], asymmetric_quantize_inputs=asymmetric)
    b.mark_output(y)
    inputs = [boundary_rows(4, depth, rng, asymmetric), -boundary_rows(4, depth, rng, asymmetric),
              rng.standard_normal((4, depth)).astype(np.float32) * 3,
              np.zeros((4, depth), np.float32)]
    assert_matches_litert(b.build(), inputs)


@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU6", "TANH"])
def test_hybrid_fully_connected_activation_on_special_values(act):
    """LiteRT's activation on hybrid outputs: std::max/min (NaN goes to the lower bound, inf
    stays unless bounded), Eigen's tanh."""
    rng = np.random.default_rng(8)
    b = ModelBuilder()
    x = b.add_input("x", (2, 6), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (5, 6)).astype(np.int8), scale=0.013,
                       zero_point=0)
    bias = b.add_constant("b", np.array([np.nan, np.inf, -np.inf, 3e38, -0.0], np.float32))
    y = b.add_tensor("y", (2, 5), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y], fused_activation_function=act)
    b.mark_output(y)
    one_zero_row = rng.standard_normal((2, 6)).astype(np.float32)
    one_zero_row[1] = 0
    assert_matches_litert(b.build(), [rng.standard_normal((2, 6)).astype(np.float32) * 3,
                                      np.zeros((2, 6), np.float32), one_zero_row])


def _per_tensor_conv(rng, shape, out_c, k, stride, padding, act, scales):
    n, h, w_, c = shape
    b = ModelBuilder()
    x = b.add_input("x", shape, np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (out_c, k, k, c)).astype(np.int8),
                       scale=scales, zero_point=[0] * len(scales))
    bias = b.add_constant("b", rng.standard_normal(out_c).astype(np.float32))
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w_ // stride)
    else:
        oh, ow = (h - k) // stride + 1, (w_ - k) // stride + 1
    y = b.add_tensor("y", (n, oh, ow, out_c), np.float32)
    b.add_operator("CONV_2D", [x, w, bias], [y], padding=padding, stride_w=stride,
                   stride_h=stride, fused_activation_function=act)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("equal_per_channel", [False, True])
@pytest.mark.parametrize("shape,out_c,k,stride,padding,act", [
    ((2, 7, 6, 3), 4, 3, 1, "SAME", "NONE"),
    ((1, 9, 8, 5), 6, 3, 2, "VALID", "RELU"),
    ((3, 5, 5, 8), 8, 1, 1, "VALID", "RELU6"),        # pointwise: no im2col in LiteRT
    ((1, 6, 7, 2), 3, 5, 2, "SAME", "RELU_N1_TO_1"),
])
def test_hybrid_conv2d_per_tensor_weights_matches_litert(shape, out_c, k, stride, padding, act,
                                                         equal_per_channel):
    """Dynamic-range quantization's most common CONV_2D: one weight scale (or per-channel
    scales all equal, which LiteRT runs the same way): each batch image quantized
    symmetrically, padding 0, float32 (sum x (input scale x weight scale)) + bias."""
    rng = np.random.default_rng(k * 10 + stride)
    scales = [0.017] * out_c if equal_per_channel else [0.017]
    data = _per_tensor_conv(rng, shape, out_c, k, stride, padding, act, scales)
    depth = int(np.prod(shape[1:]))
    inputs = [boundary_rows(shape[0], depth, rng).reshape(shape),
              (rng.standard_normal(shape) * 4).astype(np.float32),
              np.zeros(shape, np.float32)]
    inputs[1][0] = 0                     # an all-zero image beside a non-zero one
    assert_matches_litert(data, inputs)


def test_hybrid_conv2d_per_tensor_with_dilation_is_refused():
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.add_input("x", (1, 7, 7, 2), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8), scale=0.02,
                       zero_point=0)
    bias = b.add_constant("b", np.zeros(3, np.float32))
    y = b.add_tensor("y", (1, 7, 7, 3), np.float32)
    b.add_operator("CONV_2D", [x, w, bias], [y], padding="SAME", stride_w=1, stride_h=1,
                   dilation_wfactor=2, dilation_hfactor=2)
    b.mark_output(y)
    it = tinyrt.Interpreter(model_content=b.build())
    with pytest.raises(tinyrt.OpError, match="without the dilation"):
        it.allocate_tensors()


def test_hybrid_depthwise_per_tensor_is_refused_as_litert_refuses_it():
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.add_input("x", (1, 5, 5, 3), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (1, 3, 3, 3)).astype(np.int8), scale=0.02,
                       zero_point=0, quantized_dimension=3)
    bias = b.add_constant("b", np.zeros(3, np.float32))
    y = b.add_tensor("y", (1, 5, 5, 3), np.float32)
    b.add_operator("DEPTHWISE_CONV_2D", [x, w, bias], [y], padding="SAME", stride_w=1,
                   stride_h=1, depth_multiplier=1)
    b.mark_output(y)
    data = b.build()
    with pytest.raises(RuntimeError):
        litert_ref(data)
    with pytest.raises(tinyrt.OpError, match="per-channel"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
