"""16x8 CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV and DEPTHWISE_CONV_2D by bias type, differential
against tflite-micro.

tflite-micro accumulates a 16x8 CONV_2D / FULLY_CONNECTED in int32 (wrapping) and requantizes
with the 32-bit MultiplyByQuantizedMultiplier when the bias is int32, or when there is no bias
and the options' quantized_bias_type is INT32; otherwise in int64 with the 64-bit one.
TRANSPOSE_CONV always uses int64 (an int16 bias is widened); it and DEPTHWISE_CONV_2D read any
bias as int64, so an int32 bias is refused. Deep reductions with full-range inputs make the
int32 accumulator wrap."""
import numpy as np
import pytest

import tinyrt
from kernels.single_op import compare
from oracle import tflm, tflm_interpreter
from tinyrt.builder import ModelBuilder
from tinyrt.model.schema import TYPE_CODE

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
# bias variants: (bias dtype or None, quantized_bias_type option or None)
VARIANTS = {"int32": (np.int32, None), "int64": (np.int64, None),
            "none, INT32 option": (None, "INT32"), "none, INT64 option": (None, "INT64"),
            "none, no option": (None, None)}
INT16 = np.iinfo(np.int16)


def int16_inputs(rng, shape, count=4):
    """Full-range int16 batches: uniform, all at one extreme, and mostly extremes."""
    out = [rng.integers(INT16.min, INT16.max, shape, endpoint=True).astype(np.int16),
           np.full(shape, INT16.max if rng.random() < 0.5 else INT16.min, np.int16)]
    while len(out) < count:
        x = rng.choice(np.array([INT16.min, INT16.max, 0, -1, 1], np.int16), shape)
        out.append(x.astype(np.int16))
    return [[x] for x in out]


def skewed_weights(rng, shape, axis, top=127):
    """int8 weights in [-top, top] of which some output channels are all +top or all -top (so
    extreme inputs drive deep sums far past int32), the others uniform."""
    w = rng.integers(-top, top + 1, shape).astype(np.int8)
    moved = np.moveaxis(w, axis, 0)
    for c in range(moved.shape[0]):
        if rng.random() < 0.4:
            moved[c] = top if rng.random() < 0.5 else -top
    return w


def bias_data(rng, n, dtype, small=False):
    """Random bias values; now and then ones near the type's limits."""
    if small:
        return rng.integers(-5000, 5000, n).astype(dtype)
    if dtype == np.int32:
        b = rng.integers(-(1 << 20), 1 << 20, n)
        if rng.random() < 0.3:
            b[0] = rng.choice([(1 << 31) - 1, -(1 << 31), (1 << 30) + 12345])
    else:
        b = rng.integers(-(1 << 20), 1 << 20, n)
        if rng.random() < 0.3:
            b[0] = rng.choice([1 << 36, -(1 << 36), (1 << 31) + 7])
    return b.astype(dtype)


def scales(rng, depth, channels, per_channel=True):
    """(input scale, weight scales, output scale) such that outputs spread over int16, at times
    with a multiplier above 1 (a left shift, which wraps in int32 too)."""
    sx = float(rng.uniform(0.001, 0.1))
    ws = rng.uniform(0.002, 0.03, channels if per_channel else 1)
    typical = sx * float(ws.mean()) * 127 * 20000 * np.sqrt(depth)
    sy = typical / 32768 * float(np.exp(rng.uniform(np.log(0.05), np.log(20))))
    if rng.random() < 0.15:
        sy = sx * float(ws.min()) / float(rng.uniform(1.1, 40))
    return sx, ws, sy


def add_bias(b, rng, channels, dtype, sx, ws, small=False):
    if dtype is None:
        return -1
    return b.add_constant("b", bias_data(rng, channels, dtype, small),
                          scale=np.broadcast_to(ws * sx, (channels,)).astype(np.float32),
                          zero_point=[0] * channels)


def options_for(option, act):
    opts = {"fused_activation_function": act}
    if option is not None:
        opts["quantized_bias_type"] = TYPE_CODE[option]
    return opts


def conv_model(rng, variant, deep, small):
    bias_dtype, option = VARIANTS[variant]
    n, h, w = int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7))
    c = int(rng.integers(40, 90)) if deep else int(rng.integers(1, 6))
    kh, kw = (1, 1) if small else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    oc = int(rng.integers(1, 6))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    pad = "SAME" if rng.random() < 0.6 or kh > h or kw > w else "VALID"
    oh = (h + sh - 1) // sh if pad == "SAME" else (h - kh + sh) // sh
    ow = (w + sw - 1) // sw if pad == "SAME" else (w - kw + sw) // sw
    per_channel = rng.random() < 0.7
    sx, ws, sy = scales(rng, kh * kw * c, oc, per_channel)
    b = ModelBuilder()
    x = b.add_input("x", (n, h, w, c), np.int16, scale=sx, zero_point=0)
    wt = b.add_constant("w", skewed_weights(rng, (oc, kh, kw, c), 0, 3 if small else 127),
                        scale=ws, zero_point=[0] * len(ws), quantized_dimension=0)
    bias = add_bias(b, rng, oc, bias_dtype, sx, ws, small)
    y = b.add_tensor("y", (n, oh, ow, oc), np.int16, scale=sy, zero_point=0)
    b.add_operator("CONV_2D", [x, wt, bias], [y], padding=pad, stride_w=sw, stride_h=sh,
                   **options_for(option, ACTIVATIONS[int(rng.integers(4))]))
    b.mark_output(y)
    return b.build(), (n, h, w, c)


def fc_model(rng, variant, deep, small):
    bias_dtype, option = VARIANTS[variant]
    batch = int(rng.integers(1, 4))
    depth = int(rng.integers(300, 900)) if deep else int(rng.integers(1, 6 if small else 40))
    units = int(rng.integers(1, 8))
    per_channel = rng.random() < 0.5
    sx, ws, sy = scales(rng, depth, units, per_channel)
    # TFLM's 16x8 FULLY_CONNECTED adds the zero points (unlike its convolutions)
    zx = int(rng.integers(-50, 51)) if rng.random() < 0.3 else 0
    zy = int(rng.integers(-200, 201)) if rng.random() < 0.3 else 0
    b = ModelBuilder()
    x = b.add_input("x", (batch, depth), np.int16, scale=sx, zero_point=zx)
    wt = b.add_constant("w", skewed_weights(rng, (units, depth), 0, 3 if small else 127),
                        scale=ws, zero_point=[0] * len(ws))
    bias = add_bias(b, rng, units, bias_dtype, sx, ws, small)
    y = b.add_tensor("y", (batch, units), np.int16, scale=sy, zero_point=zy)
    b.add_operator("FULLY_CONNECTED", [x, wt, bias], [y],
                   **options_for(option, ACTIVATIONS[int(rng.integers(4))]))
    b.mark_output(y)
    return b.build(), (batch, depth)


@pytest.mark.parametrize("seed", [1, 0])
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("op", ["CONV_2D", "FULLY_CONNECTED"])
def test_matches_tflite_micro(op, variant, seed):
    tflm()
    rng = np.random.default_rng([list(VARIANTS).index(variant), seed, len(op)])
    make = conv_model if op == "CONV_2D" else fc_model
    n = 0
    for case in range(9):
        # deep reductions that wrap an int32 accumulator, and small weights and sums
        data, shape = make(rng, variant, deep=case % 3 == 1, small=case % 3 == 2)
        n += compare(data, int16_inputs(rng, shape))
    assert n > 0


def one_by_one_conv(bias_dtype, option=None):
    """A 1x1 convolution of one channel, batched over every int16 value."""
    b = ModelBuilder()
    x = b.add_input("x", (1 << 16, 1, 1, 1), np.int16, scale=0.0123, zero_point=0)
    w = b.add_constant("w", np.array([[[[97]]]], np.int8), scale=[0.0071], zero_point=[0])
    bias = -1 if bias_dtype is None else b.add_constant(
        "b", np.array([1234], bias_dtype), scale=[np.float32(0.0123 * 0.0071)], zero_point=[0])
    y = b.add_tensor("y", (1 << 16, 1, 1, 1), np.int16, scale=0.00291, zero_point=0)
    opts = {} if option is None else {"quantized_bias_type": TYPE_CODE[option]}
    b.add_operator("CONV_2D", [x, w, bias], [y], padding="VALID", stride_w=1, stride_h=1, **opts)
    b.mark_output(y)
    return b.build()


def test_the_two_requantizations_differ_and_each_variant_picks_its_own():
    """On a 1x1 convolution of every int16 value, the 32- and 64-bit requantizations disagree
    on some; tinyrt follows tflite-micro's choice for each bias variant."""
    tflm()
    x = np.arange(INT16.min, INT16.max + 1, dtype=np.int16).reshape(-1, 1, 1, 1)
    results = {}
    for bias_dtype, option in [(np.int32, None), (np.int64, None), (None, "INT32"),
                               (None, None)]:
        data = one_by_one_conv(bias_dtype, option)
        assert compare(data, [[x]]) == x.size
        it = tflm_interpreter(data)
        it.set_input(x, 0)
        it.invoke()
        results[(bias_dtype, option)] = it.get_output(0).reshape(-1)
    assert np.any(results[(np.int32, None)] != results[(np.int64, None)])
    assert np.any(results[(None, "INT32")] != results[(None, None)])


def test_int32_accumulator_wraps():
    """A reduction whose exact sum passes 2^31: tflite-micro's result is the wrapped one."""
    tflm()
    depth = 700
    b = ModelBuilder()
    x = b.add_input("x", (1, depth), np.int16, scale=0.05, zero_point=0)
    w = b.add_constant("w", np.full((2, depth), 127, np.int8), scale=[0.01], zero_point=[0])
    bias = b.add_constant("b", np.array([5, -5], np.int32), scale=[np.float32(0.05 * 0.01)],
                          zero_point=[0])
    y = b.add_tensor("y", (1, 2), np.int16, scale=500.0, zero_point=0)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y])
    b.mark_output(y)
    data = b.build()
    full = np.full((1, depth), INT16.max, np.int16)
    assert depth * 127 * INT16.max > 1 << 31
    compare(data, [[full], [-full - 1]])
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_input(full, 0)
    it.invoke()
    assert it.get_output(0)[0, 0] < 0        # wrapped negative, not saturated at 32767


@pytest.mark.parametrize("bias", ["int64", "int16", "none", "none, INT32 option"])
def test_transpose_conv_matches_tflite_micro(bias):
    """64-bit accumulation whatever the bias (or its absence, or the option) says."""
    tflm()
    rng = np.random.default_rng(["int64", "int16", "none", "none, INT32 option"].index(bias))
    for case in range(6):
        n, h, w = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        c = int(rng.integers(20, 60)) if case % 2 else int(rng.integers(1, 5))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        oc = int(rng.integers(1, 5))
        pad = "SAME" if rng.random() < 0.5 else "VALID"
        oh = h * sh if pad == "SAME" else (h - 1) * sh + kh
        ow = w * sw if pad == "SAME" else (w - 1) * sw + kw
        sx, ws, sy = scales(rng, kh * kw * c, oc)
        b = ModelBuilder()
        shape = b.add_constant("shape", np.array([n, oh, ow, oc], np.int32))
        wt = b.add_constant("w", skewed_weights(rng, (oc, kh, kw, c), 0), scale=ws,
                            zero_point=[0] * oc)
        x = b.add_input("x", (n, h, w, c), np.int16, scale=sx, zero_point=0)
        ins = [shape, wt, x]
        if not bias.startswith("none"):
            dt = np.int64 if bias == "int64" else np.int16
            vals = rng.integers(-30000, 30000, oc).astype(dt)
            ins.append(b.add_constant("b", vals, scale=(ws * sx).astype(np.float32),
                                      zero_point=[0] * oc))
        opts = {"quantized_bias_type": TYPE_CODE["INT32"]} if "INT32" in bias else {}
        y = b.add_tensor("y", (n, oh, ow, oc), np.int16, scale=sy, zero_point=0)
        b.add_operator("TRANSPOSE_CONV", ins, [y], padding=pad, stride_w=sw, stride_h=sh,
                       fused_activation_function=ACTIVATIONS[int(rng.integers(2))], **opts)
        b.mark_output(y)
        assert compare(b.build(), int16_inputs(rng, (n, h, w, c), 3)) > 0


def refused(data, match):
    with pytest.raises(tinyrt.TinyrtError, match=match):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


@pytest.mark.parametrize("op", ["DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"])
def test_int32_bias_read_as_int64_is_refused(op):
    """tflite-micro reads these biases as int64 (garbage from an int32 one): refused."""
    b = ModelBuilder()
    ws = [0.01, 0.02]
    x = b.add_input("x", (1, 4, 4, 2), np.int16, scale=0.05, zero_point=0)
    bias = b.add_constant("b", np.array([100, -100], np.int32), scale=[0.0005, 0.001],
                          zero_point=[0, 0])
    y = b.add_tensor("y", (1, 4, 4, 2), np.int16, scale=0.1, zero_point=0)
    w_data = np.arange(-9, 9, dtype=np.int8)
    if op == "DEPTHWISE_CONV_2D":
        w = b.add_constant("w", w_data.reshape(1, 3, 3, 2), scale=ws, zero_point=[0, 0],
                           quantized_dimension=3)
        b.add_operator(op, [x, w, bias], [y], padding="SAME", stride_w=1, stride_h=1,
                       depth_multiplier=1)
    else:
        shape = b.add_constant("shape", np.array([1, 4, 4, 2], np.int32))
        w = b.add_constant("w", np.concatenate([w_data, w_data]).reshape(2, 3, 3, 2),
                           scale=ws, zero_point=[0, 0])
        b.add_operator(op, [shape, w, x, bias], [y], padding="SAME", stride_w=1, stride_h=1)
    b.mark_output(y)
    refused(b.build(), "int16 input takes a int64.* bias, not int32")


def test_depthwise_int64_bias_and_none_match():
    tflm()
    rng = np.random.default_rng(11)
    for case in range(6):
        with_bias = case % 2 == 0
        n, h, w, c = 1, int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(1, 5))
        dm, k = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        oc = c * dm
        sx, ws, sy = scales(rng, k * k, oc)
        b = ModelBuilder()
        x = b.add_input("x", (n, h, w, c), np.int16, scale=sx, zero_point=0)
        wt = b.add_constant("w", skewed_weights(rng, (1, k, k, oc), 3), scale=ws,
                            zero_point=[0] * oc, quantized_dimension=3)
        # (tflite-micro dereferences an absent bias given as -1: leave the input out instead)
        ins = [x, wt] + ([add_bias(b, rng, oc, np.int64, sx, ws)] if with_bias else [])
        y = b.add_tensor("y", (n, h, w, oc), np.int16, scale=sy, zero_point=0)
        b.add_operator("DEPTHWISE_CONV_2D", ins, [y], padding="SAME", stride_w=1, stride_h=1,
                       depth_multiplier=dm)
        b.mark_output(y)
        assert compare(b.build(), int16_inputs(rng, (n, h, w, c), 3)) > 0


@pytest.mark.parametrize("op", ["CONV_2D", "FULLY_CONNECTED", "DEPTHWISE_CONV_2D"])
def test_bias_types_tflite_micro_misreads_are_refused(op):
    """int16 bias on a 16x8 CONV_2D / FULLY_CONNECTED (read as int64 or refused by TFLM), and an
    int64 bias on int8 (read as int32)."""
    for in_dtype, bias_dtype in [(np.int16, np.int16), (np.int8, np.int64)]:
        b = ModelBuilder()
        zp = 0 if in_dtype == np.int16 else 3
        if op == "FULLY_CONNECTED":
            x = b.add_input("x", (2, 6), in_dtype, scale=0.05, zero_point=zp)
            w = b.add_constant("w", np.ones((2, 6), np.int8), scale=[0.01], zero_point=[0])
            y = b.add_tensor("y", (2, 2), in_dtype, scale=0.1, zero_point=zp)
        else:
            x = b.add_input("x", (1, 3, 3, 2), in_dtype, scale=0.05, zero_point=zp)
            dw = op == "DEPTHWISE_CONV_2D"
            w = b.add_constant("w", np.ones((1, 1, 1, 2) if dw else (2, 1, 1, 2), np.int8),
                               scale=[0.01, 0.01], zero_point=[0, 0],
                               quantized_dimension=3 if dw else 0)
            y = b.add_tensor("y", (1, 3, 3, 2), in_dtype, scale=0.1, zero_point=zp)
        bias = b.add_constant("b", np.array([1, 2], bias_dtype), scale=[0.0005, 0.0005],
                              zero_point=[0, 0])
        opts = {} if op == "FULLY_CONNECTED" else dict(padding="SAME", stride_w=1, stride_h=1)
        if op == "DEPTHWISE_CONV_2D":
            opts["depth_multiplier"] = 1
        b.add_operator(op, [x, w, bias], [y], **opts)
        b.mark_output(y)
        refused(b.build(), f"not {np.dtype(bias_dtype).name}")


def test_int8_accumulator_wraps_with_a_huge_bias():
    """int8 accumulates in int32 too: a bias near INT32_MAX plus a positive sum wraps."""
    tflm()
    b = ModelBuilder()
    x = b.add_input("x", (3, 8), np.int8, scale=0.05, zero_point=-3)
    w = b.add_constant("w", np.full((2, 8), 127, np.int8), scale=[0.01], zero_point=[0])
    bias = b.add_constant("b", np.array([(1 << 31) - 1000, -(1 << 31) + 1000], np.int32),
                          scale=[np.float32(0.05 * 0.01)], zero_point=[0])
    y = b.add_tensor("y", (3, 2), np.int8, scale=1e6, zero_point=0)
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y])
    b.mark_output(y)
    xs = np.array([[127] * 8, [-128] * 8, [0] * 8], np.int8)
    assert compare(b.build(), [[xs]]) == 6
