"""End-to-end: every shared model gives exactly tflite-micro's outputs, and every seanet op case
reproduces its golden output."""
import re

import numpy as np
import pytest

import tinyrt
from oracle import SHARED_MODELS, random_inputs, run_both, shared_models, tflm

# The Signal-library audio front ends need custom ops covered separately.
MODELS = [p for p in shared_models() if not p.name.startswith("audio_preprocessor")]
N_INPUTS = 20


def _names(paths):
    return [p.stem for p in paths]


@pytest.mark.skipif(not MODELS, reason="../shared/models absent")
@pytest.mark.parametrize("path", MODELS, ids=_names(MODELS))
def test_model_matches_tflite_micro(path):
    tflm()
    it = tinyrt.Interpreter(model_path=str(path))
    it.allocate_tensors()
    rng = np.random.default_rng(abs(hash(path.name)) % (1 << 32))
    details = it.get_input_details()
    batches = [random_inputs(details, rng) for _ in range(N_INPUTS)]
    # Edge values too: all-min, all-max, all-zero.
    for fill in ("min", "max", "zero"):
        xs = []
        for d in details:
            dt = np.dtype(d["dtype"])
            v = 0 if fill == "zero" else (getattr(np.iinfo(dt), fill) if dt.kind in "iu"
                                           else (-8.0 if fill == "min" else 8.0))
            xs.append(np.full(tuple(d["shape"]), v, dt))
        batches.append(xs)
    for n, (ours, theirs) in enumerate(run_both(path, batches, tinyrt_interp=it)):
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b, err_msg=f"{path.name} input set {n} output {k}")


SEANET = sorted(SHARED_MODELS.glob("seanet/*/*.tflite")) if SHARED_MODELS.exists() else []


def _csv(path, dtype):
    text = path.read_text().strip()
    return np.array([int(v) for v in re.split(r"[,\s]+", text) if v], dtype=dtype)


@pytest.mark.skipif(not SEANET, reason="../shared/models absent")
@pytest.mark.parametrize("path", SEANET, ids=_names(SEANET))
def test_seanet_golden(path):
    it = tinyrt.Interpreter(model_path=str(path))
    it.allocate_tensors()
    for k, d in enumerate(it.get_input_details()):
        (csv,) = path.parent.glob(f"{path.stem}_input{k}_*.csv")
        it.set_input(_csv(csv, d["dtype"]).reshape(tuple(d["shape"])), k)
    it.invoke()
    (golden,) = path.parent.glob(f"{path.stem}_golden_*.csv")
    out = it.get_output(0)
    np.testing.assert_array_equal(out.ravel(), _csv(golden, out.dtype))
