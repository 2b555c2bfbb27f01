"""The numpy reference kernels of DEPTHWISE_CONV_2D, CONV_2D and FULLY_CONNECTED
(native=False), differential against tflite-micro on random layers: int8 with per-channel
weights (per-tensor too for CONV_2D and FULLY_CONNECTED), int16 x int8 with an int64 bias,
strides 1-3, dilations, depth multipliers 1-3, SAME/VALID, activations with the zero point of
real models, weights of -128 next to 127, and inputs at the type's ends."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import values, window_options
from oracle import run_both, tflm
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.common import output_size

ACTS = ("NONE", "RELU", "RELU6")


def edge_weights(rng, shape, axis):
    """Random int8 weights (output channels on ``axis``) with -128 and 127 at both ends of
    each channel's weights and, every other channel, 127 next to the first -128: the largest
    partial sums."""
    w = np.moveaxis(rng.integers(-128, 128, shape), axis, -1).copy()
    flat = w.reshape(-1, w.shape[-1])
    flat[0, :], flat[-1, :] = -128, 127
    if flat.shape[0] > 2:
        flat[1, ::2] = 127
    return np.moveaxis(w, -1, axis)


def quantized_io(b, rng, dtype, x_shape, y_shape, act):
    """Input and output tensors of ``dtype``: int8 with random zero points (-128 for half the
    clamped activations), int16 with zero points 0 (TFLM's 16x8 kernels assume it)."""
    sx, sy = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.02, 0.3))
    wide = dtype == np.int16
    if wide:
        sx, sy = sx / 256, sy / 16
    zx = 0 if wide else int(rng.integers(-128, 128))
    zy = 0 if wide else -128 if act != "NONE" and rng.random() < 0.5 else \
        int(rng.integers(-128, 128))
    x = b.add_input("x", x_shape, dtype, scale=sx, zero_point=zx)
    y = b.add_tensor("y", y_shape, dtype, scale=sy, zero_point=zy)
    return x, y, sx


def add_weights_and_bias(b, rng, weights, channels, axis, sx, dtype, per_channel=True):
    ws = rng.uniform(0.001, 0.02, channels if per_channel else 1)
    wt = b.add_constant("w", np.asarray(weights).astype(np.int8), scale=ws,
                        zero_point=[0] * len(ws), quantized_dimension=axis)
    bias_scale = np.broadcast_to(ws * sx, (channels,))
    bias = b.add_constant("b", rng.integers(-40000, 40000, channels).astype(
        np.int64 if dtype == np.int16 else np.int32), scale=bias_scale,
        zero_point=[0] * channels)
    return wt, bias


def window_layer(rng, op, dtype, x_shape, kh, kw, channels, padding, stride, dilation, act,
                 weights=None, per_channel=True):
    """A CONV_2D of ``channels`` outputs, or a DEPTHWISE_CONV_2D of depth multiplier
    ``channels``."""
    n, h, w, in_c = x_shape
    depthwise = op == "DEPTHWISE_CONV_2D"
    out_c = in_c * channels if depthwise else channels
    out_h = output_size(padding, h, kh, stride[0], dilation[0])
    out_w = output_size(padding, w, kw, stride[1], dilation[1])
    w_shape = (1, kh, kw, out_c) if depthwise else (out_c, kh, kw, in_c)
    b = ModelBuilder()
    x, y, sx = quantized_io(b, rng, dtype, x_shape, (n, out_h, out_w, out_c), act)
    axis = 3 if depthwise else 0
    if weights is None:
        weights = edge_weights(rng, w_shape, axis)
    wt, bias = add_weights_and_bias(b, rng, weights, out_c, axis, sx, dtype,
                                    per_channel or depthwise)
    b.add_operator(op, [x, wt, bias], [y],
                   **window_options(op, padding, stride, dilation, act, channels))
    b.mark_output(y)
    return b.build()


def random_window_layer(rng, op, dtype, case):
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dilation = (1, 1) if rng.random() < 0.6 else (int(rng.integers(1, 3)),
                                                  int(rng.integers(1, 3)))
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    h = int(rng.integers((kh - 1) * dilation[0] + 1, 14))
    w = int(rng.integers((kw - 1) * dilation[1] + 1, 14))
    x_shape = (int(rng.integers(1, 3)), h, w, int(rng.choice([1, 2, 3, 5, 8, 16])))
    channels = int(rng.integers(1, 4)) if op == "DEPTHWISE_CONV_2D" else \
        int(rng.choice([1, 3, 8, 17]))
    data = window_layer(rng, op, dtype, x_shape, kh, kw, channels,
                        "SAME" if case % 2 else "VALID", stride, dilation, ACTS[case % 3],
                        per_channel=rng.random() < 0.7)
    return data, x_shape


def random_fully_connected(rng, dtype, case):
    rows, depth = int(rng.integers(1, 5)), int(rng.choice([1, 3, 8, 17, 64, 300]))
    units = int(rng.choice([1, 2, 7, 16, 23]))
    act = ACTS[case % 3]
    b = ModelBuilder()
    x, y, sx = quantized_io(b, rng, dtype, (rows, depth), (rows, units), act)
    wt, bias = add_weights_and_bias(b, rng, edge_weights(rng, (units, depth), 0), units, 0, sx,
                                    dtype, per_channel=rng.random() < 0.5)
    b.add_operator("FULLY_CONNECTED", [x, wt, bias], [y], fused_activation_function=act)
    b.mark_output(y)
    return b.build(), (rows, depth)


def check(data, x_shape, dtype, rng):
    """The numpy kernel against tflite-micro on random inputs and on the type's ends."""
    it = tinyrt.Interpreter(model_content=data, native=False)
    it.allocate_tensors()
    info = np.iinfo(dtype)
    batches = [[values(rng, x_shape, dtype)] for _ in range(2)]
    batches += [[np.full(x_shape, v, dtype)] for v in (info.min, info.max)]
    for ours, theirs in run_both(data, batches, tinyrt_interp=it):
        np.testing.assert_array_equal(ours[0], theirs[0])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("op", ["DEPTHWISE_CONV_2D", "CONV_2D", "FULLY_CONNECTED"])
def test_random_layers(op, dtype, seed):
    tflm()
    rng = np.random.default_rng([4000 + seed, len(op), np.dtype(dtype).itemsize])
    for case in range(10):
        if op == "FULLY_CONNECTED":
            data, x_shape = random_fully_connected(rng, dtype, case)
        else:
            data, x_shape = random_window_layer(rng, op, dtype, case)
        check(data, x_shape, dtype, rng)


@pytest.mark.parametrize("x_shape,kernel,stride,padding,act", [
    ((1, 25, 5, 64), (3, 3), 1, "SAME", "RELU"),     # keyword spotting
    ((1, 48, 48, 8), (3, 3), 1, "SAME", "RELU6"),    # visual wake words
    ((1, 48, 48, 16), (3, 3), 2, "SAME", "RELU6"),
    ((1, 13, 13, 32), (3, 3), 2, "SAME", "NONE"),
    ((1, 12, 12, 32), (3, 3), 2, "VALID", "RELU"),
    ((1, 9, 10, 4), (5, 5), 2, "SAME", "NONE"),
    ((2, 7, 9, 3), (3, 3), 3, "SAME", "RELU6"),
    ((1, 40, 40, 5), (4, 4), 3, "SAME", "RELU6"),
])
def test_model_like_depthwise_layers(x_shape, kernel, stride, padding, act):
    rng = np.random.default_rng(sum(x_shape) + stride)
    data = window_layer(rng, "DEPTHWISE_CONV_2D", np.int8, x_shape, *kernel, 1, padding,
                        (stride, stride), (1, 1), act)
    check(data, x_shape, np.int8, rng)


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_depthwise_weights_all_at_the_ends(dtype):
    """Every weight -128 or 127, and a 32x32 filter of -128s whose sums reach 2^24 with int8
    inputs (2^32 with int16 ones): the int64 sums' far end."""
    rng = np.random.default_rng(5)
    wts = np.where(rng.random((1, 3, 3, 8)) < 0.5, -128, 127)
    data = window_layer(rng, "DEPTHWISE_CONV_2D", dtype, (1, 6, 6, 8), 3, 3, 1, "SAME",
                        (1, 1), (1, 1), "NONE", weights=wts)
    check(data, (1, 6, 6, 8), dtype, rng)
    data = window_layer(rng, "DEPTHWISE_CONV_2D", dtype, (1, 32, 33, 2), 32, 32, 1, "VALID",
                        (1, 1), (1, 1), "NONE", weights=np.full((1, 32, 32, 2), -128))
    check(data, (1, 32, 33, 2), dtype, rng)
