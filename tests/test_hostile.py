"""A few hundred hostile but valid single-op models (tests/hostile.py), each run through
tinyrt's C kernels (when built), its numpy kernels and tflite-micro, every run in a child
process: no crash, hang or non-tinyrt exception in tinyrt, C and numpy identical, and tinyrt
identical to tflite-micro wherever both run the model. scripts/hostile.py runs any number."""
import collections

import pytest

import hostile
from tinyrt import native

CASES = 240


def test_hostile_valid_models():
    pytest.importorskip("tflite_micro.python.tflite_micro.runtime",
                        reason="tflite-micro (test extra) not installed")
    kinds = ("native", "numpy", "tflm") if native.available() else ("numpy", "tflm")
    verdicts = collections.Counter()
    findings = []
    with hostile.Runner(kinds, timeout=60) as runner:
        for seed in range(CASES):
            case = hostile.make_case(seed)
            verdict, detail = hostile.judge(runner.run(case))
            verdicts[verdict] += 1
            if verdict in hostile.FINDINGS:
                findings.append(f"seed {seed} ({case.op}): {verdict}: {detail}")
        peak = runner.peak_rss_mib()
    assert not findings, "\n".join(findings[:10])
    # the set must exercise agreement, not only refusals
    assert verdicts["agree"] >= CASES // 2, verdicts
    assert max(peak.values()) < 2048, peak
