"""The ``tinyrt`` command: inspect, plan and run .tflite models the way TFLM would."""
import argparse
import collections
import sys

import numpy as np

from . import __version__, native
from .errors import TinyrtError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _shape(s):
    return "x".join(str(d) for d in s) or "scalar"


def _quant(d):
    q = d["quantization_parameters"]
    if len(q["scales"]) == 0:
        return ""
    if len(q["scales"]) == 1:
        return f"scale={q['scales'][0]:.6g} zero_point={q['zero_points'][0]}"
    return f"per-channel ({len(q['scales'])} scales, dim {q['quantized_dimension']})"


def _load(args, allocate=True, plan_unresolved=False):
    from .interpreter import Interpreter
    it = Interpreter(model_path=args.model, arena_size=getattr(args, "arena_size", None),
                     planner=getattr(args, "planner", "greedy"),
                     plan_unresolved=plan_unresolved,
                     native=False if getattr(args, "no_native", False) else None)
    if allocate:
        it.allocate_tensors()
    return it


def cmd_info(args):
    from .stats import model_stats
    it = _load(args, allocate=False)
    m = it.model
    sg = m.main
    st = model_stats(sg)
    print(f"model      {args.model}")
    if m.description:
        print(f"about      {m.description}")
    print(f"subgraphs  {len(m.subgraphs)}   tensors {len(sg.tensors)}   nodes {len(sg.operators)}")
    print(f"parameters {st['parameters']:,} ({st['parameter_bytes']:,} bytes)")
    print(f"MACs       {st['macs']:,} per invoke")
    for kind, details in (("input", it.get_input_details()), ("output", it.get_output_details())):
        for i, d in enumerate(details):
            print(f"{kind:<6} {i}   {d['name']!r} {_shape(d['shape'])} "
                  f"{np.dtype(d['dtype']).name if d['dtype'] else '?'} {_quant(d)}".rstrip())
    counts = collections.Counter(op.op_name for op in sg.operators)
    print("ops        " + ", ".join(f"{name} x{n}" for name, n in sorted(counts.items())))
    if m.signatures:
        print("signatures " + ", ".join(s.key for s in m.signatures))
    if m.offline_plan is not None:
        print("memory     offline plan present (OfflineMemoryAllocation)")
    return EXIT_OK


def cmd_plan(args):
    it = _load(args, plan_unresolved=True)
    rep = it.memory_report()
    if it.unresolved_ops:
        names = sorted({name for _, _, name in it.unresolved_ops})
        print(f"note: no kernel for {', '.join(names)}; planned assuming they need no scratch "
              "memory")
    for line in rep.lines():
        print(line)
    work = it.work_memory()
    largest = f"  (largest layer: {work[0][3]}, node {work[0][2]})" if work else ""
    print(f"host work memory  {work[0][0] if work else 0:>10} bytes{largest}")
    print()
    print(f"{'offset':>8} {'size':>8} {'first':>5} {'last':>5}  tensor")
    for p in sorted(rep.buffers, key=lambda p: (p.offset, p.first_use)):
        label = p.name if p.kind == "scratch" else f"{p.index}: {p.name}"
        print(f"{p.offset:>8} {p.size:>8} {p.first_use:>5} {p.last_use:>5}  {label}")
    return EXIT_OK


def _read_input(path, detail, i):
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise TinyrtError(f"cannot read input {i} from {path!r}: {e}") from None
    want = np.dtype(detail["dtype"])
    if arr.dtype != want:
        if arr.dtype.kind == "f" and want.kind in "iu" and len(detail["quantization_parameters"]
                                                                 ["scales"]) == 1:
            # Real values for a quantized input: quantize them as the converter would.
            scale, zp = detail["quantization"]
            info = np.iinfo(want)
            arr = np.clip(np.round(arr / scale) + zp, info.min, info.max)
        arr = arr.astype(want)
    return arr.reshape(tuple(detail["shape"])) if arr.size == np.prod(detail["shape"]) else arr


def _random_input(d, rng):
    """Full-range integers, or standard normal floats."""
    dt = np.dtype(d["dtype"])
    shape = tuple(d["shape"])
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(shape).astype(dt)


def cmd_run(args):
    it = _load(args)
    details = it.get_input_details()
    if args.input and len(args.input) != len(details):
        raise TinyrtError(f"the model has {len(details)} inputs; got {len(args.input)} --input files")
    rng = np.random.default_rng(args.seed)
    for i, d in enumerate(details):
        if args.input:
            x = _read_input(args.input[i], d, i)
        else:
            x = _random_input(d, rng)
            print(f"input  {i} {d['name']!r}: random {_shape(x.shape)} {x.dtype.name} "
                  f"(seed {args.seed})")
        it.set_tensor(d["index"], x)
    it.invoke()
    outputs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    np.set_printoptions(threshold=64, edgeitems=8, linewidth=100)
    for i, (d, y) in enumerate(zip(it.get_output_details(), outputs)):
        print(f"output {i} {d['name']!r} {_shape(y.shape)} {y.dtype.name}:")
        print(y)
        if len(d["quantization_parameters"]["scales"]) == 1 and y.dtype.kind in "iu":
            scale, zp = d["quantization"]
            print("dequantized:")
            print((y.astype(np.float64) - zp) * scale)
    if args.output:
        if len(outputs) == 1:
            np.save(args.output, outputs[0])
        else:
            np.savez(args.output, *outputs)
        print(f"saved to {args.output}")
    return EXIT_OK


PROFILE_INPUT_SETS = 8


def cmd_profile(args):
    from .profiler import Profiler
    it = _load(args)
    rng = np.random.default_rng(args.seed)
    details = it.get_input_details()
    # a few different input sets in turn, as real use sees (no value cache flatters an op)
    input_sets = [[_random_input(d, rng) for d in details] for _ in range(PROFILE_INPUT_SETS)]
    prof = Profiler()
    for n in range(args.warmup + args.repeat):
        if n == args.warmup:
            it.profiler = prof
        for d, x in zip(details, input_sets[n % PROFILE_INPUT_SETS]):
            it.set_tensor(d["index"], x)
        it.invoke()
    it.profiler = None
    print(f"median of {args.repeat} invokes, {PROFILE_INPUT_SETS} random input sets in turn "
          f"(seed {args.seed}); " + (native.info() if it.native is not False else
                                     "native kernels: off (--no-native)"))
    print(prof.table(it))
    print()
    for line in it.memory_report().lines()[:4]:
        print(line)
    return EXIT_OK


def build_parser():
    p = argparse.ArgumentParser(
        prog="tinyrt",
        description="Run .tflite models as TensorFlow Lite Micro would: one planned arena, "
                    "bit-exact kernels.")
    p.add_argument("--version", action="version", version=f"tinyrt {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("info", help="inputs, outputs, ops, parameters and MACs of a model")
    s.add_argument("model", help="path of a .tflite file")
    s.set_defaults(fn=cmd_info)

    s = sub.add_parser("plan", help="arena plan: head/tail bytes and per-tensor offsets")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--planner", choices=["greedy", "linear"], default="greedy",
                   help="memory planner (default: greedy, as TFLM)")
    s.add_argument("--arena-size", type=int, default=None, metavar="BYTES",
                   help="check the plan fits an arena of this size")
    s.set_defaults(fn=cmd_plan)

    s = sub.add_parser("run", help="run a model once and print its outputs")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--input", action="append", metavar="X.npy",
                   help="input values (.npy), once per model input in order; float values for a "
                        "quantized input are quantized. Default: random inputs")
    s.add_argument("--output", metavar="OUT.npy", help="save the outputs (.npy, or .npz if several)")
    s.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    s.add_argument("--arena-size", type=int, default=None, metavar="BYTES",
                   help="arena bytes (default: exactly what the plan needs)")
    s.add_argument("--no-native", action="store_true",
                   help="numpy kernels only (default: tinyrt's C kernels where a C compiler is "
                        "available; the results are the same)")
    s.set_defaults(fn=cmd_run)

    s = sub.add_parser("profile", help="time every op: per-op table, total, arena figures")
    s.add_argument("model", help="path of a .tflite file")
    s.add_argument("--repeat", type=int, default=20, help="timed invokes (median, default 20)")
    s.add_argument("--warmup", type=int, default=3, help="untimed invokes first (default 3)")
    s.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    s.add_argument("--no-native", action="store_true",
                   help="numpy kernels only (default: tinyrt's C kernels where a C compiler is "
                        "available; the results are the same)")
    s.set_defaults(fn=cmd_profile)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.fn(args)
    except TinyrtError as e:
        print(f"tinyrt {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
