"""A quick differential sweep over random shapes and parameters (scripts/sweep.py runs longer)."""
import importlib.util
from pathlib import Path

import pytest

from oracle import tflm

SCRIPT = Path(__file__).resolve().parent.parent.parent / "scripts" / "sweep.py"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_single_op_models_match_tflite_micro(seed):
    tflm()
    spec = importlib.util.spec_from_file_location("sweep", SCRIPT)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    failures = sweep.sweep(150, seed=seed)
    assert not failures, [(n, op, msg) for n, op, msg, _ in failures[:5]]
