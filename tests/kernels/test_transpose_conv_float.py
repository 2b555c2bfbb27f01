"""float32 TRANSPOSE_CONV against tflite-micro, bit for bit: TFLM adds the float32 products into
each output element in a fixed order, and tinyrt must round the same way at every step."""
import numpy as np
import pytest

from kernels.single_op import SPECIAL_FLOATS, compare, one_op

F32 = np.float32
ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def model(x_shape, w, out_hw, stride, pad, bias, act):
    n = x_shape[0]
    out_c = w.shape[0]
    y_shape = (n,) + tuple(out_hw) + (out_c,)
    inputs = [(np.array(y_shape, np.int32), None), (w, None), (x_shape, F32, None)]
    if bias is not None:
        inputs.append((bias, None))
    return one_op("TRANSPOSE_CONV", inputs, [(y_shape, F32, None)], padding=pad,
                  stride_h=stride[0], stride_w=stride[1], fused_activation_function=act)


def draw(rng, shape, special_rate):
    """N(0, 2) floats; with ``special_rate`` > 0 that share replaced by edge values (+-0, +-inf,
    NaN, subnormals, huge values)."""
    x = (rng.standard_normal(shape) * 2).astype(F32)
    if special_rate:
        mask = rng.random(shape) < special_rate
        x[mask] = rng.choice(SPECIAL_FLOATS, int(mask.sum()))
    return x


def out_size(pad, size, k, s, rng):
    """An output size whose (forward) convolution gives ``size`` back: TensorFlow allows stride
    - 1 choices, which change the padding and the crop."""
    extra = int(rng.integers(0, s))
    return size * s - extra if pad == "SAME" else (size - 1) * s + k + extra


def test_reported_case():
    # 1x1x1x3 input through a 1x1x1x3 filter, VALID, stride 2x1, no bias: a plain 3-term sum
    # whose last bit depends on the order of the additions
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = rng.standard_normal((1, 1, 1, 3)).astype(F32)
        data = model((1, 1, 1, 3), w, (1, 1), (2, 1), "VALID", None, "NONE")
        batches = [[(rng.standard_normal((1, 1, 1, 3)) * 3).astype(F32)] for _ in range(40)]
        assert compare(data, batches) == 40


def test_order_sensitive_sums():
    # values of very different magnitudes over many taps and channels: every reordering of the
    # additions would change some last bits
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((3, 5, 5, 8)) * 10.0 ** rng.integers(-3, 4, (3, 5, 5, 8)))
    data = model((2, 4, 3, 8), w.astype(F32), (5, 5), (1, 1), "SAME", None, "NONE")
    batches = [[(rng.standard_normal((2, 4, 3, 8)) * 10.0 ** rng.integers(-3, 4, (2, 4, 3, 8)))
                .astype(F32)] for _ in range(4)]
    assert compare(data, batches) == 4 * 2 * 5 * 5 * 3


@pytest.mark.parametrize("seed", range(6))
def test_random(seed):
    rng = np.random.default_rng(100 + seed)
    compared = 0
    for _ in range(12):
        n = int(rng.integers(1, 4))
        h, w_ = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        c, oc = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        pad = "SAME" if rng.random() < 0.5 else "VALID"
        out_hw = (out_size(pad, h, kh, sh, rng), out_size(pad, w_, kw, sw, rng))
        weights = draw(rng, (oc, kh, kw, c), 0.0)
        if rng.random() < 0.3:      # zeros of both signs among the weights
            weights[rng.random(weights.shape) < 0.3] = rng.choice([0.0, -0.0])
        bias = None
        if rng.random() < 0.6:
            bias = draw(rng, (oc,), 0.0)
            if rng.random() < 0.3:
                bias[rng.random(oc) < 0.5] = -0.0
        act = ACTS[int(rng.integers(len(ACTS)))]
        data = model((n, h, w_, c), weights, out_hw, (sh, sw), pad, bias, act)
        batches = [[draw(rng, (n, h, w_, c), rate)] for rate in (0.0, 0.05, 0.3)]
        # all zeros of one sign or the other: an output of TFLM's zeroed +0.0 plus -0.0 terms
        batches.append([np.full((n, h, w_, c), rng.choice([0.0, -0.0]), F32)])
        compared += compare(data, batches)
    assert compared > 0


def test_infinities_and_nan_products():
    # inf x 0 (NaN), inf - inf (NaN), overflow to inf, clamped to FLT_MAX without activation
    rng = np.random.default_rng(3)
    w = np.array([0.0, -0.0, 1.0, -1.0, 3e38, -3e38, 2.0, 1e-45], F32).reshape(2, 2, 2, 1)
    for act in ACTS:
        for pad in ("SAME", "VALID"):
            # 2x2 input, 2x2 filter, stride 2: a 4x4 output for both paddings
            data = model((1, 2, 2, 1), w, (4, 4), (2, 2), pad,
                         np.array([-0.0, 0.0], F32), act)
            batches = [[rng.choice(SPECIAL_FLOATS, (1, 2, 2, 1)).astype(F32)] for _ in range(30)]
            compare(data, batches)
