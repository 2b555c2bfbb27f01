"""A batch of N through resize_tensor_input against N single invokes, per sample, measured in
this one run: for each shared model that takes a batch, the per-sample time of N single
invokes (set input + invoke each), of one batch invoke of N (set input + invoke), their ratio,
the sub-batch size tinyrt picked (tinyrt/sub_batches.py), and whether every sample's outputs
are the same bytes both ways.

    python benchmarks/batch.py [--n 16] [--level avx2] [--repeat 5] [--only NAME ...]

Models whose graph mixes samples (a RESHAPE folding the batch, SVDF state, a constant
concatenated along the batch) refuse a batch and are listed as such.
"""
import argparse
import os
import sys
import time
from pathlib import Path

# one thread for every runtime: numpy's BLAS would otherwise start its own (before numpy loads)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tinyrt  # noqa: E402
from compare import cpu_name, random_inputs  # noqa: E402
from tinyrt.input_files import token_vocabularies  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(path, n, repeat):
    single = tinyrt.Interpreter(model_path=str(path))
    single.allocate_tensors()
    details = single.get_input_details()
    xs = random_inputs([dict(d, shape=[n] + list(d["shape"][1:])) for d in details], 0,
                       token_vocabularies(single.model))
    batch = tinyrt.Interpreter(model_path=str(path))
    try:
        for d in details:
            batch.resize_tensor_input(d["index"], [n] + list(d["shape"][1:]))
        batch.allocate_tensors()
    except (ValueError, RuntimeError) as e:
        return {"refused": str(e).splitlines()[0]}
    outs = []

    def singles():
        outs.clear()
        for s in range(n):
            for d, x in zip(details, xs):
                single.set_tensor(d["index"], x[s:s + 1])
            single.invoke()
            outs.append([single.get_tensor(d["index"]) for d in single.get_output_details()])

    def whole():
        for d, x in zip(batch.get_input_details(), xs):
            batch.set_tensor(d["index"], x)
        batch.invoke()

    t_single = best_of(singles, repeat) / n
    t_batch = best_of(whole, repeat) / n
    got = [batch.get_tensor(d["index"]) for d in batch.get_output_details()]
    same = all(np.array_equal(g, np.concatenate([o[j] for o in outs]))
               for j, g in enumerate(got))
    sub = batch._sub_batches
    return {"single_ms": t_single * 1e3, "batch_ms": t_batch * 1e3,
            "ratio": t_single / t_batch, "k": sub.k if sub is not None else n, "same": same}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=str(ROOT.parent / "shared" / "models"))
    ap.add_argument("--n", type=int, default=16, help="batch size (default 16)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each; the best counts")
    ap.add_argument("--only", nargs="*", help="model names (stems) to run")
    ap.add_argument("--level", choices=["avx512", "avx2", "neon", "portable"],
                    help="the compiled core's SIMD level (default: the best this CPU runs)")
    args = ap.parse_args()
    if args.level:
        os.environ["TINYRT_ISA"] = args.level
    # seanet's single-op test models are exercised by the tests, not benchmarked
    paths = [p for p in sorted(Path(args.models).rglob("*.tflite")) if "seanet" not in p.parts]
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    print(f"CPU: {cpu_name()}; compiled core level {tinyrt.native.resolve(None).level}; "
          f"batch of {args.n}, per sample, best of {args.repeat}\n")
    print("| model | singles ms | batch ms | batch speed-up | sub-batch | same bytes |")
    print("|---|---|---|---|---|---|")
    for p in paths:
        r = measure(p, args.n, args.repeat)
        if "refused" in r:
            print(f"| {p.stem} | — | refused | — | — | — |")
            continue
        print(f"| {p.stem} | {r['single_ms']:.3f} | {r['batch_ms']:.3f} | {r['ratio']:.2f}× | "
              f"{r['k']} | {'yes' if r['same'] else '**NO**'} |")


if __name__ == "__main__":
    main()
