"""int8 DEPTHWISE_CONV_2D through its float32 einsum sums (TapEinsum), differential against
tflite-micro: random shapes, strides 1-3, dilations, depth multipliers 1-3, SAME/VALID,
per-channel weights with -128 next to 127, activations, inputs at the type's ends."""
import numpy as np
import pytest

import tinyrt
from oracle import run_both
from kernels.single_op import values
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.depthwise_conv import DepthwiseConv2D, TapEinsum, TapLoop
from tinyrt.kernels.common import output_size


def model(rng, x_shape, kh, kw, dm, padding, stride, dilation, act, out_zp, weights=None):
    n, h, w, in_c = x_shape
    out_c = in_c * dm
    out_h = output_size(padding, h, kh, stride[0], dilation[0])
    out_w = output_size(padding, w, kw, stride[1], dilation[1])
    if weights is None:
        weights = rng.integers(-128, 128, (1, kh, kw, out_c))
        # extreme neighbours: taps of one channel at both ends of the range
        flat = weights.reshape(-1, out_c)
        flat[0, :] = -128
        flat[-1, :] = 127
        if flat.shape[0] > 2:
            flat[1, ::2] = 127
    sx, sy = float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.02, 0.3))
    ws = rng.uniform(0.001, 0.02, out_c)
    b = ModelBuilder()
    x = b.add_input("x", x_shape, np.int8, scale=sx, zero_point=int(rng.integers(-128, 128)))
    wt = b.add_constant("w", np.asarray(weights).astype(np.int8), scale=ws,
                        zero_point=[0] * out_c, quantized_dimension=3)
    bias = b.add_constant("b", rng.integers(-40000, 40000, out_c).astype(np.int32),
                          scale=ws * sx, zero_point=[0] * out_c)
    y = b.add_tensor("y", (n, out_h, out_w, out_c), np.int8, scale=sy, zero_point=out_zp)
    b.add_operator("DEPTHWISE_CONV_2D", [x, wt, bias], [y], padding=padding,
                   stride_h=stride[0], stride_w=stride[1], depth_multiplier=dm,
                   dilation_hfactor=dilation[0], dilation_wfactor=dilation[1],
                   fused_activation_function=act)
    b.mark_output(y)
    return b.build(), out_h, out_w


def check(data, x_shape, rng, plan=TapEinsum):
    """The numpy kernel (with the expected plan) and the default one (native kernels where
    available) against tflite-micro."""
    it = tinyrt.Interpreter(model_content=data, native=False)
    it.allocate_tensors()
    kernel = it.kernels[0]
    assert isinstance(kernel, DepthwiseConv2D)
    if plan is not None:
        assert isinstance(getattr(kernel, "taps_plan", None), plan)
    batches = [[values(rng, x_shape, np.int8)] for _ in range(2)]
    batches += [[np.full(x_shape, v, np.int8)] for v in (-128, 127)]
    for interp in (it, None):
        for ours, theirs in run_both(data, batches, tinyrt_interp=interp):
            np.testing.assert_array_equal(ours[0], theirs[0])


@pytest.mark.parametrize("staged", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_random_layers(seed, staged, monkeypatch):
    staged_plans = []
    if staged:      # strided fills through input-typed planes, as large inputs do
        monkeypatch.setattr(TapEinsum, "stage_min_pixels", 0)
        init = TapEinsum.__init__

        def recording_init(plan, *args, **kwargs):
            init(plan, *args, **kwargs)
            staged_plans.append(plan.staged is not None)
        monkeypatch.setattr(TapEinsum, "__init__", recording_init)
    rng = np.random.default_rng(4000 + seed + 100 * staged)
    for case in range(14):
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (1, 1) if rng.random() < 0.6 else (int(rng.integers(1, 3)),
                                                      int(rng.integers(1, 3)))
        dm = int(rng.integers(1, 4)) if stride == (1, 1) else 1
        in_c = int(rng.choice([1, 2, 3, 5, 8, 16]))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        padding = "SAME" if case % 2 else "VALID"
        h = int(rng.integers((kh - 1) * dilation[0] + 1, 14))
        w = int(rng.integers((kw - 1) * dilation[1] + 1, 14))
        x_shape = (int(rng.integers(1, 3)), h, w, in_c)
        act = ["NONE", "RELU", "RELU6"][case % 3]
        out_zp = -128 if act != "NONE" and rng.random() < 0.5 else int(rng.integers(-128, 128))
        data, _, _ = model(rng, x_shape, kh, kw, dm, padding, stride, dilation, act, out_zp)
        check(data, x_shape, rng)
    assert not staged or any(staged_plans)          # the staged fill really ran


@pytest.mark.parametrize("x_shape,kernel,stride,padding,act", [
    ((1, 25, 5, 64), (3, 3), 1, "SAME", "RELU"),     # keyword spotting
    ((1, 48, 48, 8), (3, 3), 1, "SAME", "RELU6"),    # visual wake words
    ((1, 48, 48, 16), (3, 3), 2, "SAME", "RELU6"),
    ((1, 13, 13, 32), (3, 3), 2, "SAME", "NONE"),    # odd size: per-phase fills
    ((1, 12, 12, 32), (3, 3), 2, "VALID", "RELU"),
    ((1, 9, 10, 4), (5, 5), 2, "SAME", "NONE"),
    ((2, 7, 9, 3), (3, 3), 3, "SAME", "RELU6"),
    ((1, 33, 35, 4), (3, 3), 2, "SAME", "RELU"),     # large, odd: staged per-phase fills
    ((1, 36, 36, 3), (3, 3), 3, "SAME", "NONE"),     # large, stride 3: one staged fill
    ((1, 40, 40, 5), (4, 4), 3, "SAME", "RELU6"),
])
def test_model_like_layers(x_shape, kernel, stride, padding, act):
    rng = np.random.default_rng(sum(x_shape) + stride)
    data, _, _ = model(rng, x_shape, *kernel, 1, padding, (stride, stride), (1, 1), act, -128)
    check(data, x_shape, rng)


@pytest.mark.parametrize("dm", [1, 2, 3])
def test_depth_multipliers(dm):
    rng = np.random.default_rng(70 + dm)
    x_shape = (1, 8, 7, 5)
    data, _, _ = model(rng, x_shape, 3, 3, dm, "SAME", (1, 1), (1, 1), "NONE", 5)
    check(data, x_shape, rng)


def test_all_weights_at_the_ends():
    """Every weight -128 or 127: the largest sums a 3x3 filter can have."""
    rng = np.random.default_rng(5)
    x_shape = (1, 6, 6, 8)
    wts = np.where(rng.random((1, 3, 3, 8)) < 0.5, -128, 127)
    data, _, _ = model(rng, x_shape, 3, 3, 1, "SAME", (1, 1), (1, 1), "NONE", 0, weights=wts)
    check(data, x_shape, rng)


def test_sums_beyond_float32_use_int16_products():
    """A 32x32 filter of -128s reaches 2^24 with -128 inputs: float32 could round, so the
    kernel keeps TapLoop's int16 products."""
    rng = np.random.default_rng(6)
    x_shape = (1, 32, 33, 2)
    wts = np.full((1, 32, 32, 2), -128)
    data, _, _ = model(rng, x_shape, 32, 32, 1, "VALID", (1, 1), (1, 1), "NONE", 0,
                       weights=wts)
    check(data, x_shape, rng, plan=TapLoop)


@pytest.mark.parametrize("seed", range(3))
def test_tap_loop_still_exact(seed, monkeypatch):
    """TapLoop (int16 products), which serves sums beyond float32, on random layers."""
    monkeypatch.setattr(DepthwiseConv2D, "tap_einsum", False)
    rng = np.random.default_rng(4500 + seed)
    for case in range(8):
        stride = int(rng.integers(1, 3))
        in_c, kh, kw = int(rng.integers(1, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        x_shape = (1, int(rng.integers(kh, 10)), int(rng.integers(kw, 10)), in_c)
        act = ["NONE", "RELU", "RELU6"][case % 3]
        data, _, _ = model(rng, x_shape, kh, kw, 1, ["VALID", "SAME"][case % 2],
                           (stride, stride), (1, 1), act, -128)
        check(data, x_shape, rng, plan=TapLoop)
