"""Regression tests for valid but extreme models: each case once made tinyrt's numpy or C
path differ from tflite-micro, take unbounded memory or wrap a value on its way into C."""
import numpy as np
import pytest

import tinyrt
from oracle import tflm, tflm_interpreter
from tinyrt import native
from tinyrt.builder import ModelBuilder

NATIVE = [False] + ([None] if native.library() is not None else [])


def _model(op, x_shape, y_shape, x_q, y_q, consts=(), **options):
    b = ModelBuilder()
    x = b.add_input("x", x_shape, np.int8, **x_q)
    ins = [x] + [b.add_constant(f"c{i}", a, **q) for i, (a, q) in enumerate(consts)]
    y = b.add_tensor("y", y_shape, np.int8, **y_q)
    b.add_operator(op, ins, [y], **options)
    b.mark_output(y)
    return b.build()


def _run(data, x, native_flag, **kw):
    it = tinyrt.Interpreter(model_content=data, native=native_flag, **kw)
    it.allocate_tensors()
    it.set_input(x, 0)
    it.invoke()
    return it.get_output(0)


def _tflm(data, x):
    ref = tflm_interpreter(data)
    ref.set_input(x, 0)
    ref.invoke()
    return ref.get_output(0)


@pytest.mark.parametrize("native_flag", NATIVE)
def test_requantization_left_shift_wraps_as_tflm(native_flag):
    """Weight scale 0.75 * 2^30: the multiplier needs a left shift of 30, which wraps int32
    for most inputs. The float requantizer once took such a channel for a constant one (it
    assumed a monotone requantization): 192 of 256 outputs differed from tflite-micro."""
    tflm()
    one = {"scale": 1.0, "zero_point": 0}
    data = _model("FULLY_CONNECTED", (256, 1), (256, 1), one, one,
                  consts=[(np.array([[1]], np.int8), {"scale": 0.75 * 2 ** 30, "zero_point": 0})])
    x = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)
    ours = _run(data, x, native_flag)
    np.testing.assert_array_equal(ours, _tflm(data, x))
    assert len(np.unique(ours)) > 2     # the wrap makes a varied, non-monotone output


def _avg_pool(y_q):
    return _model("AVERAGE_POOL_2D", (1, 2, 2, 1), (1, 1, 1, 1), y_q, y_q, padding=1, stride_h=1,
                  stride_w=1, filter_height=2, filter_width=2,
                  fused_activation_function=2)   # RELU_N1_TO_1


def _conv(y_q):
    w = np.ones((1, 1, 1, 1), np.int8)
    return _model("CONV_2D", (1, 2, 2, 1), (1, 2, 2, 1), {"scale": 1.0, "zero_point": 0}, y_q,
                  consts=[(w, {"scale": 1.0, "zero_point": 0})], padding=1, stride_h=1,
                  stride_w=1, fused_activation_function=2)


@pytest.mark.parametrize("build", [_avg_pool, _conv])
@pytest.mark.parametrize("native_flag", NATIVE)
def test_activation_bounds_beyond_int32_are_refused_as_tflm_does(build, native_flag, capfd):
    """Output scale 1e-30 with RELU_N1_TO_1: the bounds are +-1e30 steps from the zero point.
    They were wrapped on their way into C (C gave 25, numpy -128). tflite-micro's prepare
    fails on them (CONV_2D's failure stops it; AVERAGE_POOL_2D's is reported and ignored, the
    bounds then undefined); tinyrt refuses the layer."""
    tflm()
    data = build({"scale": 1e-30, "zero_point": -128})
    with pytest.raises(tinyrt.OpError, match=r"\(node 0\).*beyond int32"):
        tinyrt.Interpreter(model_content=data, native=native_flag).allocate_tensors()
    capfd.readouterr()
    try:
        tflm_interpreter(data)
    except RuntimeError:
        pass
    assert "no_integer_overflow_from_quantization was not true" in capfd.readouterr().err
    # a scale that keeps the bounds inside int32 runs, with tflite-micro's result
    ok = build({"scale": 1e-9, "zero_point": -128})
    x = np.array([[[[3], [-7]], [[100], [-128]]]], np.int8)
    np.testing.assert_array_equal(_run(ok, x, native_flag), _tflm(ok, x))
