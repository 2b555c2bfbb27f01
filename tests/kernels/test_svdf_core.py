"""SVDF in the compiled core (float32; int8 input with int16 or int8 state) against
tflite-micro on random layers, at every SIMD level: the node runs in C, the bytes agree across
levels and with tflite-micro invoke after invoke (the state carries over)."""
import numpy as np
import pytest

from kernels.core_check import check_levels, require_core
from kernels.test_svdf_variants import _float_case, _int_case, _svdf

require_core()
ACTS = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"]


@pytest.mark.parametrize("seed", range(4))
def test_float_random_layers(seed):
    rng = np.random.default_rng(500 + seed)
    for case in range(3):
        batch, rank = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        act = ACTS[int(rng.integers(0, len(ACTS)))]
        args, bias, batches = _float_case(1000 * seed + case, batch, rank, act)
        check_levels(_svdf(*args, (bias, None)), [[x] for x in batches])


def test_float_wide_layer():
    """More filters than a SIMD register holds, and a long input (each sum in input order)."""
    rng = np.random.default_rng(7)
    batch, n_input, n_filter, n_memory, rank = 2, 67, 40, 5, 2
    weights = (rng.standard_normal((n_filter, n_input)).astype(np.float32), None,
               rng.standard_normal((n_filter, n_memory)).astype(np.float32), None)
    bias = (rng.standard_normal(n_filter // rank).astype(np.float32), None)
    data = _svdf(batch, n_input, n_filter, n_memory, rank, "TANH", weights, bias)
    batches = [[(rng.standard_normal((batch, n_input)) * 3).astype(np.float32)] for _ in range(5)]
    check_levels(data, batches)


@pytest.mark.parametrize("state_dtype", [np.int16, np.int8])
@pytest.mark.parametrize("seed", range(3))
def test_int_random_layers(state_dtype, seed):
    rng = np.random.default_rng(600 + seed)
    for case in range(3):
        batch, rank = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        act = ["NONE", "RELU"][case % 2]
        dims, weights, bias, bs, quant, batches = _int_case(
            2000 * seed + case, batch, rank, state_dtype,
            n_memory=int(rng.integers(1, 12)))
        data = _svdf(*dims, act, weights, (bias, {"scale": bs, "zero_point": 0}), **quant)
        check_levels(data, [[x] for x in batches])


@pytest.mark.parametrize("state_dtype", [np.int16, np.int8])
def test_int_sums_wrap_and_zero_points_wrap(state_dtype):
    """Time weights and state at the ends of their type, so the int32 time sums wrap as
    TFLM's do; a state zero point far from 0 (int8), so the stored value wraps in the state's
    type; an output zero point at the end of int8."""
    dims, weights, bias, bs, quant, batches = _int_case(31, 2, 3, state_dtype, n_memory=40)
    wf, wf_q, wt, wt_q = weights
    info = np.iinfo(state_dtype)
    wt = np.where(np.arange(wt.size).reshape(wt.shape) % 2, info.max, info.min).astype(
        state_dtype)
    quant["state_q"]["scale"] /= 50                        # the state saturates
    bs = float(np.float32(quant["state_q"]["scale"]) * np.float32(wt_q["scale"]))
    if state_dtype == np.int8:
        quant["state_q"]["zero_point"] = 100
    # an output scale that spreads the (wrapped) sums over int8
    quant["y_q"] = {"scale": bs * 2.0 ** (24 if state_dtype == np.int16 else 14),
                    "zero_point": -128 if state_dtype == np.int8 else 0}
    data = _svdf(*dims, "NONE", (wf, wf_q, wt, wt_q), (bias, {"scale": bs, "zero_point": 0}),
                 **quant)
    check_levels(data, [[x] for x in batches * 3])


def test_int_without_bias():
    dims, weights, bias, bs, quant, batches = _int_case(5, 2, 2, np.int16)
    zero = (np.zeros_like(bias), {"scale": bs, "zero_point": 0})
    check_levels(_svdf(*dims, "NONE", weights, None, **quant), [[x] for x in batches],
                 oracle_data=_svdf(*dims, "NONE", weights, zero, **quant))


def test_shift_past_31_stays_on_numpy():
    """A feature scale whose multiplier needs a left shift past 30 (outside TFLM's range for
    32-bit shifts): the layer runs on numpy, never wrapped into C's fields."""
    import tinyrt
    dims, weights, bias, bs, quant, batches = _int_case(3, 1, 1, np.int16)
    quant["state_q"]["scale"] = 1e-15                 # scale_1 = sx * swf / ss ~ 2^33
    bs = float(np.float32(1e-15) * np.float32(weights[3]["scale"]))
    data = _svdf(*dims, "NONE", weights, (bias, {"scale": bs, "zero_point": 0}), **quant)
    for level in tinyrt.native.available():
        it = tinyrt.Interpreter(model_content=data, native=level)
        it.allocate_tensors()
        assert it.kernels[0].native is None
        it.set_input(batches[0], 0)
        it.invoke()
