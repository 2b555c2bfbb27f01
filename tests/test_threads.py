"""Threads: an interpreter runs one invoke at a time (a second concurrent invoke is a
StateError); separate interpreters in separate threads give the same bits as run alone."""
import threading

import numpy as np
import pytest

import tinyrt
from oracle import shared_model


def test_second_concurrent_invoke_is_a_state_error():
    it = tinyrt.Interpreter(model_path=str(shared_model("hello_world_int8.tflite")))
    it.allocate_tensors()
    x = np.full((1, 1), 40, np.int8)
    it.set_input(x, 0)
    it.invoke()
    expected = it.get_output(0)
    # hold the first node of one invoke until the other thread has tried its own
    started, release = threading.Event(), threading.Event()
    fn, ins, outs = it._steps[0]

    def held(i, o):
        started.set()
        assert release.wait(10)
        fn(i, o)
    it._steps[0] = (held, ins, outs)
    errors = []
    it.set_input(x, 0)
    first = threading.Thread(target=lambda: errors.append(_try(it.invoke)))
    first.start()
    assert started.wait(10)
    with pytest.raises(tinyrt.StateError, match="already running on this interpreter"):
        it.invoke()
    release.set()
    first.join(10)
    assert errors == [None]
    np.testing.assert_array_equal(it.get_output(0), expected)
    it._steps[0] = (fn, ins, outs)
    it.set_input(x, 0)
    it.invoke()            # the lock is free again
    np.testing.assert_array_equal(it.get_output(0), expected)


def _try(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - reported to the main thread
        return e
    return None


@pytest.mark.parametrize("native", [None, False])
def test_interpreters_in_threads_are_bit_exact(native):
    path = shared_model("mlperf_tiny_kws_int8.tflite")
    rng = np.random.default_rng(5)
    probe = tinyrt.Interpreter(model_path=str(path), native=native)
    probe.allocate_tensors()
    d = probe.get_input_details()[0]
    inputs = [rng.integers(-128, 128, d["shape"], dtype=np.int8) for _ in range(6)]
    expected = []
    for x in inputs:
        probe.set_input(x, 0)
        probe.invoke()
        expected.append(probe.get_output(0))
    results = {}

    def worker(t):
        it = tinyrt.Interpreter(model_path=str(path), native=native)
        it.allocate_tensors()
        got = []
        for _ in range(5):
            for x in inputs:
                it.set_input(x, 0)
                it.invoke()
                got.append(it.get_output(0))
        results[t] = got
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == [0, 1, 2, 3]
    for got in results.values():
        for i, y in enumerate(got):
            np.testing.assert_array_equal(y, expected[i % len(inputs)])
