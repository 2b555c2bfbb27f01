"""Runtime checks and odd inputs: NaN / inf floats, non-contiguous inputs, repeated allocation."""
import numpy as np
import pytest

import tinyrt
from oracle import run_both, shared_model, tflm
from tinyrt.builder import ModelBuilder


def _quantize_model():
    b = ModelBuilder()
    x = b.add_input("x", (1, 6), np.float32)
    y = b.add_tensor("y", (1, 6), np.int8, scale=0.1, zero_point=3)
    b.add_operator("QUANTIZE", [x], [y])
    b.mark_output(y)
    return b.build()


def test_nan_and_inf_through_float_kernels_match_tflm():
    tflm()
    path = shared_model("hello_world_float.tflite")
    batches = [[np.array([[v]], np.float32)] for v in (np.nan, np.inf, -np.inf, 1e38)]
    for ours, theirs in run_both(path, batches):
        np.testing.assert_array_equal(ours[0], theirs[0])   # NaN == NaN here


def test_nan_and_inf_quantize_to_the_documented_values():
    """NaN and out-of-range values quantize as C's cast does on TFLM's targets: to the
    lowest value (NaN, -inf) or the clamp bound."""
    tflm()
    x = np.array([[np.nan, np.inf, -np.inf, 1e30, -1e30, 0.25]], np.float32)
    (ours, theirs), = run_both(_quantize_model(), [[x]])
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[0][0, 0] == -128


def test_non_contiguous_input_is_copied_in():
    it = tinyrt.Interpreter(model_content=_quantize_model())
    it.allocate_tensors()
    x = np.arange(12, dtype=np.float32).reshape(1, 12)[:, ::2]     # a strided view
    assert not x.flags.c_contiguous
    it.set_input(x, 0)
    it.invoke()
    np.testing.assert_array_equal(it.get_output(0), np.clip(np.round(x / 0.1) + 3, -128, 127))


def test_allocate_twice_is_harmless_and_invoke_repeats():
    it = tinyrt.Interpreter(model_content=_quantize_model())
    it.allocate_tensors()
    it.allocate_tensors()
    for v in (0.5, -0.5):
        it.set_input(np.full((1, 6), v, np.float32), 0)
        it.invoke()
        assert it.get_output(0)[0, 0] == (8 if v > 0 else -2)


def test_get_tensor_returns_a_copy_and_tensor_a_live_view():
    it = tinyrt.Interpreter(model_content=_quantize_model())
    it.allocate_tensors()
    idx = it.get_output_details()[0]["index"]
    it.set_input(np.zeros((1, 6), np.float32), 0)
    it.invoke()
    copy = it.get_tensor(idx)
    view = it.tensor(idx)()
    copy[...] = 100
    assert it.get_tensor(idx)[0, 0] == 3
    view[...] = 7
    assert it.get_tensor(idx)[0, 0] == 7


def test_constant_tensor_cannot_be_set():
    b = ModelBuilder()
    x = b.add_input("x", (2,), np.float32)
    c = b.add_constant("c", np.ones(2, np.float32))
    y = b.add_tensor("y", (2,), np.float32)
    b.add_operator("ADD", [x, c], [y])
    b.mark_output(y)
    it = tinyrt.Interpreter(model_content=b.build())
    it.allocate_tensors()
    with pytest.raises(tinyrt.InputError, match="constant"):
        it.set_tensor(c, np.zeros(2, np.float32))


def test_subgraph_call_cycle_is_a_model_error():
    """Subgraph 1 holds an IF whose branches are subgraph 1 itself."""
    b = ModelBuilder()
    sub = b.add_subgraph("loop")
    c1 = sub.add_input("c", (1,), np.bool_)
    v1 = sub.add_input("v", (2,), np.float32)
    o1 = sub.add_tensor("o", (2,), np.float32)
    sub.add_operator("IF", [c1, c1, v1], [o1], then_subgraph_index=1, else_subgraph_index=1)
    sub.mark_output(o1)
    c = b.add_input("c", (1,), np.bool_)
    v = b.add_input("v", (2,), np.float32)
    o = b.add_tensor("o", (2,), np.float32)
    b.add_operator("IF", [c, c, v], [o], then_subgraph_index=1, else_subgraph_index=1)
    b.mark_output(o)
    with pytest.raises(tinyrt.ModelError, match="cycle"):
        tinyrt.Interpreter(model_content=b.build()).allocate_tensors()


@pytest.mark.parametrize("where", ["dangling", "input", "output"])
def test_empty_tensor_with_unrepresentable_shape_runs_as_in_tflm(where):
    """numpy cannot hold an array of shape (0, 2^31-1, 2^31-1, 2^31-1) (np.zeros raised a bare
    ValueError in allocate_tensors); tflite-micro runs a model with such a tensor."""
    from tinyrt.builder import ModelBuilder
    big = 2 ** 31 - 1
    b = ModelBuilder()
    x = b.add_input("x", (1, 4), np.float32)
    y = b.add_tensor("y", (1, 4), np.float32)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    if where == "dangling":
        b.add_tensor("empty", (0, big, big, big), np.float32)
    elif where == "input":
        b.add_input("empty", (0, big, big, big), np.float32)
    else:
        b.mark_output(b.add_tensor("empty", (0, big, big, big), np.float32))
    data = b.build()
    x = np.array([[-1, 2, -3, 4]], np.float32)
    it = tinyrt.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_input(x, 0)
    it.invoke()
    from oracle import tflm_interpreter
    ref = tflm_interpreter(data)
    ref.set_input(x, 0)
    ref.invoke()
    np.testing.assert_array_equal(it.get_output(0), ref.get_output(0))
    np.testing.assert_array_equal(it.get_output(0), [[0, 2, 0, 4]])
