"""planner="compact": a smaller head than TFLM's, the same bits out."""
import numpy as np
import pytest

import tinyrt
from oracle import random_inputs, run_both, shared_models, tflm_allocations
from tinyrt.builder import ModelBuilder
from tinyrt.memory.compact import CompactMemoryPlanner
from tinyrt.memory.streaming import overlap_gaps

MODELS = shared_models("**/*.tflite")


def compact(path_or_bytes, **kw):
    src = {"model_content": path_or_bytes} if isinstance(path_or_bytes, bytes) \
        else {"model_path": str(path_or_bytes)}
    it = tinyrt.Interpreter(planner="compact", **src, **kw)
    it.allocate_tensors()
    return it


def assert_valid(it):
    """Buffers alive at the same step share no byte, except an operator's output and the
    input it reads last, placed at least the allowed gap apart."""
    rep = it.memory_report()
    sg = it.model.main
    allowed = {}
    for op in sg.operators:
        for pos, gap in overlap_gaps(op, sg.tensors).items():
            allowed[(op.outputs[0], op.inputs[pos])] = gap
    bufs = rep.buffers
    for i, a in enumerate(bufs):
        for b in bufs[i + 1:]:
            if not (a.first_use <= b.last_use and b.first_use <= a.last_use):
                continue
            if a.offset + a.size <= b.offset or b.offset + b.size <= a.offset:
                continue
            pair = (a.index, b.index) if (a.index, b.index) in allowed else (b.index, a.index)
            assert a.kind == b.kind == "tensor" and pair in allowed, (a, b)
            out, inp = (a, b) if pair == (a.index, b.index) else (b, a)
            assert inp.offset - out.offset >= allowed[pair], (out, inp)
            assert out.first_use == inp.last_use


@pytest.mark.parametrize("name,factor", [("mlperf_tiny_vww_int8.tflite", 1.5),
                                         ("person_detect.tflite", 1.5)])
def test_head_at_least_one_and_a_half_times_smaller_than_tflms(name, factor):
    path = shared_models(name)
    if not path:
        pytest.skip("../shared/models absent")
    tflm_head = tflm_allocations(path[0])["head"]
    it = compact(path[0])
    assert tflm_head >= factor * it.memory_report().head, (tflm_head, it.memory_report().head)
    assert_valid(it)


@pytest.mark.skipif(not MODELS, reason="../shared/models absent")
def test_never_larger_than_greedy_and_always_valid():
    for path in MODELS:
        greedy = tinyrt.Interpreter(model_path=str(path), plan_unresolved=True, native=False)
        greedy.allocate_tensors()
        it = compact(path, plan_unresolved=True, native=False)
        assert it.memory_report().head <= greedy.memory_report().head, path
        assert_valid(it)


@pytest.mark.parametrize("name", ["mlperf_tiny_vww_int8.tflite", "person_detect.tflite",
                                  "mlperf_tiny_kws_int8.tflite", "micro_speech_quantized.tflite",
                                  "mobile/mobilenet_v3_small_int8.tflite"])
def test_outputs_bit_exact_with_tflm(name):
    path = shared_models(name)
    if not path:
        pytest.skip("../shared/models absent")
    it = compact(path[0])
    rng = np.random.default_rng(3)
    batches = [random_inputs(it.get_input_details(), rng) for _ in range(2)]
    for ours, theirs in run_both(path[0], batches, tinyrt_interp=it):
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_streaming_gaps():
    b = ModelBuilder()
    q = {"scale": 0.05, "zero_point": 0}
    x = b.add_input("x", (1, 8, 8, 4), np.int8, **q)
    r = b.add_tensor("r", (1, 8, 8, 4), np.int8, **q)
    v = b.add_tensor("v", (1, 256), np.int8, **q)
    w = b.add_tensor("w", (1, 8, 8, 4), np.int8, **q)
    y = b.add_tensor("y", (1, 8, 8, 16), np.int8, **q)
    b.add_operator("RELU", [x], [r])
    b.add_operator("RESHAPE", [r, b.add_constant("s", np.array([1, 256], np.int32))], [v])
    b.add_operator("RESHAPE", [v, b.add_constant("s2", np.array([1, 8, 8, 4], np.int32))], [w])
    f = b.add_constant("f", np.ones((16, 1, 1, 4), np.int8), scale=0.01, zero_point=0)
    bias = b.add_constant("b", np.zeros(16, np.int32), scale=0.0005, zero_point=0)
    b.add_operator("CONV_2D", [w, f, bias], [y], padding=1, stride_w=1, stride_h=1)
    b.mark_output(y)
    data = b.build()
    it = compact(data)
    ops = it.model.main.operators
    tensors = it.model.main.tensors
    assert overlap_gaps(ops[0], tensors) == {0: 0}          # elementwise: in place
    assert overlap_gaps(ops[1], tensors) == {0: 0}          # a view: the same bytes
    # a 1x1 convolution widening 4 -> 16 channels: before the last of its 64 pixels, the
    # output has run 63 x 12 bytes ahead of the input still to read
    assert overlap_gaps(ops[3], tensors) == {0: 63 * (16 - 4)}
    assert it.memory_report().head == 64 * 16            # the output alone, the rest inside
    assert_valid(it)
    greedy = tinyrt.Interpreter(model_content=data)
    greedy.allocate_tensors()
    x0 = np.random.default_rng(0).integers(-128, 128, (1, 8, 8, 4)).astype(np.int8)
    for interp in (it, greedy):
        interp.set_input(x0, 0)
        interp.invoke()
    assert it.get_output(0).tobytes() == greedy.get_output(0).tobytes()


def test_planner_honours_the_gap_and_keeps_others_apart():
    p = CompactMemoryPlanner()
    a = p.add_buffer(64, 0, 1)      # input read last at step 1
    c = p.add_buffer(96, 1, 2)      # output of step 1, may start 32 bytes below a
    p.add_overlap(c, a, 32)
    d = p.add_buffer(16, 0, 2)      # alive throughout: no overlap with anyone
    offs = p.plan()
    assert offs[a] - offs[c] >= 32 or offs[c] >= offs[a] + 64 or offs[a] >= offs[c] + 96
    for x in (a, c):
        assert offs[d] + 16 <= offs[x] or offs[x] + p.buffers[x].size <= offs[d]
    assert p.head_size == 96 + 16
