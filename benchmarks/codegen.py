"""Generated firmware against TensorFlow Lite Micro on the same emulated Cortex-M4, and the
Cortex-M55 figures, all measured in this one run (TFLM's own figures are fixed: see below).

For each model: `tinyrt codegen` for the target, built with arm-none-eabi-gcc, run once in QEMU
on a random input with the instruction-counting plugin of ../shared/tools/qemu_insncount.c.
Two counts: the whole program (startup, reading input.bin, one invoke, writing output.bin),
and the invoke alone: the whole program's count minus that of the same program built without
its invoke (-DTINYRT_WITHOUT_INVOKE). TFLM's figures count its Invoke alone. Flash is text + read-only data + initialised data,
with the model's constants (weights, biases, requantization and op data tables) apart. RAM is
the static arena + .bss + .data + the stack's measured high-water mark. Each run's outputs
are checked against tflite-micro (bit for bit).

TFLM's figures: built for Cortex-M4F (GCC 12.2 -O2, newlib nano), run in the same QEMU board
(mps2-an386) with the same plugin; arena_used_bytes is its head + tail.

    python benchmarks/codegen.py [--models DIR] [--only NAME ...] [--targets cortex-m4 ...]

Prints a markdown table and writes it with a JSON file to benchmarks/results/.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import tinyrt  # noqa: E402
from tinyrt import codegen  # noqa: E402
from tinyrt.codegen import measure  # noqa: E402

# model: (TFLM kernels, arena_used_bytes, flash text+data, model array bytes, instructions of
# one Invoke)
TFLM_M4 = {
    "person_detect": ("CMSIS-NN", 82308, 408100, 300568, 22.9e6),
    "mlperf_tiny_vww_int8": ("CMSIS-NN", 100708, 457088, 333288, 24.1e6),
    "mlperf_tiny_kws_int8": ("CMSIS-NN", 22820, 177736, 53936, 7.70e6),
    "micro_speech_quantized": ("CMSIS-NN", 6836, 113712, 18800, 1.50e6),
    "keyword_scrambled": ("CMSIS-NN", 13332, 119920, 34576, 0.137e6),
    "hello_world_int8": ("CMSIS-NN", 772, 66820, 2704, 3671),
}
# TFLM's arena head (the planned tensors) for the RAM goal: head + 2 KB + stack
TFLM_HEAD = {"person_detect": 55296, "mlperf_tiny_vww_int8": 73728, "mlperf_tiny_kws_int8": 16000,
             "micro_speech_quantized": 5968, "keyword_scrambled": 672, "hello_world_int8": 32}


def plugin(work):
    src = Path(ROOT.parent / "shared" / "tools" / "qemu_insncount.c")
    if not src.exists():
        sys.exit(f"{src} is missing: the instruction counts need ../shared/tools")
    so = Path(work) / "libinsncount.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(so), str(src)], check=True)
    return so


def measure_one(path, target, work, so):
    from oracle import random_inputs, tflm_interpreter
    out = Path(work) / f"{path.stem}-{target}"
    src = codegen.generate(path, out, target)
    codegen.build(out, target)
    sizes = measure.sizes(out)
    xs = random_inputs(src.interpreter.get_input_details(), np.random.default_rng(0))
    data, console, count = codegen.run(out, xs, target, plugin=so, workdir=work)
    base = Path(work) / f"{path.stem}-{target}-without-invoke"
    shutil.copytree(out, base)
    codegen.build(base, target, extra_cflags="-DTINYRT_WITHOUT_INVOKE")
    _, _, base_count = codegen.run(base, xs, target, plugin=so, workdir=work)
    oracle = tflm_interpreter(path)
    for i, x in enumerate(xs):
        oracle.set_input(x, i)
    oracle.invoke()
    exact = all(y.tobytes() == oracle.get_output(i).tobytes()
                for i, y in enumerate(codegen.split_outputs(data, src)))
    stack = measure.stack_bytes(console)
    ram = int(src.arena.nbytes) + sizes["bss_bytes"] - int(src.arena.nbytes) + \
        sizes["data_bytes"] + stack
    return {"model": path.stem, "target": target, "instructions": count,
            "invoke_instructions": count - base_count,
            "flash_bytes": sizes["flash_bytes"], "constants_bytes": sizes["model_constants_bytes"],
            "code_bytes": sizes["code_bytes"], "arena_bytes": int(src.arena.nbytes),
            "static_ram_bytes": sizes["bss_bytes"] + sizes["data_bytes"], "stack_bytes": stack,
            "ram_bytes": ram, "model_file_bytes": path.stat().st_size, "bit_exact": exact}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=str(ROOT.parent / "shared" / "models"))
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--targets", nargs="*", default=["cortex-m4", "cortex-m55"])
    args = ap.parse_args()
    names = args.only or list(TFLM_M4) + ["hello_world_float"]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        so = plugin(work)
        for name in names:
            path = Path(args.models) / f"{name}.tflite"
            for target in args.targets:
                rows.append(measure_one(path, target, work, so))
                r = rows[-1]
                print(f"  {name} {target}: {r['instructions']:,} instructions", file=sys.stderr)
    lines = ["| model | target | instructions: whole program | invoke | TFLM+CMSIS-NN M4 "
             "invoke | invoke ratio | flash (model constants) | TFLM flash (model array) | "
             "RAM: static + stack | TFLM arena_used | bit-exact |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = TFLM_M4.get(r["model"])
        ratio = f"{r['invoke_instructions'] / t[4]:.2f}" if t else "—"
        lines.append(
            f"| {r['model']} | {r['target']} | {r['instructions'] / 1e6:.3f} M | "
            f"{r['invoke_instructions'] / 1e6:.3f} M | "
            f"{f'{t[4] / 1e6:.3f} M' if t else '—'} | {ratio} | ")
        lines[-1] += (f"{r['flash_bytes']:,} ({r['constants_bytes']:,}) | "
                      f"{f'{t[2]:,} ({t[3]:,})' if t else '—'} | "
                      f"{r['static_ram_bytes']:,} + {r['stack_bytes']:,} | "
                      f"{f'{t[1]:,}' if t else '—'} | {'yes' if r['bit_exact'] else 'NO'} |")
    table = "\n".join(lines)
    print(table)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "codegen.md").write_text(table + "\n")
    (results / "codegen.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
