"""A quick differential sweep (scripts/sweep.py runs longer ones): random single-op models of
every op the sweep has a generator for, over random shapes, parameters, broadcasting, fused
activations, quantization and dtypes; tinyrt's outputs must equal tflite-micro's bit for bit."""
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from oracle import tflm

SCRIPT = Path(__file__).resolve().parent.parent.parent / "scripts" / "sweep.py"
CASES_PER_SEED = 3000       # about 30 models of each op per seed


@pytest.fixture(scope="module")
def sweep():
    tflm()
    spec = importlib.util.spec_from_file_location("sweep", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_single_op_models_match_tflite_micro(sweep, seed):
    stats = {}
    failures = sweep.sweep(CASES_PER_SEED, seed=seed, stats=stats)
    assert not failures, [(n, op, msg) for n, op, msg, _ in failures[:5]]
    # Every op ran several times on models both runtimes accept (a generator whose models
    # both refuse would compare nothing).
    accepted = Counter()
    for (op, _), outcomes in stats.items():
        accepted[op] += outcomes["ok"]
    assert set(accepted) == set(sweep.GENERATORS)
    starved = {op: n for op, n in accepted.items() if n < 5}
    assert not starved, starved


def test_default_order_interleaves_every_op(sweep):
    assert sorted(sweep.ORDER) == sorted(sweep.GENERATORS)
    # the first len(FAMILIES) cases of a run take one op of each family
    first = sweep.ORDER[:len(sweep.FAMILIES)]
    assert len({sweep.GENERATORS[op] for op in first}) == len(sweep.FAMILIES)


def test_cli_lists_the_ops(sweep):
    out = subprocess.run([sys.executable, str(SCRIPT), "--list"], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == sweep.ORDER
