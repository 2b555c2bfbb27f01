"""Compare tinyrt with tflite-micro and LiteRT on the shared models, all measured in this one run.

For each model: median invoke time of each runtime on the same inputs (every runtime cycles
through the same 8 random input sets), the ratios, load+allocate time, and whether tinyrt's
outputs equal tflite-micro's bit for bit on every set. tinyrt runs twice: as it runs by
default (its C kernels where a compiler is available, see tinyrt.native) and with numpy
kernels only (native=False). Prints a markdown table and writes it with a JSON file to
benchmarks/results/.

    python benchmarks/compare.py [--models DIR] [--repeat N] [--only NAME ...]

LiteRT runs in a child process per model: it refuses some models and crashes on others
(keyword_scrambled_8bit), which must not end the benchmark.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinyrt  # noqa: E402
import tinyrt.native  # noqa: E402


def random_inputs(details, seed):
    rng = np.random.default_rng(seed)
    xs = []
    for d in details:
        dt = np.dtype(d["dtype"])
        shape = tuple(int(s) for s in d["shape"])
        if dt.kind in "iu":
            info = np.iinfo(dt)
            xs.append(rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt))
        else:
            xs.append(rng.standard_normal(shape).astype(dt))
    return xs


INPUT_SETS = 8     # invokes cycle through this many random input sets (no value-keyed cache
                   # in any runtime sees the same input twice in a row)


def time_calls(fn, repeat, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cycling(set_input, invoke, sets):
    """A call that sets the next input set (in turn) and invokes."""
    state = {"k": 0}

    def run():
        for i, x in enumerate(sets[state["k"] % len(sets)]):
            set_input(x, i)
        state["k"] += 1
        invoke()
    return run


def outputs_per_set(run, get_outputs, sets):
    """Each set once more, in order (both runtimes run the same sequence, so stateful models
    compare too): the outputs after each."""
    outs = []
    for _ in sets:
        run()
        outs.append(get_outputs())
    return outs


def bench_tinyrt(path, sets, repeat, native=None):
    t = time.perf_counter()
    it = tinyrt.Interpreter(model_path=str(path), native=native)
    it.allocate_tensors()
    load = time.perf_counter() - t
    run = cycling(it.set_input, it.invoke, sets)
    med = time_calls(run, repeat)
    n_out = len(it.get_output_details())
    outs = outputs_per_set(run, lambda: [it.get_output(i).copy() for i in range(n_out)], sets)
    return med, load, outs


def bench_tflm(path, sets, repeat):
    from tflite_micro.python.tflite_micro import runtime
    data = path.read_bytes()
    t = time.perf_counter()
    it = runtime.Interpreter.from_bytes(data, arena_size=max(10 * len(data), 4 << 20))
    load = time.perf_counter() - t
    run = cycling(it.set_input, it.invoke, sets)
    med = time_calls(run, repeat)
    n_out = len(tinyrt.Interpreter(model_path=str(path)).get_output_details())
    outs = outputs_per_set(run, lambda: [np.array(it.get_output(i)) for i in range(n_out)],
                           sets)
    return med, load, outs


LITERT_CHILD = r"""
import json, statistics, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
path, npz, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
arrays = np.load(npz)
sets = {}
for key in arrays.files:              # "s{set}_{input}"
    k, i = (int(v) for v in key[1:].split("_"))
    sets.setdefault(k, {})[i] = arrays[key]
sets = [[s[i] for i in sorted(s)] for _, s in sorted(sets.items())]
t = time.perf_counter()
it = Interpreter(model_path=path, num_threads=1)
it.allocate_tensors()
load = time.perf_counter() - t
det = it.get_input_details()
count = [0]
def run():
    for d, x in zip(det, sets[count[0] % len(sets)]):
        it.set_tensor(d["index"], x)
    count[0] += 1
    it.invoke()
for _ in range(3):
    run()
ts = []
for _ in range(repeat):
    t = time.perf_counter(); run(); ts.append(time.perf_counter() - t)
print(json.dumps({"median": statistics.median(ts), "load": load}))
"""


def bench_litert(path, sets, repeat, tmpdir):
    npz = Path(tmpdir) / "inputs.npz"
    np.savez(npz, **{f"s{k}_{i}": x for k, xs in enumerate(sets) for i, x in enumerate(xs)})
    try:
        r = subprocess.run([sys.executable, "-c", LITERT_CHILD, str(path), str(npz), str(repeat)],
                           capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
        reason = "crashed" if r.returncode < 0 else "refused"
        return None, f"{reason}: {last[:80]}"
    return json.loads(r.stdout.strip().splitlines()[-1]), None


def fmt_ms(s):
    return "—" if s is None else f"{s * 1e3:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=str(ROOT.parent / "shared" / "models"),
                    help="directory of .tflite models (default ../shared/models)")
    ap.add_argument("--repeat", type=int, default=50, help="timed invokes per runtime (median)")
    ap.add_argument("--only", nargs="*", help="model names (stems) to run")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"),
                    help="directory for compare.md and compare.json")
    args = ap.parse_args(argv)

    import tempfile
    paths = sorted(Path(args.models).glob("*.tflite"))
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    if not paths:
        sys.exit(f"no models in {args.models}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            row = {"model": path.stem}
            try:
                probe = tinyrt.Interpreter(model_path=str(path))
                inputs = [random_inputs(probe.get_input_details(), seed=1 + k)
                          for k in range(INPUT_SETS)]
                t_med, t_load, t_out = bench_tinyrt(path, inputs, args.repeat)
                row.update(tinyrt_ms=t_med * 1e3, tinyrt_load_ms=t_load * 1e3)
                n_med, _, n_out = bench_tinyrt(path, inputs, args.repeat, native=False)
                row["tinyrt_numpy_ms"] = n_med * 1e3
            except tinyrt.TinyrtError as e:
                row["tinyrt_error"] = str(e)
                t_out = n_out = None
                inputs = [random_inputs(probe.get_input_details(), seed=1 + k)
                          for k in range(INPUT_SETS)]
            m_med, m_load, m_out = bench_tflm(path, inputs, args.repeat)
            row.update(tflm_ms=m_med * 1e3, tflm_load_ms=m_load * 1e3)
            if t_out is not None:
                row["bit_exact"] = all(a.dtype == b.dtype and np.array_equal(a, b)
                                       for outs in (t_out, n_out)
                                       for ts, ms in zip(outs, m_out) for a, b in zip(ts, ms))
            lr, err = bench_litert(path, inputs, args.repeat, tmp)
            if lr:
                row.update(litert_ms=lr["median"] * 1e3, litert_load_ms=lr["load"] * 1e3)
            else:
                row["litert_error"] = err
            rows.append(row)
            print(f"{path.stem}: done", file=sys.stderr)

    head = ("| model | tinyrt ms | tinyrt numpy-only ms | tflite-micro ms | LiteRT ms (1 thread) "
            "| TFLM / tinyrt | tinyrt / LiteRT | tinyrt load+alloc ms | bit-exact vs TFLM |")
    lines = [f"tinyrt {tinyrt.native.info()}", "", head, "|" + "---|" * 9]
    for r in rows:
        t, m, l_ = r.get("tinyrt_ms"), r.get("tflm_ms"), r.get("litert_ms")
        speedup = f"{m / t:.2f}×" if t and m else "—"
        vs_lr = f"{t / l_:.2f}×" if t and l_ else ("—" if not t else r.get("litert_error", "—").split(":")[0])
        exact = {True: "yes", False: "**NO**"}.get(r.get("bit_exact"), "—")
        npy = r.get("tinyrt_numpy_ms")
        lines.append(f"| {r['model']} | {fmt_ms(t and t / 1e3)} | {fmt_ms(npy and npy / 1e3)} | "
                     f"{fmt_ms(m / 1e3)} | "
                     f"{fmt_ms(l_ and l_ / 1e3)} | {speedup} | {vs_lr} | "
                     f"{fmt_ms(r.get('tinyrt_load_ms') and r['tinyrt_load_ms'] / 1e3)} | {exact} |")
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(table + "\n")
    (out / "compare.json").write_text(json.dumps(
        {"machine": os.uname().machine, "native": tinyrt.native.info(), "repeat": args.repeat,
         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
