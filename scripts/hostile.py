"""Run any number of hostile but valid single-op models (tests/hostile.py) through tinyrt's C
kernels, its numpy kernels and tflite-micro, each in child processes, and print a summary:
verdicts per op, findings (crashes, hangs, non-tinyrt exceptions, C/numpy differences,
mismatches with tflite-micro), refusal reasons and peak resident memory.

    python scripts/hostile.py --cases 10000 --jobs 2
    python scripts/hostile.py --cases 500 --kinds numpy,tflm      # without the C kernels
"""
import argparse
import collections
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import hostile  # noqa: E402


def _reason(detail):
    """A refusal message with its numbers taken out, to group refusals by kind."""
    text = re.sub(r"(^|refuses: )\S+ \(node \d+\): (prepare failed: \w+: )?", r"\1", detail)
    return re.sub(r"(?<![\w.-])(?<!exit code )-?\d[\d.e+-]*", "N", text)[:100]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=1, help="sets of worker processes")
    ap.add_argument("--kinds", default="native,numpy,tflm",
                    help="ways of running, of native, numpy, tflm (default: all three)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    args = ap.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    verdicts = collections.Counter()
    per_op = collections.defaultdict(collections.Counter)
    reasons = collections.Counter()
    findings = []
    peaks = collections.defaultdict(float)
    lock = threading.Lock()
    seeds = range(args.start, args.start + args.cases)
    t0 = time.time()

    def work(part):
        with hostile.Runner(kinds, timeout=args.timeout) as runner:
            for seed in part:
                case = hostile.make_case(seed)
                verdict, detail = hostile.judge(runner.run(case))
                with lock:
                    verdicts[verdict] += 1
                    per_op[case.op][verdict] += 1
                    if verdict in hostile.FINDINGS:
                        findings.append(f"seed {seed} ({case.op}): {verdict}: {detail}")
                    elif verdict in ("both_refuse", "tinyrt_refuses", "tflm_refuses",
                                     "tflm_crashes"):
                        reasons[(verdict, case.op, _reason(detail))] += 1
                    done = sum(verdicts.values())
                    if done % 1000 == 0:
                        print(f"{done} cases, {time.time() - t0:.0f} s: {dict(verdicts)}",
                              file=sys.stderr, flush=True)
            with lock:
                for k, v in runner.peak_rss_mib().items():
                    peaks[k] = max(peaks[k], v)

    threads = [threading.Thread(target=work, args=(seeds[j::args.jobs],))
               for j in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    print(f"{sum(verdicts.values())} cases (seeds {seeds.start}..{seeds.stop - 1}), "
          f"runs: {', '.join(kinds)}; {elapsed:.0f} s")
    print(f"{'verdict':<16} {'cases':>7}")
    for v in hostile.VERDICTS:
        mark = "  <- finding" if v in hostile.FINDINGS and verdicts[v] else ""
        print(f"{v:<16} {verdicts[v]:>7}{mark}")
    print()
    ops = sorted(per_op)
    shown = [v for v in hostile.VERDICTS if verdicts[v]]
    print(f"{'op':<20}" + "".join(f"{v[:14]:>15}" for v in shown))
    for op in ops:
        print(f"{op:<20}" + "".join(f"{per_op[op][v]:>15}" for v in shown))
    print()
    print("peak resident memory per worker (MiB): " +
          ", ".join(f"{k} {v:.0f}" for k, v in sorted(peaks.items())))
    if reasons:
        print("\nrefusals and tflite-micro crashes by reason:")
        for (verdict, op, why), n in reasons.most_common(60):
            print(f"  {n:>6}  {verdict:<15} {op:<18} {why}")
    for f in findings[:50]:
        print("FINDING", f)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
