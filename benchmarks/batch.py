"""A batch of N through resize_tensor_input against N single invokes, per sample, measured in
this one run: for each shared model that takes a batch, the per-sample time of N single
invokes (set input + invoke each), of one batch invoke of N (set input + invoke), their ratio,
the sub-batch size tinyrt picked (tinyrt/sub_batches.py), and whether every sample's outputs
are the same bytes both ways.

    python benchmarks/batch.py [--n 16] [--level avx2] [--repeat 20] [--only NAME ...]

Models whose graph mixes samples (a RESHAPE folding the batch, SVDF state, a constant
concatenated along the batch) refuse a batch and are listed as such.
"""
import argparse
import os
import sys
from pathlib import Path

# one thread for every runtime: numpy's BLAS would otherwise start its own (before numpy loads)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tinyrt  # noqa: E402
from compare import cpu_name, random_inputs, time_calls  # noqa: E402
from tinyrt.input_files import token_vocabularies  # noqa: E402


def measure(path, n, repeat, level):
    single = tinyrt.Interpreter(model_path=str(path), native=level)
    single.allocate_tensors()
    details = single.get_input_details()
    xs = random_inputs([dict(d, shape=[n] + list(d["shape"][1:])) for d in details], 0,
                       token_vocabularies(single.model))
    batch = tinyrt.Interpreter(model_path=str(path), native=level)
    try:
        for d in details:
            batch.resize_tensor_input(d["index"], [n] + list(d["shape"][1:]))
        batch.allocate_tensors()
    except (ValueError, RuntimeError) as e:
        return {"refused": str(e).splitlines()[0]}
    def singles(outs=None):
        for s in range(n):
            for d, x in zip(details, xs):
                single.set_tensor(d["index"], x[s:s + 1])
            single.invoke()
            if outs is not None:
                outs.append([single.get_tensor(d["index"])
                             for d in single.get_output_details()])

    def whole():
        for d, x in zip(batch.get_input_details(), xs):
            batch.set_tensor(d["index"], x)
        batch.invoke()

    # set input + invoke either way; the outputs are read outside the timing
    t_single = time_calls(singles, repeat) / n
    t_batch = time_calls(whole, repeat) / n
    outs = []
    singles(outs)
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
    ap.add_argument("--repeat", type=int, default=20,
                    help="timed runs of each (median, after a warm-up; default 20)")
    ap.add_argument("--only", nargs="*", help="model names (stems) to run")
    ap.add_argument("--level", choices=tinyrt.native.LEVELS,
                    help="the compiled core's SIMD level (default: the best this CPU runs)")
    args = ap.parse_args()
    level = args.level or (tinyrt.native.default().level if tinyrt.native.default() else None)
    # seanet's single-op test models are exercised by the tests, not benchmarked
    paths = [p for p in sorted(Path(args.models).rglob("*.tflite")) if "seanet" not in p.parts]
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    core = f"compiled core at level {level}" if level else tinyrt.native.info()
    print(f"CPU: {cpu_name()}; tinyrt {core}; batch of {args.n}, per sample, "
          f"median of {args.repeat}\n")
    print("| model | singles ms | batch ms | batch speed-up | sub-batch | same bytes |")
    print("|---|---|---|---|---|---|")
    for p in paths:
        r = measure(p, args.n, args.repeat, level)
        if "refused" in r:
            print(f"| {p.stem} | — | refused | — | — | — |")
            continue
        print(f"| {p.stem} | {r['single_ms']:.3f} | {r['batch_ms']:.3f} | {r['ratio']:.2f}× | "
              f"{r['k']} | {'yes' if r['same'] else '**NO**'} |")


if __name__ == "__main__":
    main()
