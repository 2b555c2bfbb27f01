"""Edge values where C's semantics decide the result, against tflite-micro: NaN and signed zeros
in MAXIMUM / MINIMUM, INT32_MIN in integer DIV, out-of-range and NaN floats in CAST, and scalar
(rank-0) tensors through elementwise and reducing ops."""
import numpy as np
import pytest

from kernels.single_op import compare, one_op

NAN, INF = np.float32(np.nan), np.float32(np.inf)
SPECIALS = np.array([NAN, 1.0, -0.0, 0.0, NAN, -INF, INF, 2.0], np.float32)


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
def test_min_max_with_nan_and_signed_zeros(op):
    a = np.repeat(SPECIALS, SPECIALS.size)
    b = np.tile(SPECIALS, SPECIALS.size)
    data = one_op(op, [((a.size,), np.float32, None)] * 2, [((a.size,), np.float32, None)])
    compare(data, [[a, b], [b, a]])


def test_int32_div_of_int32_min():
    a = np.array([-2**31, -2**31, -2**31 + 1, 7, -7, 2**31 - 1], np.int32)
    b = np.array([6, 2**31 - 1, -3, -2, 2, -2**31], np.int32)
    data = one_op("DIV", [((6,), np.int32, None)] * 2, [((6,), np.int32, None)])
    compare(data, [[a, b]])


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.uint32])
def test_cast_of_out_of_range_floats_saturates(dtype):
    x = np.array([-2.5, -1, -0.5, 0, 3.7, 2**31, 4e9, 5e9, -3e9, NAN, INF, -INF, 300, -300,
                  40000, 2147483520.0, -2**31, 127.9, -128.9, 255.5], np.float32)
    data = one_op("CAST", [((x.size,), np.float32, None)], [((x.size,), dtype, None)])
    compare(data, [[x]])


Q8 = {"scale": 0.1, "zero_point": 1}
Q16 = {"scale": 0.1, "zero_point": 0}


@pytest.mark.parametrize("op,dtype,q,n_in,options", [
    ("ROUND", np.float32, None, 1, {}), ("RELU", np.int8, Q8, 1, {}),
    ("LEAKY_RELU", np.int8, Q8, 1, {"alpha": 0.3}), ("LEAKY_RELU", np.int16, Q16, 1, {"alpha": 0.3}),
    ("ADD", np.int8, Q8, 2, {}), ("SUB", np.int16, Q16, 2, {}), ("MUL", np.int8, Q8, 2, {}),
    ("FLOOR_MOD", np.float32, None, 2, {}), ("MAXIMUM", np.float32, None, 2, {})])
def test_scalar_tensors(op, dtype, q, n_in, options):
    data = one_op(op, [((), dtype, q)] * n_in, [((), dtype, q)], **options)
    values = [np.array(v, dtype) for v in ((3, -2) if dtype != np.float32 else (2.5, -1.5))]
    compare(data, [values[:n_in], values[::-1][:n_in]])


@pytest.mark.parametrize("op", ["MEAN", "SUM"])
@pytest.mark.parametrize("dtype,q", [(np.int8, Q8), (np.int16, Q16)])
def test_quantized_reduction_to_a_scalar(op, dtype, q):
    data = one_op(op, [((5,), dtype, q), (np.array([0], np.int32), None)], [((), dtype, q)],
                  keep_dims=False)
    compare(data, [[np.arange(5).astype(dtype)], [np.full(5, np.iinfo(dtype).max, dtype)]])


@pytest.mark.parametrize("op,act", [("CONV_2D", "NONE"), ("CONV_2D", "RELU"),
                                    ("DEPTHWISE_CONV_2D", "NONE"), ("DEPTHWISE_CONV_2D", "RELU"),
                                    ("TRANSPOSE_CONV", "NONE")])    # no fused activation there
def test_int16_convolutions_ignore_zero_points_as_tflm(op, act):
    """TFLM's 16x8 convolutions assume zero points of 0: non-zero ones are not applied, except
    that the output's bounds the activation clamp."""
    rng = np.random.default_rng(3)
    qx, qy = {"scale": 0.01, "zero_point": 37}, {"scale": 0.02, "zero_point": -55}
    c = 3
    bias = (np.arange(4) * 1000 - 1500).astype(np.int64)
    if op == "CONV_2D":
        w = rng.integers(-127, 128, (4, 3, 3, c)).astype(np.int8)
        ins = [((1, 5, 5, c), np.int16, qx), (w, {"scale": [0.01] * 4, "zero_point": [0] * 4}),
               (bias, {"scale": [1e-4] * 4, "zero_point": [0] * 4})]
        out, opts = (1, 5, 5, 4), {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                   "fused_activation_function": act}
    elif op == "DEPTHWISE_CONV_2D":
        w = rng.integers(-127, 128, (1, 3, 3, 4)).astype(np.int8)
        ins = [((1, 5, 5, 2), np.int16, qx),
               (w, {"scale": [0.01] * 4, "zero_point": [0] * 4, "quantized_dimension": 3}),
               (bias, {"scale": [1e-4] * 4, "zero_point": [0] * 4})]
        out, opts = (1, 5, 5, 4), {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                   "depth_multiplier": 2, "fused_activation_function": act}
    else:
        w = rng.integers(-127, 128, (4, 3, 3, c)).astype(np.int8)
        ins = [(np.array([1, 7, 7, 4], np.int32), None),
               (w, {"scale": [0.01] * 4, "zero_point": [0] * 4}), ((1, 4, 4, c), np.int16, qx)]
        out, opts = (1, 7, 7, 4), {"padding": "SAME", "stride_w": 2, "stride_h": 2}
    data = one_op(op, ins, [(out, np.int16, qy)], **opts)
    shape = next(s[0] for s in ins if not isinstance(s[0], np.ndarray))
    compare(data, [[rng.integers(-2000, 2000, shape).astype(np.int16)] for _ in range(3)])


@pytest.mark.parametrize("act", ["NONE", "RELU6"])
def test_float_depthwise_sum_starts_at_positive_zero(act):
    """One in-bounds tap whose product is -0.0: TFLM's 0.0f + (-0.0f) is +0.0."""
    w = np.array([0.0, -0.0, 2.0, -3.0] * 4, np.float32).reshape(1, 2, 2, 4)
    data = one_op("DEPTHWISE_CONV_2D", [((1, 1, 1, 4), np.float32, None), (w, None)],
                  [((1, 1, 1, 4), np.float32, None)], padding="SAME", stride_w=1, stride_h=1,
                  dilation_wfactor=2, dilation_hfactor=2, depth_multiplier=1,
                  fused_activation_function=act)
    compare(data, [[np.array([-1.0, 1.0, -0.0, 0.0], np.float32).reshape(1, 1, 1, 4)],
                   [np.array([-0.0, -0.0, -0.0, -0.0], np.float32).reshape(1, 1, 1, 4)]])


@pytest.mark.parametrize("in_scale,out_scale", [
    (0.15078905, 0.09328203), (0.24247587, 0.24334253), (0.15702105, 0.08931141),
    (0.020909557, 0.11809382), (0.12549959, 0.018356182), (0.19744889, 0.07418051)])
def test_hard_swish_multipliers_round_as_tflite_micro(in_scale, out_scale):
    """Scales whose output multiplier differs between a float32 and a double quotient:
    tflite-micro's build takes the double one."""
    for zx, zy in ((-105, 7), (0, 0), (40, -90)):
        data = one_op("HARD_SWISH", [((256,), np.int8, {"scale": in_scale, "zero_point": zx})],
                      [((256,), np.int8, {"scale": out_scale, "zero_point": zy})])
        compare(data, [[np.arange(-128, 128).astype(np.int8)]])


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_quantize_rounds_like_c_round(dtype):
    """round() of the float32 quotient, exactly: 0.49999997 rounds to 0 (adding 0.5 in float32
    first would give 1), halves go away from zero, NaN and huge values as the C conversion."""
    below_half = float(np.nextafter(np.float32(0.5), np.float32(0)))
    x = np.array([below_half, -below_half, 0.5, -0.5, 1.5, -2.5, 1.4999999, 8388609.0, NAN,
                  INF, -INF, 3e9, 126.5, -127.5], np.float32)
    data = one_op("QUANTIZE", [((x.size,), np.float32, None)],
                  [((x.size,), dtype, {"scale": 1.0, "zero_point": 0})])
    compare(data, [[x]])
