"""Compare tinyrt with tflite-micro and LiteRT on the shared models, all measured in this one run.

For each model under the models directory (subdirectories included): median time of set input +
invoke for each runtime on the same inputs (every runtime cycles through the same 8 random input
sets; token inputs of an embedding lookup are drawn from the vocabulary; the fastest of --rounds
rounds, interleaved across the runtimes, as a shared machine's slow phases only add time), the
ratios, load+allocate time, and whether tinyrt's outputs equal tflite-micro's bit for bit on
every set (LiteRT's where tflite-micro cannot run the model). tinyrt runs twice: with its
compiled core at the level asked for (default: the best this CPU runs; see tinyrt.native) and
with numpy kernels only (native=False). Models whose input is a token sequence also get tokens
per second. Prints a markdown table naming the CPU and the core's level, and writes it with a
JSON file to benchmarks/results/. Where tflite-micro cannot run a model (it has no GELU), the
reference is LiteRT's reference kernels, whose int8 arithmetic differs from TFLM's in several
ops (tinyrt follows TFLM's): a difference there is expected for int8 models, and the C = numpy
column still checks the compiled core against tinyrt's own reference kernels.

    python benchmarks/compare.py [--models DIR] [--repeat N] [--only NAME ...]
                                 [--level avx512|avx2|neon|portable]

LiteRT runs in a child process per model: it refuses some models and crashes on others
(keyword_scrambled_8bit), which must not end the benchmark. With --level avx2 on a CPU that has
AVX-512, that child sees an AVX2 CPU (benchmarks/cpuid_avx2.c hides the newer features from
CPUID), so XNNPACK runs the kernels it runs on an AVX2 machine and both runtimes are measured
at one instruction set; the table says whether the mask took effect.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# one thread for every runtime: numpy's BLAS would otherwise start its own (before numpy loads)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinyrt  # noqa: E402
import tinyrt.native  # noqa: E402
from tinyrt import input_files  # noqa: E402


def random_inputs(details, seed, vocab=None):
    """One input set (token ids drawn from their vocabulary) for seed ``seed``."""
    return input_files.random_inputs(details, np.random.default_rng(seed), vocab)


def cpuinfo(field):
    """The first value of ``field`` in /proc/cpuinfo, or None."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":", 1)[0].strip() == field:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_name():
    import platform
    return cpuinfo("model name") or platform.processor() or platform.machine()


INPUT_SETS = 8     # invokes cycle through this many random input sets (no value-keyed cache
                   # in any runtime sees the same input twice in a row)


MAX_SECONDS = 20.0  # per runtime and model: slow runs stop early (with at least 3 samples)


def time_calls(fn, repeat, warmup=3):
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
        if time.perf_counter() - start > MAX_SECONDS / 4:
            break
    times = []
    start = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if len(times) >= 3 and time.perf_counter() - start > MAX_SECONDS:
            break
    return statistics.median(times)


def cycling(set_input, invoke, sets):
    """A call that sets the next input set (in turn) and invokes; ``run.state["k"]`` counts."""
    state = {"k": 0}

    def run():
        for i, x in enumerate(sets[state["k"] % len(sets)]):
            set_input(x, i)
        state["k"] += 1
        invoke()
    run.state = state
    return run


def outputs_per_set(run, get_outputs, sets, reset):
    """From a fresh state (``reset``: the runtime's reset of its variables), each set once, in
    order, as every runtime does: the outputs after each (stateful models compare too)."""
    reset()
    run.state["k"] = 0
    outs = []
    for _ in sets:
        run()
        outs.append(get_outputs())
    return outs


def bench_tinyrt(path, sets, repeat, native=None):
    """native: None (the default core), False (numpy only) or a level name."""
    t = time.perf_counter()
    it = tinyrt.Interpreter(model_path=str(path), native=native)
    it.allocate_tensors()
    load = time.perf_counter() - t
    run = cycling(it.set_input, it.invoke, sets)
    med = time_calls(run, repeat)
    n_out = len(it.get_output_details())
    outs = outputs_per_set(run, lambda: [it.get_output(i).copy() for i in range(n_out)], sets,
                           it.reset_all_variables)
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
                           sets, it.reset)
    return med, load, outs


LITERT_CHILD = r"""
import json, os, statistics, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
path, npz, repeat, mode, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
arrays = np.load(npz)
sets = {}
for key in arrays.files:              # "s{set}_{input}"
    k, i = (int(v) for v in key[1:].split("_"))
    sets.setdefault(k, {})[i] = arrays[key]
sets = [[s[i] for i in sorted(s)] for _, s in sorted(sets.items())]
kind = OpResolverType.BUILTIN_REF if mode == "ref" else OpResolverType.AUTO
t = time.perf_counter()
it = Interpreter(model_path=path, num_threads=1, experimental_op_resolver_type=kind)
it.allocate_tensors()
load = time.perf_counter() - t
det = it.get_input_details()
count = [0]
def run():
    for d, x in zip(det, sets[count[0] % len(sets)]):
        it.set_tensor(d["index"], x)
    count[0] += 1
    it.invoke()
if mode == "ref":          # reference kernels: the outputs after each set, in order
    outs = {}
    for k in range(len(sets)):
        run()
        for j, d in enumerate(it.get_output_details()):
            outs[f"s{k}_{j}"] = it.get_tensor(d["index"])
    np.savez(out, **outs)
    print(json.dumps({"median": None, "load": load}))
    sys.exit(0)
start = time.perf_counter()
for _ in range(3):
    run()
ts = []
start = time.perf_counter()
for _ in range(repeat):
    t = time.perf_counter(); run(); ts.append(time.perf_counter() - t)
    if len(ts) >= 3 and time.perf_counter() - start > MAX_SECONDS:
        break
print(json.dumps({"median": statistics.median(ts), "load": load,
                  "cpuid_mask": os.environ.get("TINYRT_CPUID_MASK")}))
""".replace("MAX_SECONDS", repr(MAX_SECONDS))


def avx2_cpu_preload(tmpdir):
    """The path of benchmarks/cpuid_avx2.c built as a preload library, or None where the CPU
    has no AVX-512 to hide, or cannot fault on CPUID, or no C compiler is found."""
    flags = set((cpuinfo("flags") or "").split())
    if "avx512f" not in flags or "cpuid_fault" not in flags:
        return None
    lib = Path(tmpdir) / "libcpuid_avx2.so"
    try:
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-o", str(lib),
                        str(ROOT / "benchmarks" / "cpuid_avx2.c")], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return lib


def bench_litert(path, sets, repeat, tmpdir, mode="time", preload=None):
    """LiteRT in a child process: mode "time" (its default delegate, XNNPACK, 1 thread) or
    "ref" (its reference kernels: returns their outputs per set, for the bit-exact check).
    preload: a library the child runs under (LD_PRELOAD), e.g. the AVX2 CPUID mask."""
    npz = Path(tmpdir) / "inputs.npz"
    out = Path(tmpdir) / "ref_outputs.npz"
    np.savez(npz, **{f"s{k}_{i}": x for k, xs in enumerate(sets) for i, x in enumerate(xs)})
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = str(preload)
    try:
        r = subprocess.run([sys.executable, "-c", LITERT_CHILD, str(path), str(npz), str(repeat),
                            mode, str(out)], capture_output=True, text=True, timeout=900,
                           env=env)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
        reason = "crashed" if r.returncode < 0 else "refused"
        return None, f"{reason}: {last[:80]}"
    result = json.loads(r.stdout.strip().splitlines()[-1])
    if mode == "ref":
        arrays = np.load(out)
        n_out = len({k.split("_")[1] for k in arrays.files})
        result["outputs"] = [[arrays[f"s{k}_{j}"] for j in range(n_out)]
                             for k in range(len(sets))]
    return result, None


def fmt_ms(s):
    return "—" if not s else f"{s * 1e3:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=str(ROOT.parent / "shared" / "models"),
                    help="directory of .tflite models (default ../shared/models)")
    ap.add_argument("--repeat", type=int, default=50, help="timed invokes per runtime (median)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of timing per model, interleaved across tinyrt (compiled), "
                         "tflite-micro and LiteRT; each one's fastest round's median is "
                         "reported (default 3; numpy-only: one round)")
    ap.add_argument("--only", nargs="*", help="model names (stems) to run")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"),
                    help="directory for compare.md and compare.json")
    ap.add_argument("--level", choices=tinyrt.native.LEVELS,
                    help="run tinyrt's compiled core at this SIMD level (default: the best "
                         "this CPU runs), e.g. avx2 to measure the AVX2 path on an AVX-512 "
                         "machine; LiteRT then sees an AVX2 CPU too (benchmarks/cpuid_avx2.c)")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.repeat < 1:
        ap.error("--rounds and --repeat must be at least 1")
    level = args.level or (tinyrt.native.default().level if tinyrt.native.default() else None)

    import tempfile
    paths = sorted(Path(args.models).rglob("*.tflite"), key=lambda p: (p.parent != Path(
        args.models), str(p)))
    # seanet's single-op test models are exercised by the tests, not benchmarked
    paths = [p for p in paths if "seanet" not in p.parts]
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    if not paths:
        sys.exit(f"no models in {args.models}")
    rows = []
    litert_isa = "all of this CPU's instructions"
    with tempfile.TemporaryDirectory() as tmp:
        preload = avx2_cpu_preload(tmp) if level == "avx2" else None
        for path in paths:
            row = {"model": path.stem}
            probe = tinyrt.Interpreter(model_path=str(path))
            vocab = input_files.token_vocabularies(probe.model)
            inputs = [random_inputs(probe.get_input_details(), seed=1 + k, vocab=vocab)
                      for k in range(INPUT_SETS)]
            if vocab:
                row["tokens"] = int(sum(np.prod(probe.get_input_details()[0]["shape"])
                                        for _ in [0]))
            t_out = n_out = None
            try:
                t_med, t_load, t_out = bench_tinyrt(path, inputs, args.repeat, native=level)
                row.update(tinyrt_ms=t_med * 1e3, tinyrt_load_ms=t_load * 1e3)
                n_med, _, n_out = bench_tinyrt(path, inputs, args.repeat, native=False)
                row["tinyrt_numpy_ms"] = n_med * 1e3
            except tinyrt.TinyrtError as e:
                row["tinyrt_error"] = str(e)
            reference = None
            try:
                m_med, m_load, m_out = bench_tflm(path, inputs, args.repeat)
                row.update(tflm_ms=m_med * 1e3, tflm_load_ms=m_load * 1e3)
                reference, row["reference"] = m_out, "tflite-micro"
            except Exception as e:      # tflite-micro lacks an op (GELU, ...)
                row["tflm_error"] = str(e).strip().splitlines()[-1][:80] if str(e) else "failed"
                ref, err = bench_litert(path, inputs, args.repeat, tmp, mode="ref")
                if ref:
                    reference, row["reference"] = ref["outputs"], "LiteRT reference kernels"
            def same(xs, ys):
                return all(a.dtype == b.dtype and np.array_equal(a, b)
                           for x, y in zip(xs, ys) for a, b in zip(x, y))
            if t_out is not None:
                row["c_equals_numpy"] = same(t_out, n_out)
                if reference is not None:
                    row["bit_exact"] = same(t_out, reference) and same(n_out, reference)
            lr, err = bench_litert(path, inputs, args.repeat, tmp, preload=preload)
            if lr:
                row.update(litert_ms=lr["median"] * 1e3, litert_load_ms=lr["load"] * 1e3)
                if lr.get("cpuid_mask") == "on":
                    litert_isa = "AVX2 (the CPU's AVX-512, AVX-VNNI and AMX hidden from CPUID)"
            else:
                row["litert_error"] = err
            # more rounds of the timings, interleaved across the runtimes: a shared machine's
            # slow phases (seconds long) only ever add time, so each runtime's fastest round
            # stands
            for _ in range(args.rounds - 1):
                if "tinyrt_ms" in row:
                    t_med = bench_tinyrt(path, inputs, args.repeat, native=level)[0]
                    row["tinyrt_ms"] = min(row["tinyrt_ms"], t_med * 1e3)
                if "tflm_ms" in row:
                    row["tflm_ms"] = min(row["tflm_ms"],
                                         bench_tflm(path, inputs, args.repeat)[0] * 1e3)
                if "litert_ms" in row:
                    lr, _ = bench_litert(path, inputs, args.repeat, tmp, preload=preload)
                    if lr:
                        row["litert_ms"] = min(row["litert_ms"], lr["median"] * 1e3)
            rows.append(row)
            print(f"{path.stem}: done", file=sys.stderr)

    head = ("| model | tinyrt ms | tinyrt numpy-only ms | tflite-micro ms | LiteRT ms (1 thread) "
            "| TFLM / tinyrt | tinyrt / LiteRT | tinyrt numpy / tinyrt | tokens/s | "
            "C = numpy | bit-exact vs |")
    core = f"compiled core at level {level}" if level else tinyrt.native.info()
    lines = [f"CPU: {cpu_name()}; tinyrt {core}; LiteRT (XNNPACK) with {litert_isa}; "
             f"medians of set input + invoke, the fastest of {args.rounds} rounds, 1 thread",
             "",
             head, "|" + "---|" * 11]
    for r in rows:
        t, m, l_ = r.get("tinyrt_ms"), r.get("tflm_ms"), r.get("litert_ms")
        speedup = f"{m / t:.2f}×" if t and m else ("no kernel" if r.get("tflm_error") else "—")
        vs_lr = f"{t / l_:.2f}×" if t and l_ else ("—" if not t else r.get("litert_error", "—").split(":")[0])
        npy = r.get("tinyrt_numpy_ms")
        vs_npy = f"{npy / t:.2f}×" if t and npy else "—"
        tokens = f"{r['tokens'] / (t / 1e3):,.0f}" if t and r.get("tokens") else "—"
        yes_no = {True: "yes", False: "**NO**"}
        exact = yes_no.get(r.get("bit_exact"), "—")
        if r.get("bit_exact") is not None:
            exact += f" ({r['reference']})"
        lines.append(f"| {r['model']} | {fmt_ms(t and t / 1e3)} | {fmt_ms(npy and npy / 1e3)} | "
                     f"{fmt_ms(m and m / 1e3)} | {fmt_ms(l_ and l_ / 1e3)} | {speedup} | "
                     f"{vs_lr} | {vs_npy} | {tokens} | {yes_no.get(r.get('c_equals_numpy'), '—')} | "
                     f"{exact} |")
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(table + "\n")
    (out / "compare.json").write_text(json.dumps(
        {"machine": os.uname().machine, "cpu": cpu_name(), "level": level,
         "litert_isa": litert_isa,
         "native": tinyrt.native.info(), "repeat": args.repeat, "rounds": args.rounds,
         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
