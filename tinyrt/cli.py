"""The ``tinyrt`` command: inspect, plan and run .tflite models the way TFLM would.

Every command builds one dict (its report) and then prints it as text, or as JSON with
``--json``: scripts read the same figures a person reads.

Exit codes: 0 success; 1 a runtime failure (a kernel failed during invoke, an internal error);
2 bad usage or a bad model (unreadable file, op without a kernel, input that does not fit).
"""
import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__, native
from .errors import TinyrtError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class RunFailure(Exception):
    """A failure while running a model that loaded and allocated (exit code 1)."""


# ---------------------------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------------------------
def _shape(s):
    return "x".join(str(d) for d in s) or "scalar"


def _dtype_name(d):
    return np.dtype(d["dtype"]).name if d["dtype"] is not None else "?"


def _quant_text(q):
    if q is None:
        return ""
    if "scale" in q:
        return f"scale={q['scale']:.6g} zero_point={q['zero_point']}"
    return f"per-channel ({len(q['scales'])} scales, dim {q['quantized_dimension']})"


def _quant(d):
    """A tensor's quantization as plain data: None, per-tensor or per-channel."""
    q = d["quantization_parameters"]
    if len(q["scales"]) == 0:
        return None
    if len(q["scales"]) == 1:
        return {"scale": float(q["scales"][0]), "zero_point": int(q["zero_points"][0])}
    return {"scales": [float(s) for s in q["scales"]],
            "zero_points": [int(z) for z in q["zero_points"]],
            "quantized_dimension": int(q["quantized_dimension"])}


def _tensor_entry(d):
    return {"index": int(d["index"]), "name": d["name"], "shape": [int(s) for s in d["shape"]],
            "dtype": _dtype_name(d), "quantization": _quant(d)}


def _load(args, allocate=True, plan_unresolved=False):
    from .interpreter import Interpreter
    it = Interpreter(model_path=args.model, arena_size=getattr(args, "arena_size", None),
                     planner=getattr(args, "planner", "greedy"),
                     plan_unresolved=plan_unresolved,
                     native=False if getattr(args, "no_native", False) else None)
    if allocate:
        it.allocate_tensors()
    return it


def _invoke(it):
    """invoke, with a failure there reported as a runtime failure (exit 1)."""
    try:
        it.invoke()
    except TinyrtError as e:
        raise RunFailure(str(e)) from e


def _image_range(text):
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH (e.g. 0,1 or -1,1), not {text!r}")
    return lo, hi


def _inputs(args, it, batch=False):
    """The arrays to feed (from --input files, else random) and where each came from."""
    from .input_files import random_inputs, read_inputs, token_vocabularies
    details = it.get_input_details()
    if args.input:
        arrays = read_inputs(args.input, details, args.image_range, batch)
        # one .npz feeds every input; otherwise file i feeds input i
        sources = [args.input[0] if len(args.input) == 1 else args.input[i]
                   for i in range(len(details))]
        return arrays, sources
    rng = np.random.default_rng(args.seed)
    return (random_inputs(details, rng, token_vocabularies(it.model)),
            [f"random (seed {args.seed})"] * len(details))


class Progress:
    """One self-overwriting status line on stderr for runs that take a while: shown only on a
    terminal, and only once a run has taken ``after`` seconds."""

    after = 1.0

    def __init__(self, label, total, stream=None):
        self.label, self.total = label, total
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.shown = False
        self.last = 0.0

    def update(self, done):
        now = time.perf_counter()
        if now - self.start < self.after or now - self.last < 0.2 or not self._tty():
            return
        self.last = now
        rate = done / (now - self.start)
        left = (self.total - done) / rate if rate else 0
        self.stream.write(f"\r{self.label} {done}/{self.total}  ({left:.0f} s left) ")
        self.stream.flush()
        self.shown = True

    def close(self):
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()

    def _tty(self):
        return hasattr(self.stream, "isatty") and self.stream.isatty()


# ---------------------------------------------------------------------------------------------
# info
# ---------------------------------------------------------------------------------------------
def cmd_info(args):
    from .stats import model_stats
    from .tflm_support import tflm_refusal
    it = _load(args, allocate=False)
    m = it.model
    sg = m.main
    st = model_stats(sg)
    refusals = [(op, tflm_refusal(op, sg.tensors)) for op in sg.operators]
    report = {
        "model": args.model, "description": m.description or "",
        "subgraphs": len(m.subgraphs), "tensors": len(sg.tensors), "nodes": len(sg.operators),
        "parameters": int(st["parameters"]), "parameter_bytes": int(st["parameter_bytes"]),
        "macs": int(st["macs"]),
        "inputs": [_tensor_entry(d) for d in it.get_input_details()],
        "outputs": [_tensor_entry(d) for d in it.get_output_details()],
        "ops": dict(sorted(collections.Counter(op.op_name for op in sg.operators).items())),
        "signatures": [s.key for s in m.signatures],
        "offline_plan": m.offline_plan is not None,
        "tflm_refuses": [{"node": op.index, "op": op.op_name, "reason": why}
                         for op, why in refusals if why],
    }
    if args.ops:
        details = {d["index"]: d for d in it.get_tensor_details()}

        def tensor(i):
            if i < 0:
                return None
            d = details[i]
            t = sg.tensors[i]
            return dict(_tensor_entry(d), constant=t.is_constant and not t.is_variable)
        report["node_list"] = [
            {"node": op.index, "op": op.op_name, "macs": int(st["per_node"][op.index]),
             "inputs": [tensor(i) for i in op.inputs], "outputs": [tensor(i) for i in op.outputs],
             "tflm_refuses": why}
            for op, why in refusals]
    return report


def text_info(r):
    print(f"model      {r['model']}")
    if r["description"]:
        print(f"about      {r['description']}")
    print(f"subgraphs  {r['subgraphs']}   tensors {r['tensors']}   nodes {r['nodes']}")
    print(f"parameters {r['parameters']:,} ({r['parameter_bytes']:,} bytes)")
    print(f"MACs       {r['macs']:,} per invoke")
    for kind in ("input", "output"):
        for i, d in enumerate(r[kind + "s"]):
            print(f"{kind:<6} {i}   {d['name']!r} {_shape(d['shape'])} {d['dtype']} "
                  f"{_quant_text(d['quantization'])}".rstrip())
    print("ops        " + ", ".join(f"{name} x{n}" for name, n in r["ops"].items()))
    if r["signatures"]:
        print("signatures " + ", ".join(r["signatures"]))
    if r["offline_plan"]:
        print("memory     offline plan present (OfflineMemoryAllocation)")
    if r["tflm_refuses"]:
        nodes = collections.defaultdict(list)
        for f in r["tflm_refuses"]:
            nodes[(f["op"], f["reason"])].append(str(f["node"]))
        for (op, why), ns in nodes.items():
            print(f"not TFLM   {op} (node{'s' if len(ns) > 1 else ''} {', '.join(ns)}): {why}")
    if "node_list" in r:
        def t(e):
            if e is None:
                return "-"
            const = " const" if e["constant"] else ""
            return f"T#{e['index']} {e['name']!r} {_shape(e['shape'])} {e['dtype']}{const}"
        print()
        for n in r["node_list"]:
            flag = f"   [TFLM: {n['tflm_refuses']}]" if n["tflm_refuses"] else ""
            print(f"node {n['node']:>3}  {n['op']}{flag}")
            for e in n["inputs"]:
                print(f"      in   {t(e)}")
            for e in n["outputs"]:
                print(f"      out  {t(e)}")


# ---------------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------------
def cmd_plan(args):
    it = _load(args, plan_unresolved=True)
    rep = it.memory_report()
    if args.plot:
        from .memory.plot import plot_plan
        import os
        try:
            plot_plan(it, args.plot, title=os.path.basename(args.model))
        except (OSError, ValueError) as e:   # unwritable path, unknown image format
            raise TinyrtError(f"cannot write the plot to {args.plot!r}: {e}") from None
    d = {"model": args.model, **rep.as_dict()}
    d["unresolved_ops"] = sorted({name for _, _, name in it.unresolved_ops})
    d["buffers"] = sorted(d["buffers"], key=lambda p: (p["offset"], p["first_use"]))
    d["plot"] = args.plot
    # host memory the kernels use beside the arena (the largest layer's; see work_memory)
    work = it.work_memory()
    d["host_work_memory"] = {"bytes": work[0][0] if work else 0,
                             "node": work[0][2] if work else None,
                             "op": work[0][3] if work else None}
    d["generated_c_ram"] = _generated_ram(args)
    d["_lines"] = rep.lines() + rep.tflm_lines()
    return d


def _generated_ram(args):
    """Static RAM of the model as generated C for Cortex-M (tinyrt codegen) with this plan:
    the arena, the kernels' shared work memory and their state; or why it cannot be
    generated."""
    from . import codegen
    planner = getattr(args, "planner", "greedy")
    if planner not in ("greedy", "linear", "compact"):
        return {"error": "codegen takes the greedy, linear and compact planners"}
    try:
        src = codegen.ModelSource(codegen.prepare(args.model, "cortex-m4", planner))
    except TinyrtError as e:
        return {"error": str(e)}
    arena, work, state = int(src.arena.nbytes), src.scratch_bytes, src.state_bytes
    return {"arena_bytes": arena, "work_bytes": work, "state_bytes": state,
            "total_bytes": arena + work + state}


def text_plan(r):
    if r["unresolved_ops"]:
        print(f"note: no kernel for {', '.join(r['unresolved_ops'])}; planned assuming they "
              "need no scratch memory")
    for line in r["_lines"]:
        print(line)
    work = r["host_work_memory"]
    largest = f"  (largest layer: {work['op']}, node {work['node']})" if work["op"] else ""
    print(f"host work memory  {work['bytes']:>10} bytes{largest}")
    gen = r["generated_c_ram"]
    if "error" in gen:
        print(f"generated C (tinyrt codegen): not possible: {gen['error']}")
    else:
        print(f"generated C RAM   {gen['total_bytes']:>10} bytes  (tinyrt codegen for Cortex-M: "
              f"arena {gen['arena_bytes']}, kernels' work {gen['work_bytes']}, state "
              f"{gen['state_bytes']}; plus the stack, and no TFLM tail)")
    print()
    print(f"{'offset':>8} {'size':>8} {'first':>5} {'last':>5}  tensor")
    for p in r["buffers"]:
        label = p["name"] if p["kind"] == "scratch" else f"{p['index']}: {p['name']}"
        print(f"{p['offset']:>8} {p['size']:>8} {p['first_use']:>5} {p['last_use']:>5}  {label}")
    if r["plot"]:
        print(f"\nplot written to {r['plot']}")


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------
def _output_keys(details):
    """Keys of the saved .npz: tensor names, made unique and non-empty."""
    keys = []
    for i, d in enumerate(details):
        k = d["name"] or f"output_{i}"
        while k in keys:
            k = f"{k}_{i}"
        keys.append(k)
    return keys


def _save_outputs(path, keys, outputs):
    """.npz keyed by tensor name, written to exactly ``path`` (np.savez alone would add
    '.npz' to a name without it); a path ending in .npy takes a model's single output as .npy."""
    as_npy = path.lower().endswith(".npy")
    if as_npy and len(outputs) != 1:
        raise TinyrtError(f"the model has {len(outputs)} outputs; a .npy file holds one: "
                          "save them to a .npz (keyed by tensor name)")
    try:
        with open(path, "wb") as f:
            if as_npy:
                np.save(f, outputs[0])
            else:
                np.savez(f, **dict(zip(keys, outputs)))
    except OSError as e:
        raise TinyrtError(f"cannot write {path}: {e.strerror or e}") from None


def _resize_to(it, arrays):
    """A batch of samples in the input files: resize the inputs to it (one invoke runs them
    all, each exactly as alone)."""
    details = it.get_input_details()
    if all(x.shape == tuple(d["shape"]) for d, x in zip(details, arrays)):
        return details
    for d, x in zip(details, arrays):
        it.resize_tensor_input(d["index"], x.shape)
    it.allocate_tensors()
    return it.get_input_details()


def cmd_run(args):
    it = _load(args)
    arrays, sources = _inputs(args, it, batch=True)
    details = _resize_to(it, arrays)
    for d, x in zip(details, arrays):
        it.set_tensor(d["index"], x)
    _invoke(it)
    out_details = it.get_output_details()
    outputs = [it.get_tensor(d["index"]) for d in out_details]
    if args.output:
        _save_outputs(args.output, _output_keys(out_details), outputs)
    report = {"model": args.model,
              "inputs": [dict(_tensor_entry(d), source=s) for d, s in zip(details, sources)],
              "outputs": [], "saved_to": args.output}
    for d, y in zip(out_details, outputs):
        entry = dict(_tensor_entry(d), values=y.tolist())
        q = entry["quantization"]
        if q is not None and "scale" in q and y.dtype.kind in "iu":
            entry["dequantized"] = ((y.astype(np.float64) - q["zero_point"]) * q["scale"]).tolist()
        report["outputs"].append(entry)
    report["_arrays"] = outputs  # for the text view: numpy's printing of the raw arrays
    return report


def text_run(r):
    for i, d in enumerate(r["inputs"]):
        print(f"input  {i} {d['name']!r}: {d['source']} {_shape(d['shape'])} {d['dtype']}")
    np.set_printoptions(threshold=64, edgeitems=8, linewidth=100)
    for i, (d, y) in enumerate(zip(r["outputs"], r["_arrays"])):
        print(f"output {i} {d['name']!r} {_shape(y.shape)} {y.dtype.name}:")
        print(y)
        if "dequantized" in d:
            print("dequantized:")
            print(np.array(d["dequantized"]))
    if r["saved_to"]:
        kind = ".npy" if r["saved_to"].lower().endswith(".npy") else ".npz keyed by tensor name"
        print(f"saved {len(r['outputs'])} output{'s' if len(r['outputs']) > 1 else ''} to "
              f"{r['saved_to']} ({kind})")


# ---------------------------------------------------------------------------------------------
# profile
# ---------------------------------------------------------------------------------------------
PROFILE_INPUT_SETS = 8


def cmd_profile(args):
    from .input_files import random_inputs, token_vocabularies
    from .profiler import Profiler
    it = _load(args)
    details = it.get_input_details()
    if args.input:
        arrays, sources = _inputs(args, it)
        input_sets = [arrays]
        source = f"inputs from {', '.join(args.input)}"
    else:
        # a few different input sets in turn, as real use sees (no value cache flatters an op)
        rng = np.random.default_rng(args.seed)
        vocab = token_vocabularies(it.model)
        input_sets = [random_inputs(details, rng, vocab) for _ in range(PROFILE_INPUT_SETS)]
        source = f"{PROFILE_INPUT_SETS} random input sets in turn (seed {args.seed})"
    prof = Profiler()
    total = args.warmup + args.repeat
    progress = Progress("profile: invoke", total)
    for n in range(total):
        if n == args.warmup:
            it.profiler = prof
        for d, x in zip(details, input_sets[n % len(input_sets)]):
            it.set_tensor(d["index"], x)
        _invoke(it)
        progress.update(n + 1)
    progress.close()
    it.profiler = None
    rows = prof.rows(it)
    rep = it.memory_report()
    return {"model": args.model, "repeat": args.repeat, "warmup": args.warmup,
            "inputs": source,
            "native": native.info() if it.native is not False else
            "compiled core: off (--no-native)",
            "nodes": [dict(r, output_shape=list(r["output_shape"])) for r in rows],
            "total_seconds": sum(r["seconds"] for r in rows),
            "macs": sum(r["macs"] for r in rows),
            "arena_bytes": rep.arena_size, "used_bytes": rep.used,
            "head_bytes": rep.head, "tail_bytes": rep.tail,
            "interpreter_overhead": prof.overhead(),
            "_table": prof.table(it), "_memory_lines": rep.lines()[:4]}


def text_profile(r):
    print(f"median of {r['repeat']} invokes, {r['inputs']}; {r['native']}")
    print(r["_table"])
    print()
    for line in r["_memory_lines"]:
        print(line)


# ---------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------
def cmd_compare(args):
    from .compare import ReferenceUnavailable, RunFailed, compare, plot
    inputs = None
    if args.input:
        from .input_files import read_inputs
        it = _load(args, allocate=False)
        inputs = read_inputs(args.input, it.get_input_details(), args.image_range)
    try:
        report = compare(args.model, args.reference, inputs=inputs, seed=args.seed,
                         native=False if args.no_native else None)
    except (ReferenceUnavailable, RunFailed) as e:
        raise RunFailure(str(e)) from e
    if args.plot:
        plot(report, args.plot)
    out = report.as_dict()
    out["plot"] = args.plot
    out["_lines"] = report.lines()
    return out


def text_compare(r):
    print("\n".join(r["_lines"]))
    if r["plot"]:
        print(f"plot written to {r['plot']}")


# ---------------------------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------------------------
def cmd_demo(args):
    from .examples import KWS_TINY
    print(f"tinyrt demo: the example model shipped with tinyrt, {KWS_TINY}")
    print(f"\n$ tinyrt plan {KWS_TINY}")
    args.model, args.planner, args.arena_size, args.plot = KWS_TINY, "greedy", None, None
    text_plan(cmd_plan(args))
    print(f"\n$ tinyrt run {KWS_TINY}")
    args.input, args.output, args.seed, args.image_range = None, None, 0, (0.0, 1.0)
    text_run(cmd_run(args))
    return None


# ---------------------------------------------------------------------------------------------
# codegen
# ---------------------------------------------------------------------------------------------
def cmd_codegen(args):
    from . import codegen
    from .codegen import measure
    src = codegen.generate(args.model, args.out, args.target, planner=args.planner)
    t = codegen.TARGETS[args.target]
    report = {"model": args.model, "target": args.target, "out": args.out,
              "program": str(Path(args.out) / t.program), "planner": args.planner,
              "nodes": len(src.nodes), "kernels": src.kernels,
              "arena_bytes": int(src.arena.nbytes), "work_bytes": src.scratch_bytes,
              "state_bytes": src.state_bytes,
              "inputs": [_io_entry(d) for d in src.inputs],
              "outputs": [_io_entry(d) for d in src.outputs],
              "built": False, "sizes": None, "run": None}
    if not (args.build or args.run):
        return report
    codegen.build(args.out, args.target)
    report["built"] = True
    if t.embedded:
        report["sizes"] = measure.sizes(args.out, t.program)
    if args.run:
        it = src.interpreter
        arrays, sources = _inputs(args, it)
        data, console, _ = codegen.run(args.out, arrays, args.target)
        outputs = codegen.split_outputs(data, src)
        # the same inputs through tinyrt's interpreter on this host: the figures must agree
        from .interpreter import Interpreter
        host = Interpreter(model_path=args.model, native=False if args.no_native else None)
        host.allocate_tensors()
        for i, x in enumerate(arrays):
            host.set_input(x, i)
        _invoke(host)
        same = all(y.tobytes() == host.get_output(i).tobytes() for i, y in enumerate(outputs))
        details = it.get_output_details()
        if args.output:
            _save_outputs(args.output, _output_keys(details), outputs)
        report["run"] = {"inputs": sources, "stack_bytes": measure.stack_bytes(console),
                         "equals_interpreter": same, "saved_to": args.output,
                         "outputs": [y.tolist() for y in outputs]}
        if not same:
            raise RunFailure(f"the generated program's outputs differ from tinyrt's "
                             f"interpreter on the same inputs")
    return report


def _io_entry(d):
    return {"name": d["name"], "shape": list(d["shape"]), "dtype": d["dtype"].name,
            "bytes": d["bytes"], "arena_offset": d["offset"]}


def text_codegen(r):
    print(f"wrote {r['out']}/ for {r['target']}: {r['nodes']} nodes, kernels "
          f"{', '.join(r['kernels'])}")
    print(f"  static RAM: arena {r['arena_bytes']:,} B + work {r['work_bytes']:,} B + kernel "
          f"state {r['state_bytes']:,} B")
    if not r["built"]:
        print(f"  build: make -C {r['out']}  (then run {r['program']} in a folder holding "
              f"input.bin)")
        return
    print(f"  built {r['program']}")
    s = r["sizes"]
    if s:
        print(f"  flash {s['flash_bytes']:,} B (model constants {s['model_constants_bytes']:,}, "
              f"op data {s['op_data_bytes']:,}, code {s['code_bytes']:,}); "
              f"RAM data+bss {s['data_bytes'] + s['bss_bytes']:,} B + stack")
    run = r["run"]
    if run:
        if run["stack_bytes"] is not None:
            print(f"  stack used: {run['stack_bytes']:,} B")
        print("  outputs equal tinyrt's interpreter on the same inputs: "
              f"{'yes' if run['equals_interpreter'] else 'NO'}")
        if run["saved_to"]:
            print(f"  saved outputs to {run['saved_to']} (.npz keyed by tensor name)")
        else:
            np.set_printoptions(threshold=64, edgeitems=8, linewidth=100)
            for d, y in zip(r["outputs"], run["outputs"]):
                print(f"  output {d['name']!r}: {np.array(y)}")


# ---------------------------------------------------------------------------------------------
# parser and main
# ---------------------------------------------------------------------------------------------
def _add_input_options(s, what):
    s.add_argument("--input", action="append", metavar="FILE",
                   help=f"input values for {what}: one .npz holding every input (arrays named "
                        "after the inputs, or in order), or one file per input in order: .npy, "
                        "raw .bin/.raw (the input's dtype), .png/.jpg for image inputs (needs "
                        "Pillow). Real (float) values for a quantized input are quantized "
                        "through its scale; values that do not fit are an error. "
                        "Default: random inputs")
    s.add_argument("--image-range", type=_image_range, default=(0.0, 1.0), metavar="LOW,HIGH",
                   help="real values that image pixels 0..255 map to (default 0,1)")
    s.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    s.add_argument("--no-native", action="store_true",
                   help="numpy kernels only (default: tinyrt's C kernels where a C compiler is "
                        "available; the results are the same)")


def _add_json(s):
    s.add_argument("--json", action="store_true", help="print the report as JSON")


def build_parser():
    p = argparse.ArgumentParser(
        prog="tinyrt",
        description="Run .tflite models as TensorFlow Lite Micro would: one planned arena, "
                    "bit-exact kernels.",
        epilog="Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad model.")
    p.add_argument("--version", action="version", version=f"tinyrt {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("info", help="inputs, outputs, ops, parameters and MACs of a model")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--ops", action="store_true",
                   help="list every node with its input and output tensors")
    _add_json(s)
    s.set_defaults(fn=cmd_info, text=text_info)

    s = sub.add_parser("plan", help="arena plan: head/tail bytes and per-tensor offsets")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--planner", choices=["greedy", "linear", "compact"], default="greedy",
                   help="memory planner (default: greedy, as TFLM; compact: a smaller head, "
                        "same outputs)")
    s.add_argument("--arena-size", type=int, default=None, metavar="BYTES",
                   help="check the plan fits an arena of this size")
    s.add_argument("--plot", metavar="PLAN.png|.svg",
                   help="draw the arena over time (needs matplotlib: pip install tinyrt[plot])")
    _add_json(s)
    s.set_defaults(fn=cmd_plan, text=text_plan)

    s = sub.add_parser("run", help="run a model once and print its outputs",
                       description="Run a model once and print its outputs. An --input holding "
                                   "N samples along the first dimension resizes the inputs to a "
                                   "batch of N: one invoke runs them all, each exactly as alone.")
    s.add_argument("model", help="path of a .tflite file")
    _add_input_options(s, "the run")
    s.add_argument("--output", metavar="OUT.npz",
                   help="save the outputs to exactly this path, as .npz keyed by tensor name "
                        "(a path ending in .npy takes a single output as .npy)")
    s.add_argument("--arena-size", type=int, default=None, metavar="BYTES",
                   help="arena bytes (default: exactly what the plan needs)")
    _add_json(s)
    s.set_defaults(fn=cmd_run, text=text_run)

    s = sub.add_parser("profile", help="time every op: per-op table, total, arena figures")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--repeat", type=int, default=20, help="timed invokes (median, default 20)")
    s.add_argument("--warmup", type=int, default=3, help="untimed invokes first (default 3)")
    _add_input_options(s, "every invoke")
    _add_json(s)
    s.set_defaults(fn=cmd_profile, text=text_profile)

    s = sub.add_parser("compare", help="per-layer differences from a reference runtime or a "
                                       "float model: where the device and TFLite part")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--reference", required=True, metavar="REF",
                   help="tflite-micro, litert, litert-ref (LiteRT's reference kernels), or "
                        "float:FLOAT_MODEL (per-layer quantization error against the float model)")
    _add_input_options(s, "both runs")
    s.add_argument("--plot", metavar="ERRORS.png",
                   help="bar chart of per-layer error (needs matplotlib)")
    _add_json(s)
    s.set_defaults(fn=cmd_compare, text=text_compare)

    s = sub.add_parser(
        "codegen", help="the model as a C99 project for a host or a Cortex-M part",
        description="Write the model as a self-contained C99 project: its constants, op data "
                    "as initialised structs, one static arena, an invoke calling tinyrt's C "
                    "kernels in order, a test program (reads input.bin, writes output.bin) and "
                    "a Makefile. No heap, no interpreter. Cortex-M targets add startup code, a "
                    "linker script with a real part's memory, and semihosting I/O for QEMU.",
        epilog="Cortex-M targets need arm-none-eabi-gcc and, to run, qemu-system-arm (Debian: "
               "apt-get install --no-install-recommends gcc-arm-none-eabi "
               "libnewlib-arm-none-eabi qemu-system-arm).")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("-o", "--out", required=True, metavar="DIR", help="folder to write")
    s.add_argument("--target", choices=["host", "cortex-m4", "cortex-m55"], default="host",
                   help="host (portable C, this computer), cortex-m4 (DSP extension, QEMU "
                        "mps2-an386; 1 MB flash, 320 KB SRAM) or cortex-m55 (Helium, QEMU "
                        "mps3-an547). Default: host")
    s.add_argument("--planner", choices=["greedy", "linear", "compact"], default="greedy",
                   help="arena planner (default: greedy, TFLM's; compact: a smaller arena, "
                        "the same outputs)")
    s.add_argument("--build", action="store_true", help="run make and report flash and RAM")
    s.add_argument("--run", action="store_true",
                   help="build, run one invoke (on QEMU for Cortex-M) on --input (default: "
                        "random) and check the outputs against tinyrt's interpreter")
    _add_input_options(s, "--run")
    s.add_argument("--output", metavar="OUT.npz",
                   help="with --run, save the program's outputs, .npz keyed by tensor name")
    _add_json(s)
    s.set_defaults(fn=cmd_codegen, text=text_codegen)

    s = sub.add_parser("demo", help="plan and run the small example model shipped with tinyrt")
    s.set_defaults(fn=cmd_demo, text=None)
    return p


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        report = args.fn(args)
        if report is not None:
            if getattr(args, "json", False):
                public = {k: v for k, v in report.items() if not k.startswith("_")}
                print(json.dumps(public, default=_jsonable))
            else:
                args.text(report)
        return EXIT_OK
    except TinyrtError as e:          # unreadable file, missing kernel, input that doesn't fit
        print(f"tinyrt {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailure as e:
        print(f"tinyrt {args.command}: failed: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"tinyrt {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug in tinyrt: one line, not a traceback, and exit 1
        print(f"tinyrt {args.command}: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
