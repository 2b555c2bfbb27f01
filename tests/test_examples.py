"""The shipped example model: reproducible from its script, bit-exact with tflite-micro, and
planned into no more head than TFLM's."""
import importlib.util
from pathlib import Path

import numpy as np

import tinyrt
from oracle import random_inputs, run_both, tflm, tflm_allocations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", EXAMPLES / "make_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_example_is_what_the_script_builds():
    assert (Path(tinyrt.examples.KWS_TINY)).read_bytes() == _make_models().kws_tiny_int8()


def test_example_matches_tflite_micro():
    tflm()
    path = Path(tinyrt.examples.KWS_TINY)
    it = tinyrt.Interpreter(model_path=str(path))
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    batches = [random_inputs(it.get_input_details(), rng) for _ in range(20)]
    for ours, theirs in run_both(path, batches, tinyrt_interp=it):
        np.testing.assert_array_equal(ours[0], theirs[0])
    assert it.memory_report().head <= tflm_allocations(path)["head"]
