"""SVDF in every variant: float32 and int8 (int16 or int8 state) against tflite-micro, hybrid
(float32 activations, int8 weights) against LiteRT's reference kernels. Several invokes per
model so the state carries over; rank 1 and above, batch 1 and above, every fused activation,
with and without bias."""
import warnings

import numpy as np
import pytest

import tinyrt
from kernels.single_op import SPECIAL_FLOATS, assert_matches_litert, both_fail, compare
from tinyrt.builder import ModelBuilder

# SIGMOID (code 6) is read as NONE by both oracles' flatbuffer readers
ACTIVATIONS = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT", "SIGMOID"]
INVOKES = 6


def _svdf(batch, n_input, n_filter, n_memory, rank, act, weights, bias, state_dtype=np.float32,
          x_q=None, state_q=None, y_q=None, asymmetric=False):
    """A one-SVDF model. ``weights``: (feature array, feature quant, time array, time quant);
    ``bias``: (array, quant), or None for an absent bias."""
    b = ModelBuilder()
    x_dtype = np.int8 if x_q else np.float32
    x = b.add_input("x", (batch, n_input), x_dtype, **(x_q or {}))
    wf, wf_q, wt, wt_q = weights
    ins = [x, b.add_constant("wf", wf, **(wf_q or {})), b.add_constant("wt", wt, **(wt_q or {}))]
    ins.append(-1 if bias is None else b.add_constant("bias", bias[0], **(bias[1] or {})))
    ins.append(b.add_variable("state", (batch, n_filter * n_memory), state_dtype,
                              **(state_q or {})))
    y = b.add_tensor("y", (batch, n_filter // rank), x_dtype, **(y_q or {}))
    options = {"rank": rank, "fused_activation_function": act}
    if asymmetric:
        options["asymmetric_quantize_inputs"] = True
    b.add_operator("SVDF", ins, [y], **options)
    b.mark_output(y)
    return b.build()


def _tinyrt(data):
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    return it


def _compare_tflm(data, batches, oracle_data=None):
    """tinyrt on ``data`` and tflite-micro on ``oracle_data`` (default the same model), invoke
    after invoke on the same two interpreters: identical outputs."""
    assert compare(data, [[x] for x in batches], oracle_data=oracle_data) > 0


def _compare_litert(data, batches):
    """tinyrt and LiteRT's reference kernels invoke after invoke: identical bits. No tolerance
    is needed: the hybrid kernel repeats LiteRT's float operations in LiteRT's order."""
    assert_matches_litert(data, batches)


# -- float32 against tflite-micro ---------------------------------------------------------------
def _float_case(seed, batch, rank, act):
    rng = np.random.default_rng(seed)
    n_input, n_unit, n_memory = int(rng.integers(1, 9)), int(rng.integers(1, 5)), \
        int(rng.integers(1, 6))
    n_filter = n_unit * rank
    weights = (rng.standard_normal((n_filter, n_input)).astype(np.float32), None,
               rng.standard_normal((n_filter, n_memory)).astype(np.float32), None)
    bias = rng.standard_normal(n_unit).astype(np.float32)
    batches = [(rng.standard_normal((batch, n_input)) * 2).astype(np.float32)
               for _ in range(INVOKES)]
    args = (batch, n_input, n_filter, n_memory, rank, act, weights)
    return args, bias, batches


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("batch,rank", [(1, 1), (3, 2), (2, 3)])
def test_float_matches_tflm(act, batch, rank):
    args, bias, batches = _float_case(ACTIVATIONS.index(act) * 10 + rank, batch, rank, act)
    _compare_tflm(_svdf(*args, (bias, None)), batches)


@pytest.mark.parametrize("act", ["NONE", "RELU", "TANH"])
@pytest.mark.parametrize("batch,rank", [(1, 1), (2, 3)])
def test_float_without_bias_matches_tflm_with_a_zero_bias(act, batch, rank):
    """tflite-micro dereferences an absent SVDF bias (it crashes), so the oracle runs the same
    model with an explicit zero bias: adding +0.0 first changes no bit of the sums."""
    args, bias, batches = _float_case(100 + rank, batch, rank, act)
    zero = (np.zeros_like(bias), None)
    _compare_tflm(_svdf(*args, None), batches, oracle_data=_svdf(*args, zero))


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_float_special_values_match_tflm(act):
    """inf and NaN through the products and every activation (TFLM's fmax / fmin let a bound
    win over NaN, and a fused activation keeps infinities)."""
    rng = np.random.default_rng(7)
    batch, n_input, n_unit, rank, n_memory = 2, 5, 4, 2, 3
    n_filter = n_unit * rank
    weights = (rng.standard_normal((n_filter, n_input)).astype(np.float32), None,
               rng.standard_normal((n_filter, n_memory)).astype(np.float32), None)
    bias = (rng.standard_normal(n_unit).astype(np.float32), None)
    data = _svdf(batch, n_input, n_filter, n_memory, rank, act, weights, bias)
    batches = []
    # one special value in some invokes, so that the state is not all NaN afterwards
    specials = {1: np.nan, 2: -np.inf, 3: SPECIAL_FLOATS[12], 4: SPECIAL_FLOATS[13]}
    for k in range(INVOKES):
        x = (rng.standard_normal((batch, n_input)) * 3).astype(np.float32)
        if k in specials:
            x[k % batch, k % n_input] = specials[k]
        batches.append(x)
    batches.append(np.full((batch, n_input), 1e30, np.float32))      # products overflow
    batches.append(np.full((batch, n_input), np.inf, np.float32))
    _compare_tflm(data, batches)


# -- int8 against tflite-micro -----------------------------------------------------------------
def _int_case(seed, batch, rank, state_dtype, n_memory=None):
    rng = np.random.default_rng(seed)
    n_input, n_unit = int(rng.integers(1, 12)), int(rng.integers(1, 5))
    n_memory = n_memory or int(rng.integers(1, 7))
    n_filter = n_unit * rank
    f32 = np.float32
    sx, zx = float(rng.uniform(0.01, 0.1)), int(rng.integers(-30, 31))
    swf = float(rng.uniform(0.002, 0.02))
    wf = rng.integers(-127, 128, (n_filter, n_input)).astype(np.int8)
    info = np.iinfo(state_dtype)
    # state scale: typical feature sums land in a tenth of the state's range
    typical = sx * swf * 64 * 64 * np.sqrt(n_input)
    ss = float(typical / (info.max / 10) * rng.uniform(0.5, 2))
    zs = 0 if state_dtype == np.int16 else int(rng.integers(-10, 11))
    wt_range = 127 if state_dtype == np.int8 else 20000
    wt = rng.integers(-wt_range, wt_range + 1, (n_filter, n_memory)).astype(state_dtype)
    swt = float(rng.uniform(0.001, 0.01))
    bias_scale = float(f32(ss) * f32(swt))
    acts = (info.max / 10) * wt_range / 2 * np.sqrt(n_memory * rank)
    sy, zy = float(bias_scale * acts / 30 * rng.uniform(0.5, 2)), int(rng.integers(-20, 21))
    bias = rng.integers(-int(acts), int(acts) + 1, n_unit).astype(np.int32)
    weights = (wf, {"scale": swf, "zero_point": 0}, wt, {"scale": swt, "zero_point": 0})
    quant = dict(state_dtype=state_dtype, x_q={"scale": sx, "zero_point": zx},
                 state_q={"scale": ss, "zero_point": zs}, y_q={"scale": sy, "zero_point": zy})
    batches = [rng.integers(-128, 128, (batch, n_input)).astype(np.int8) for _ in range(INVOKES)]
    batches[2][...] = 127
    batches[3][...] = -128
    return (batch, n_input, n_filter, n_memory, rank), weights, bias, bias_scale, quant, batches


@pytest.mark.parametrize("state_dtype", [np.int16, np.int8])
@pytest.mark.parametrize("act", ["NONE", "RELU"])
@pytest.mark.parametrize("batch,rank", [(1, 1), (3, 2), (2, 4)])
def test_int8_matches_tflm(state_dtype, act, batch, rank):
    for seed in range(3):
        dims, weights, bias, bs, quant, batches = _int_case(
            seed * 100 + batch * 10 + rank, batch, rank, state_dtype)
        data = _svdf(*dims, act, weights, (bias, {"scale": bs, "zero_point": 0}), **quant)
        _compare_tflm(data, batches)


@pytest.mark.parametrize("state_dtype", [np.int16, np.int8])
def test_int8_without_bias_matches_tflm_with_a_zero_bias(state_dtype):
    """tflite-micro reads the scale of an absent SVDF bias (a crash), so the oracle gets a
    zero bias."""
    dims, weights, bias, bs, quant, batches = _int_case(5, 2, 2, state_dtype)
    zero = (np.zeros_like(bias), {"scale": bs, "zero_point": 0})
    _compare_tflm(_svdf(*dims, "NONE", weights, None, **quant), batches,
                  oracle_data=_svdf(*dims, "NONE", weights, zero, **quant))


def test_int8_long_memory_saturating_state():
    """A long memory and inputs that saturate the int16 state: the clamp before storing."""
    dims, weights, bias, bs, quant, batches = _int_case(11, 2, 2, np.int16, n_memory=16)
    quant["state_q"]["scale"] /= 20
    batches = batches * 4
    _compare_tflm(_svdf(*dims, "RELU", weights, (bias, {"scale": bs, "zero_point": 0}),
                        **quant), batches)


def test_int8_refusals():
    dims, weights, bias, bs, quant, batches = _int_case(3, 1, 1, np.int16)
    # a bias whose scale is not the state's times the time weights': both refuse
    both_fail(_svdf(*dims, "NONE", weights, (bias, {"scale": bs * 3, "zero_point": 0}), **quant),
              batches[:1])
    # a float bias in an integer model (as a mutated file can have): refused without warnings
    nan_bias = (np.full(bias.shape, np.nan, np.float32), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(tinyrt.OpError, match="int32 bias"):
            _tinyrt(_svdf(*dims, "NONE", weights, nan_bias, **quant))
    # a zero state scale gives no multiplier
    quant["state_q"]["scale"] = 0.0
    with pytest.raises(tinyrt.OpError, match="multiplier"):
        _tinyrt(_svdf(*dims, "NONE", weights, (bias, {"scale": bs, "zero_point": 0}), **quant))


# -- hybrid against LiteRT ---------------------------------------------------------------------
def _hybrid_case(seed, batch, rank, n_input=None):
    rng = np.random.default_rng(seed)
    n_input = n_input or int(rng.integers(1, 20))
    n_unit, n_memory = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    n_filter = n_unit * rank
    weights = (rng.integers(-127, 128, (n_filter, n_input)).astype(np.int8),
               {"scale": float(rng.uniform(0.005, 0.05)), "zero_point": 0},
               rng.integers(-127, 128, (n_filter, n_memory)).astype(np.int8),
               {"scale": float(rng.uniform(0.005, 0.05)), "zero_point": 0})
    bias = (rng.standard_normal(n_unit).astype(np.float32), None)
    batches = []
    for k in range(INVOKES + 2):
        x = (rng.standard_normal((batch, n_input)) * rng.uniform(0.1, 5)).astype(np.float32)
        if k == 1:
            x[0] = 0                                       # one all-zero row
        if k == 2:
            x[...] = 0                                     # the whole input zero
        if k == 3:
            x = np.abs(x)                                  # all positive: zero point -128
        if k == 4:
            x = -np.abs(x)                                 # all negative: zero point 127
        batches.append(x)
    return (batch, n_input, n_filter, n_memory, rank), weights, bias, batches


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("batch,rank", [(1, 1), (3, 2), (2, 3)])
def test_hybrid_matches_litert(asymmetric, act, batch, rank):
    for seed in range(2):
        dims, weights, bias, batches = _hybrid_case(seed * 50 + batch * 7 + rank, batch, rank)
        _compare_litert(_svdf(*dims, act, weights, bias, asymmetric=asymmetric), batches)


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize("act", ["NONE", "RELU6"])
def test_hybrid_without_bias_matches_litert(asymmetric, act):
    dims, weights, _, batches = _hybrid_case(77, 2, 2)
    _compare_litert(_svdf(*dims, act, weights, None, asymmetric=asymmetric), batches)


@pytest.mark.parametrize("asymmetric", [False, True])
def test_hybrid_many_random_models_match_litert(asymmetric):
    """Many seeds over a wide input depth (sums well past 2^24 stay exact), RELU_N1_TO_1 and
    TANH whose bounds and curve see many values."""
    for seed in range(12):
        act = ["TANH", "RELU_N1_TO_1", "NONE"][seed % 3]
        dims, weights, bias, batches = _hybrid_case(1000 + seed, 1 + seed % 3, 1 + seed % 2,
                                                    n_input=[3, 64, 700][seed % 3])
        _compare_litert(_svdf(*dims, act, weights, bias, asymmetric=asymmetric), batches)


def test_hybrid_tanh_is_eigens_on_many_values():
    """LiteRT's fused tanh is Eigen's rational approximation, not the C library's: check it
    over a wide spread of pre-activation values (one unit per value, memory 1)."""
    rng = np.random.default_rng(3)
    n = 512
    weights = (np.eye(n, dtype=np.int8) * 127, {"scale": 1 / 127, "zero_point": 0},
               np.ones((n, 1), np.int8), {"scale": 1.0, "zero_point": 0})
    data = _svdf(1, n, n, 1, 1, "TANH", weights, None)
    batches = [np.concatenate([rng.uniform(-12, 12, n - 8), [0, 1e-6, -1e-5, 7.9, -7.91, 20,
                                                             -30, 0.3]]).astype(np.float32)[None]
               for _ in range(4)]
    batches += [(rng.uniform(-1, 1, (1, n)) * 10.0 ** rng.uniform(-6, 1, (1, n))).astype(np.float32)
                for _ in range(4)]
    _compare_litert(data, batches)


@pytest.mark.parametrize("asymmetric", [False, True])
def test_hybrid_infinite_input_matches_litert(asymmetric):
    """An infinite input value makes the row's scale infinite: the quantized value of the
    infinity is C's NaN-to-int conversion, the sums become inf or NaN as in LiteRT."""
    dims, weights, bias, batches = _hybrid_case(9, 2, 2)
    batches[1][1, 0] = np.inf
    batches[5][0, -1] = -np.inf
    _compare_litert(_svdf(*dims, "NONE", weights, bias, asymmetric=asymmetric), batches)


def test_hybrid_refusals():
    dims, weights, bias, batches = _hybrid_case(4, 1, 1)
    wf, wf_q, wt, wt_q = weights
    n_filter = wf.shape[0]
    per_channel = {"scale": [0.01] * n_filter, "zero_point": [0] * n_filter}
    with pytest.raises(tinyrt.OpError, match="per-tensor"):
        _tinyrt(_svdf(*dims, "NONE", (wf, per_channel, wt, wt_q), bias))
    with pytest.raises(tinyrt.OpError, match="symmetric"):
        _tinyrt(_svdf(*dims, "NONE", (wf, wf_q, wt, {"scale": 0.01, "zero_point": 3}), bias))
    with pytest.raises(tinyrt.OpError, match="int8 time weights"):
        _tinyrt(_svdf(*dims, "NONE", (wf, wf_q, wt.astype(np.float32), None), bias))
