"""Regression tests for valid but extreme models: each case once made tinyrt's numpy or C
path differ from tflite-micro, take unbounded memory or wrap a value on its way into C."""
import numpy as np
import pytest

import tinyrt
from oracle import tflm, tflm_interpreter
from tinyrt import native
from tinyrt.builder import ModelBuilder

NATIVE = [False] + ([None] if native.available() else [])


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
    return _model("CONV_2D", (1, 2, 2, 1), (1, 2, 2, 1), {"scale": y_q["scale"], "zero_point": 0}, y_q,
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


def _peak_bytes(fn):
    import tracemalloc
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("native_flag", NATIVE)
def test_average_pool_filter_far_larger_than_input_takes_no_memory(native_flag):
    """A 480-byte model: 1x1 input, 16000x16000 filter, SAME. It once peaked at 3.9 GB and
    took 8.7 s (the padded input and tap counts were the filter's size)."""
    tflm()
    q = {"scale": 0.5, "zero_point": 3}
    data = _model("AVERAGE_POOL_2D", (1, 1, 1, 1), (1, 1, 1, 1), q, q, padding=0, stride_h=1,
                  stride_w=1, filter_height=16000, filter_width=16000)
    x = np.array([[[[77]]]], np.int8)
    out = {}
    peak = _peak_bytes(lambda: out.setdefault("y", _run(data, x, native_flag)))
    assert peak < 1 << 20
    np.testing.assert_array_equal(out["y"], _tflm(data, x))


def _dilated_conv(x_shape, y_shape, w, dilation, padding=0):
    q = {"scale": 0.5, "zero_point": 3}
    return _model("CONV_2D", x_shape, y_shape, q, q,
                  consts=[(w, {"scale": 0.01, "zero_point": 0})], padding=padding,
                  stride_h=1, stride_w=1, dilation_hfactor=dilation[0],
                  dilation_wfactor=dilation[1])


@pytest.mark.parametrize("native_flag", NATIVE)
def test_convolution_dilation_far_larger_than_input_takes_no_memory(native_flag):
    """A large dilation on a 64x64 input once made numpy allocate gigabytes (dilation 40000:
    1.56 GB; here 16000 would take 8 GB): the padded input spanned the dilated filter. Only
    the centre tap ever reads the input."""
    tflm()
    w = np.arange(1, 19, dtype=np.int8).reshape(2, 3, 3, 1) * 7
    data = _dilated_conv((1, 64, 64, 1), (1, 64, 64, 2), w, (16000, 16000))
    x = (np.arange(64 * 64) % 256 - 128).astype(np.int8).reshape(1, 64, 64, 1)
    out = {}
    peak = _peak_bytes(lambda: out.setdefault("y", _run(data, x, native_flag)))
    assert peak < 16 << 20
    np.testing.assert_array_equal(out["y"], _tflm(data, x))
    assert len(np.unique(out["y"])) > 2


@pytest.mark.parametrize("dilation", [40000, 2 ** 31 - 1])
@pytest.mark.parametrize("native_flag", NATIVE)
def test_geometry_beyond_tflm_int16_fields_is_refused(native_flag, dilation):
    """TFLM keeps convolution strides, dilations and paddings in int16 fields and computes
    with the low 16 bits of larger values: on a one-row input with two taps, tflite-micro
    counts both taps at dilation 917504, one at 917503 and none at 917506. Input 2x1x1x1, dilation 2^31-1, SAME once gave the C kernel
    a padding of -2^31 and an out-of-bounds write (SIGSEGV). tinyrt refuses such layers
    before any memory is taken or C code runs."""
    w = np.full((1, 2, 1, 1), 100, np.int8)
    data = _dilated_conv((2, 1, 1, 1), (2, 1, 1, 1), w, (dilation, 1))
    with pytest.raises(tinyrt.OpError, match=r"CONV_2D \(node 0\): a (padding|dilation) of "
                                             r"\d+ does not fit TFLM's int16 field"):
        tinyrt.Interpreter(model_content=data, native=native_flag,
                           max_model_bytes=1 << 33).allocate_tensors()


@pytest.mark.parametrize("native_flag", NATIVE)
def test_dilated_taps_that_only_read_padding_add_nothing(native_flag):
    """Dilation 20000 on a 1-pixel-high input: both taps fall in the padding (rows -10000 and
    10000), so the outputs are the bias alone, as in tflite-micro."""
    tflm()
    w = np.full((1, 2, 1, 1), 100, np.int8)
    data = _dilated_conv((2, 1, 1, 1), (2, 1, 1, 1), w, (20000, 1))
    x = np.array([100, -100], np.int8).reshape(2, 1, 1, 1)
    y = _run(data, x, native_flag)
    np.testing.assert_array_equal(y, _tflm(data, x))
    np.testing.assert_array_equal(y.ravel(), [3, 3])


def test_work_memory_over_the_limit_is_an_op_error_naming_layer_and_bytes():
    """Tensors within max_model_bytes whose layer needs more work memory than that."""
    q = {"scale": 0.5, "zero_point": 0}
    w = np.ones((64, 9, 9, 64), np.int8)
    data = _dilated_conv((1, 64, 64, 64), (1, 64, 64, 64), w, (1, 1))
    with pytest.raises(tinyrt.OpError, match=r"CONV_2D \(node 0\): .* would take \d+ bytes, "
                                             r"over the limit of 2000000 \(raise max_model"):
        tinyrt.Interpreter(model_content=data, max_model_bytes=2_000_000).allocate_tensors()
    pool = _model("AVERAGE_POOL_2D", (1, 300, 300, 8), (1, 300, 300, 8), q, q, padding=0,
                  stride_h=1, stride_w=1, filter_height=5, filter_width=5)
    with pytest.raises(tinyrt.OpError, match=r"AVERAGE_POOL_2D \(node 0\): .* would take"):
        tinyrt.Interpreter(model_content=pool, max_model_bytes=2_000_000).allocate_tensors()
    tinyrt.Interpreter(model_content=pool).allocate_tensors()


def test_plan_shows_the_work_memory_estimate(tmp_path, capsys):
    from tinyrt.cli import main
    w = np.ones((8, 3, 3, 4), np.int8)
    data = _dilated_conv((1, 20, 20, 4), (1, 20, 20, 8), w, (1, 1))
    path = tmp_path / "conv.tflite"
    path.write_bytes(data)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    (work, subgraph, node, op), = it.work_memory()
    # im2col columns of 400 pixels x (36 taps + 8 outputs), 16 bytes each, and the padded input
    assert (subgraph, node, op) == (0, 0, "CONV_2D") and work == 400 * 44 * 16 + 22 * 22 * 4 * 8
    assert main(["plan", str(path)]) == 0
    assert f"host work memory  {work:>10} bytes  (largest layer: CONV_2D, node 0)" in \
        capsys.readouterr().out


@pytest.mark.parametrize("native_flag", NATIVE)
def test_requantization_shift_past_31_is_refused(native_flag):
    """A multiplier of 2^96 (input scale 0.35 x weight scale 0.3 / output scale 1e-30) needs a
    left shift of 97: TFLM's 1 << 97 in int32 is undefined (on such a CONV_2D tflite-micro
    gave a mix of 127 and -128 where tinyrt's wrap gave -128 throughout)."""
    q = {"scale": 0.35, "zero_point": 0}
    data = _model("FULLY_CONNECTED", (2, 3), (2, 1), q, {"scale": 1e-30, "zero_point": -128},
                  consts=[(np.ones((1, 3), np.int8), {"scale": 0.3, "zero_point": 0})])
    with pytest.raises(tinyrt.OpError, match=r"FULLY_CONNECTED \(node 0\): the requantization "
                                             r"needs a left shift of 97"):
        tinyrt.Interpreter(model_content=data, native=native_flag).allocate_tensors()


@pytest.mark.parametrize("scale_ok", [True, False])
def test_fully_connected_bias_scale_is_checked_as_tflm_does(scale_ok):
    tflm()
    q = {"scale": 0.5, "zero_point": 0}
    bias_scale = 0.5 * 0.25 if scale_ok else 1.0
    data = _model("FULLY_CONNECTED", (2, 3), (2, 1), q, q,
                  consts=[(np.ones((1, 3), np.int8), {"scale": 0.25, "zero_point": 0}),
                          (np.array([7], np.int32), {"scale": bias_scale, "zero_point": 0})])
    x = np.array([[1, 2, 3], [-4, 5, 100]], np.int8)
    if scale_ok:
        np.testing.assert_array_equal(_run(data, x, False), _tflm(data, x))
        return
    with pytest.raises(tinyrt.OpError, match="bias scale 1.0 is not input scale x weight"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
    with pytest.raises(RuntimeError):
        tflm_interpreter(data)


@pytest.mark.parametrize("native_flag", NATIVE)
def test_add_whose_output_multiplier_is_not_below_one_is_refused(native_flag):
    """TFLM aborts the process (QuantizeMultiplierSmallerThanOneExp) when twice the larger
    input scale over 2^20 output scales is 1 or more; tinyrt refuses the layer."""
    b = ModelBuilder()
    x0 = b.add_input("x0", (1, 5), np.int8, scale=2097152.0, zero_point=0)
    x1 = b.add_input("x1", (1, 5), np.int8, scale=0.04, zero_point=-128)
    y = b.add_tensor("y", (1, 5), np.int8, scale=0.2, zero_point=127)
    b.add_operator("ADD", [x0, x1], [y])
    b.mark_output(y)
    with pytest.raises(tinyrt.OpError, match=r"ADD \(node 0\): .*TFLM needs them all in \(0, 1\)"):
        tinyrt.Interpreter(model_content=b.build(), native=native_flag).allocate_tensors()


@pytest.mark.parametrize("beta", [0.0, 1e-9])
def test_softmax_whose_multiplier_is_not_above_one_is_refused(beta):
    """beta x input scale x 2^26 <= 1: TFLM aborts the process; tinyrt refused with a bare
    'negative shift count' (tiny beta) or computed a uniform softmax (beta 0)."""
    b = ModelBuilder()
    x = b.add_input("x", (2, 4), np.int8, scale=0.37, zero_point=-80)
    y = b.add_tensor("y", (2, 4), np.int8, scale=1 / 256, zero_point=-128)
    b.add_operator("SOFTMAX", [x], [y], beta=beta)
    b.mark_output(y)
    with pytest.raises(tinyrt.OpError, match=r"SOFTMAX \(node 0\): beta .* TFLM needs it above 1"):
        tinyrt.Interpreter(model_content=b.build()).allocate_tensors()


@pytest.mark.parametrize("native_flag", NATIVE)
@pytest.mark.parametrize("depth", [1000, 4096])
def test_softmax_row_whose_sum_of_exps_tflm_cannot_scale_is_refused_at_invoke(depth,
                                                                               native_flag):
    """A row whose sum of exps reaches 512 (in its Q12.19 sum, e.g. 512 values tied with the
    maximum) makes the exponent of TFLM's last RoundingDivideByPOT pass 31 for an int8 output,
    and tflite-micro aborts (an input scale of 0.005 on 921 random values is enough; with 4096
    values the sum can even leave int32). tinyrt raises an OpError for such an input and runs
    inputs whose rows stay below, with tflite-micro's result."""
    tflm()
    b = ModelBuilder()
    x = b.add_input("x", (2, depth), np.int8, scale=0.1, zero_point=3)
    y = b.add_tensor("y", (2, depth), np.int8, scale=1 / 256, zero_point=-128)
    b.add_operator("SOFTMAX", [x], [y], beta=1.0)
    b.mark_output(y)
    data = b.build()
    it = tinyrt.Interpreter(model_content=data, native=native_flag)
    it.allocate_tensors()
    x = np.random.default_rng(4).integers(-128, 128, (2, depth), dtype=np.int8)
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), _tflm(data, x))
    tied = np.full((2, depth), -100, np.int8)
    tied[:, :511] = 5                    # a sum just below 512: tflite-micro runs it
    it.set_input(tied, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), _tflm(data, tied))
    tied[:, 511] = 5
    it.set_input(tied, 0)
    with pytest.raises(tinyrt.OpError, match=r"SOFTMAX \(node 0\): a row's sum of exps is 512\.\d* "
                                             r".* takes sums below 512"):
        it.invoke()
