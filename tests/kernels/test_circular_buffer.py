"""CIRCULAR_BUFFER against tflite-micro: the buffer shifts every invoke, the nodes after it run
only every cycles_max-th invoke."""
import numpy as np
import pytest

import tinyrt
from oracle import tflm_interpreter
from tinyrt.builder import ModelBuilder


def model(cycles_max):
    from flatbuffers import flexbuffers
    b = ModelBuilder()
    q = {"scale": 0.1, "zero_point": 0}
    x = b.add_input("x", (1, 1, 1, 8), np.int8, **q)
    buf = b.add_tensor("buf", (1, 4, 1, 8), np.int8, **q)
    b.add_operator("CIRCULAR_BUFFER", [x], [buf],
                   custom_options=bytes(flexbuffers.Dumps({"cycles_max": cycles_max})))
    y = b.add_tensor("y", (1, 4, 1, 8), np.int8, **q)
    b.add_operator("RELU", [buf], [y])
    b.mark_output(buf)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("cycles_max", [1, 2, 3])
def test_circular_buffer_matches_tflite_micro(cycles_max):
    data = model(cycles_max)
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    rng = np.random.default_rng(cycles_max)
    ran = 0
    for n in range(12):
        x = rng.integers(-128, 128, (1, 1, 1, 8)).astype(np.int8)
        ours.set_input(x, 0)
        theirs.set_input(x, 0)
        ours.invoke()
        status = theirs.invoke()          # 0, or kTfLiteAbort when the rest did not run
        if n < 4:
            continue  # TFLM's buffer starts as uninitialised arena bytes until 4 slots fill
        np.testing.assert_array_equal(ours.get_output(0), theirs.get_output(0))
        if status == 0:                   # the node after the buffer ran on this invoke
            ran += 1
            np.testing.assert_array_equal(ours.get_output(1), theirs.get_output(1))
    assert ran == {1: 8, 2: 4, 3: 3}[cycles_max]   # runs on every cycles_max-th invoke


def test_bad_flexbuffer_options_are_a_model_error():
    from tinyrt.builder import ModelBuilder as MB
    b = MB()
    x = b.add_input("x", (1, 1, 1, 8), np.int8, scale=0.1, zero_point=0)
    y = b.add_tensor("y", (1, 4, 1, 8), np.int8, scale=0.1, zero_point=0)
    b.add_operator("CIRCULAR_BUFFER", [x], [y], custom_options=b"\xff\xff\x07")
    b.mark_output(y)
    with pytest.raises(tinyrt.TinyrtError):
        tinyrt.Interpreter(model_content=b.build()).allocate_tensors()
