"""Clean errors for what users get wrong: each one a tinyrt exception with a useful message."""
import numpy as np
import pytest

import tinyrt
from oracle import shared_model


@pytest.fixture
def hello():
    return shared_model("hello_world_int8.tflite")


def test_unregistered_op_names_op_and_node(hello):
    it = tinyrt.Interpreter(model_path=str(hello), op_resolver=tinyrt.OpResolver())
    with pytest.raises(tinyrt.UnsupportedOpError, match=r"FULLY_CONNECTED \(node 0\)"):
        it.allocate_tensors()


def test_resolver_with_the_op_registered_works(hello):
    it = tinyrt.Interpreter(model_path=str(hello),
                            op_resolver=tinyrt.OpResolver(["FULLY_CONNECTED"]))
    it.allocate_tensors()
    it.set_input(np.zeros((1, 1), np.int8), 0)
    it.invoke()


def test_resolver_rejects_unknown_op_name():
    with pytest.raises(tinyrt.TinyrtError, match="no kernel for 'NOT_AN_OP'"):
        tinyrt.OpResolver(["NOT_AN_OP"])


def test_arena_too_small_says_how_many_bytes(hello):
    needed = tinyrt.Interpreter(model_path=str(hello))
    needed.allocate_tensors()
    n = needed.memory_report().used
    it = tinyrt.Interpreter(model_path=str(hello), arena_size=16)
    with pytest.raises(tinyrt.ArenaTooSmallError, match=f"arena is 16 bytes; this model needs {n}") as e:
        it.allocate_tensors()
    assert e.value.needed == n


def test_user_arena_buffer_is_used(hello):
    buf = bytearray(4096)
    it = tinyrt.Interpreter(model_path=str(hello), arena=buf)
    it.allocate_tensors()
    it.set_input(np.full((1, 1), 7, np.int8), 0)
    idx = it.get_input_details()[0]["index"]
    (plan,) = [p for p in it.memory_report().buffers if p.kind == "tensor" and p.index == idx]
    assert buf[plan.offset] == 7  # the input lives at its planned offset in the caller's arena


def test_set_tensor_wrong_shape_and_dtype(hello):
    it = tinyrt.Interpreter(model_path=str(hello))
    it.allocate_tensors()
    idx = it.get_input_details()[0]["index"]
    with pytest.raises(tinyrt.InputError, match=r"got shape \[1, 2\], expected \[1, 1\]"):
        it.set_tensor(idx, np.zeros((1, 2), np.int8))
    with pytest.raises(tinyrt.InputError, match="got float32 data, expected int8"):
        it.set_tensor(idx, np.zeros((1, 1), np.float32))
    with pytest.raises(tinyrt.InputError, match="out of range"):
        it.set_tensor(10_000, np.zeros((1, 1), np.int8))
    with pytest.raises(tinyrt.InputError, match="input index 3 is out of range"):
        it.set_input(np.zeros((1, 1), np.int8), 3)
    # LiteRT raises ValueError here; code catching that keeps working.
    with pytest.raises(ValueError):
        it.set_tensor(idx, np.zeros((2, 1), np.int8))


def test_invoke_before_allocate(hello):
    it = tinyrt.Interpreter(model_path=str(hello))
    with pytest.raises(tinyrt.StateError, match="allocate_tensors"):
        it.invoke()
    with pytest.raises(tinyrt.StateError, match="allocate_tensors"):
        it.set_input(np.zeros((1, 1), np.int8), 0)


def test_truncated_file(hello):
    data = hello.read_bytes()
    for n in (0, 3, 7, 100, len(data) // 2, len(data) - 1):
        with pytest.raises(tinyrt.ModelError):
            tinyrt.Interpreter(model_content=data[:n]).allocate_tensors()


def test_not_a_flatbuffer(tmp_path):
    p = tmp_path / "x.tflite"
    p.write_bytes(b"this is not a model at all, just text" * 4)
    with pytest.raises(tinyrt.ModelError, match="not a .tflite file"):
        tinyrt.Interpreter(model_path=str(p))


def test_missing_file():
    with pytest.raises(tinyrt.ModelError, match="cannot read model file"):
        tinyrt.Interpreter(model_path="/no/such/model.tflite")


def test_model_path_and_content_are_exclusive(hello):
    with pytest.raises(tinyrt.TinyrtError, match="exactly one"):
        tinyrt.Interpreter()
    with pytest.raises(tinyrt.TinyrtError, match="exactly one"):
        tinyrt.Interpreter(model_path=str(hello), model_content=hello.read_bytes())


def _add_with_intermediate(shape):
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    x = b.add_input("x", (2, 3), np.float32)
    y = b.add_tensor("y", (2, 3), np.float32)
    scratch = b.add_tensor("scratch", shape, np.float32)
    b.add_operator("ADD", [x, x], [y], intermediates=[scratch])
    b.mark_output(y)
    return b.build()


def test_intermediate_tensor_with_bytes_is_refused_as_tflm_does():
    from kernels.single_op import both_fail
    data = _add_with_intermediate((4,))
    both_fail(data, [np.ones((2, 3), np.float32)])
    with pytest.raises(tinyrt.OpError, match=r"ADD \(node 0\).*intermediate tensor 2 \('scratch'\)"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()


def test_empty_intermediate_tensor_is_accepted():
    from oracle import run_both
    data = _add_with_intermediate((0,))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    ((ours, theirs),) = run_both(data, [[x]])
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[0], 2 * x)
