"""Mutants of real models end in success or a tinyrt exception: never another exception, a hang
or runaway memory."""
import pytest

from oracle import shared_models
from tinyrt.fuzz import fuzz

SEEDS = [p for p in shared_models() if p.stat().st_size < 100_000]


@pytest.mark.skipif(not SEEDS, reason="../shared/models absent")
def test_two_thousand_mutants():
    outcomes, findings = fuzz([p.read_bytes() for p in SEEDS], mutants=2000, seed=1234,
                              time_limit=20.0)
    assert sum(outcomes.values()) == 2000
    assert not findings, "\n\n".join(f"mutant {n} ({kind}):\n{why}" for n, kind, _, why in findings[:3])
    # The mutants must exercise more than the reader: some run to the end.
    assert outcomes["ok"] > 0
