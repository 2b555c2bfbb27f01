"""The planners and the arena: TFLM's greedy planner reproduced, heads no larger than TFLM's."""
import numpy as np
import pytest

import tinyrt
from oracle import shared_models, tflm_allocations
from tinyrt.memory import GreedyMemoryPlanner, LinearMemoryPlanner


def test_greedy_reuses_memory_of_dead_buffers():
    p = GreedyMemoryPlanner()
    p.add_buffer(100, 0, 1)
    p.add_buffer(50, 1, 2)
    p.add_buffer(100, 2, 3)   # may reuse the first buffer's bytes
    assert p.plan() == [0, 100, 0]
    assert p.head_size == 150


def test_greedy_places_largest_first_and_later_added_first_among_equals():
    p = GreedyMemoryPlanner()
    a = p.add_buffer(32, 0, 2)
    b = p.add_buffer(32, 0, 2)
    c = p.add_buffer(64, 0, 2)
    offs = p.plan()
    assert offs[c] == 0 and offs[b] == 64 and offs[a] == 96


def test_greedy_fills_a_gap_first_fit():
    p = GreedyMemoryPlanner()
    p.add_buffer(64, 0, 0)    # dies at step 0
    p.add_buffer(64, 0, 3)
    p.add_buffer(48, 2, 3)    # fits where the first one was
    offs = p.plan()
    assert offs[2] == offs[0]
    assert p.head_size == 128


def test_greedy_honours_offline_offsets():
    p = GreedyMemoryPlanner()
    p.add_buffer(64, 0, 3, offline_offset=64)
    p.add_buffer(64, 0, 3)
    assert p.plan() == [64, 0]


def test_linear_never_reuses():
    p = LinearMemoryPlanner()
    for i in range(3):
        p.add_buffer(16, i, i)
    assert p.plan() == [0, 16, 32]


MODELS = shared_models()


@pytest.mark.skipif(not MODELS, reason="../shared/models absent")
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_head_not_above_tflm(path):
    # Models with ops tinyrt lacks (the audio preprocessors' Signal ops) are planned with those
    # ops assumed to need no scratch (TFLM's own head for them comes out the same).
    it = tinyrt.Interpreter(model_path=str(path), plan_unresolved=True)
    it.allocate_tensors()
    ours = it.memory_report()
    theirs = tflm_allocations(path)
    assert ours.head <= theirs["head"], (ours.head, theirs)


def test_arena_size_none_is_exactly_what_is_needed():
    path = shared_models("hello_world_int8.tflite")
    if not path:
        pytest.skip("../shared/models absent")
    it = tinyrt.Interpreter(model_path=str(path[0]))
    it.allocate_tensors()
    rep = it.memory_report()
    assert rep.arena_size == rep.used
    it2 = tinyrt.Interpreter(model_path=str(path[0]), arena_size=rep.used)
    it2.allocate_tensors()
    with pytest.raises(tinyrt.ArenaTooSmallError, match=f"needs {rep.used}"):
        tinyrt.Interpreter(model_path=str(path[0]), arena_size=rep.used - 1).allocate_tensors()


def test_shared_arena_stacks_tails_and_shares_the_head():
    paths = [shared_models(n) for n in ("hello_world_int8.tflite", "micro_speech_quantized.tflite")]
    if not all(paths):
        pytest.skip("../shared/models absent")
    paths = [str(p[0]) for p in paths]
    alone = []
    for p in paths:
        it = tinyrt.Interpreter(model_path=p)
        it.allocate_tensors()
        alone.append(it)
    shared = tinyrt.SharedArena(64 * 1024)
    tenants = [tinyrt.Interpreter(model_path=p, arena=shared) for p in paths]
    for it in tenants:
        it.allocate_tensors()
    reports = [it.memory_report() for it in alone]
    assert shared.head_max == max(r.head for r in reports)
    assert shared.used == shared.head_max + sum(r.tail for r in reports)
    rng = np.random.default_rng(0)
    for _ in range(3):  # interleaved invokes, inputs set before each one
        for solo, tenant in zip(alone, tenants):
            d = solo.get_input_details()[0]
            x = rng.integers(-128, 128, size=tuple(d["shape"])).astype(np.int8)
            solo.set_input(x, 0)
            tenant.set_input(x, 0)
            solo.invoke()
            tenant.invoke()
            np.testing.assert_array_equal(solo.get_output(0), tenant.get_output(0))


def test_shared_arena_too_small_names_the_other_tenants():
    path = shared_models("keyword_scrambled.tflite")  # 10 KB of state in its tail
    if not path:
        pytest.skip("../shared/models absent")
    shared = tinyrt.SharedArena(16_000)
    tinyrt.Interpreter(model_path=str(path[0]), arena=shared).allocate_tensors()
    with pytest.raises(tinyrt.ArenaTooSmallError, match="beside 1 other interpreter"):
        tinyrt.Interpreter(model_path=str(path[0]), arena=shared).allocate_tensors()


def model_with_unknown_custom_op():
    """RELU -> a custom op no resolver has -> RELU, int8 8x8."""
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    q = {"scale": 0.1, "zero_point": 0}
    x = b.add_input("x", (1, 64), np.int8, **q)
    h = b.add_tensor("h", (1, 64), np.int8, **q)
    g = b.add_tensor("g", (1, 64), np.int8, **q)
    y = b.add_tensor("y", (1, 64), np.int8, **q)
    b.add_operator("RELU", [x], [h])
    b.add_operator("VendorFrontEnd", [h], [g], custom_options=b"")
    b.add_operator("RELU", [g], [y])
    b.mark_output(y)
    return b.build()


def test_plan_unresolved_plans_but_does_not_run():
    data = model_with_unknown_custom_op()
    with pytest.raises(tinyrt.UnsupportedOpError, match="VendorFrontEnd"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
    it = tinyrt.Interpreter(model_content=data, plan_unresolved=True)
    it.allocate_tensors()
    assert it.memory_report().head == 128 and it.unresolved_ops
    with pytest.raises(tinyrt.UnsupportedOpError, match="plan memory only"):
        it.invoke()

