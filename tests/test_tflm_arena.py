"""TFLM's whole arena predicted: the smallest arena_size tflite-micro allocates with (64-bit
host build, the wheel) and the Cortex-M figure, checked against the wheel by allocating at the
predicted size and one byte below."""
import numpy as np
import pytest

from oracle import shared_models, tflm, tflm_allocates
from tinyrt.model import load_model
from tinyrt.memory.tflm_arena import tflm_arena, tflm_arena_bytes

MODELS = shared_models("**/*.tflite")
LOADS_IN_TFLM = 256 << 20    # an arena no model here needs: TFLM lacks a kernel if it fails


def assert_smallest(data, predicted):
    assert tflm_allocates(data, predicted), f"tflite-micro fails with {predicted} bytes"
    assert not tflm_allocates(data, predicted - 1), f"tflite-micro works with {predicted - 1}"


@pytest.mark.skipif(not MODELS, reason="../shared/models absent")
@pytest.mark.parametrize("path", MODELS, ids=[str(p.relative_to(p.parents[1]) if p.parent.name
                                                  != "models" else p.name) for p in MODELS])
def test_host64_is_the_smallest_arena_tflite_micro_allocates(path):
    tflm()
    data = path.read_bytes()
    predicted = tflm_arena(load_model(data))
    if not tflm_allocates(data, LOADS_IN_TFLM):
        assert predicted.missing_ops, "tflite-micro cannot allocate it, yet no op is missing"
        pytest.skip(f"tflite-micro has no kernel for {', '.join(predicted.missing_ops)}")
    assert not predicted.missing_ops
    assert_smallest(data, predicted.host64)


# TFLM built for Cortex-M4F (GCC 12.2 -O2, reference kernels) reports these arena_used_bytes.
CORTEX_M_USED = {"person_detect.tflite": 82_292, "mlperf_tiny_vww_int8.tflite": 100_660,
                 "mlperf_tiny_kws_int8.tflite": 22_772, "micro_speech_quantized.tflite": 6_788,
                 "keyword_scrambled.tflite": 13_172, "hello_world_int8.tflite": 676}


@pytest.mark.parametrize("name", sorted(CORTEX_M_USED))
def test_cortex_m_covers_what_tflm_uses_on_the_device(name):
    path = shared_models(name)
    if not path:
        pytest.skip("../shared/models absent")
    used = CORTEX_M_USED[name]
    r = tflm_arena(load_model(str(path[0])))
    assert used <= r.cortex_m <= used * 1.3 + 512, (r.cortex_m, used)
    # the tail alone (no prepare temporaries) is within a few structs of the device's
    assert abs(r.head + r.tail_cortex_m - used) <= 128


def _lstm(dtype):
    from kernels.test_lstm_int import lstm_model
    return lstm_model(np.random.default_rng(6), dtype, 3, 7, 10, 6)[0]


def _control_flow():
    from kernels.test_ops import _counter_model
    return _counter_model()


def _call_once_and_resource_variable():
    from kernels.test_ops import resource_variable_model
    return resource_variable_model(1.0)


def _svdf():
    from kernels import test_svdf_variants as sv
    dims, weights, bias, bs, quant, _ = sv._int_case(1, 3, 2, np.int8)
    return sv._svdf(*dims, "RELU", weights, (bias, {"scale": bs, "zero_point": 0}), **quant)


BUILT = {"lstm_int8": lambda: _lstm(np.int8), "lstm_int16": lambda: _lstm(np.int16),
         "lstm_float": lambda: _lstm(np.float32), "while_and_if": _control_flow,
         "call_once_resource_variable": _call_once_and_resource_variable, "svdf_int8": _svdf}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_host64_on_lstm_svdf_and_control_flow(name):
    tflm()
    data = BUILT[name]()
    assert_smallest(data, tflm_arena_bytes(load_model(data))["host64"])


def _one_op(op, dtype, n_inputs=1, alpha=False, out_q=None, **options):
    from kernels.single_op import one_op
    q = None if dtype == np.float32 else {"scale": 0.05, "zero_point": 0 if dtype == np.int16
                                          else 3}
    ins = [((2, 8, 3), dtype, q) for _ in range(n_inputs)]
    if alpha:
        ins.append((np.full((3,), 2 if dtype != np.float32 else 0.1, dtype), q))
    return one_op(op, ins, [((2, 8, 3), dtype, out_q or q)], **options)


ONE_OP = {
    "relu_int16": lambda: _one_op("RELU", np.int16),
    "relu6_int8": lambda: _one_op("RELU6", np.int8),
    "prelu_int8": lambda: _one_op("PRELU", np.int8, alpha=True),
    "elu_int8": lambda: _one_op("ELU", np.int8),
    "tanh_int8": lambda: _one_op("TANH", np.int8),
    "logistic_int8": lambda: _one_op("LOGISTIC", np.int8,
                                     out_q={"scale": 1 / 256, "zero_point": -128}),
    "add_n_int8": lambda: _one_op("ADD_N", np.int8, n_inputs=3),
    "add_n_float": lambda: _one_op("ADD_N", np.float32, n_inputs=3),
}


@pytest.mark.parametrize("name", sorted(ONE_OP))
def test_host64_on_kernels_with_op_data(name):
    tflm()
    data = ONE_OP[name]()
    assert_smallest(data, tflm_arena_bytes(load_model(data))["host64"])
