"""Differential sweep: random single-op models (shapes, strides, padding, dilation, fused
activations, per-channel quantization) run in tinyrt and tflite-micro; integer outputs must be
identical. The test suite runs a few seeds (tests/kernels/test_sweep.py); this runs any number.

    python scripts/sweep.py [--cases N] [--seed S] [--ops CONV_2D,ADD,...]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinyrt  # noqa: E402
from tinyrt.builder import ModelBuilder  # noqa: E402

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def _q(rng, dtype, lo=0.005, hi=0.2):
    scale = float(rng.uniform(lo, hi))
    zp = 0 if dtype == np.int16 else int(rng.integers(-20, 21))
    return {"scale": scale, "zero_point": zp}


def conv_like(rng, op):
    dtype = np.int8 if rng.random() < 0.75 else np.int16
    n = 1
    h, w = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    c = int(rng.integers(1, 9))
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dh, dw = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) if rng.random() < 0.3 else (1, 1)
    pad = "SAME" if rng.random() < 0.5 else "VALID"
    eff_h, eff_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if pad == "VALID" and (eff_h > h or eff_w > w):
        pad = "SAME"
    oh = (h + sh - 1) // sh if pad == "SAME" else (h - eff_h + sh) // sh
    ow = (w + sw - 1) // sw if pad == "SAME" else (w - eff_w + sw) // sw
    dm = int(rng.integers(1, 4)) if op == "DEPTHWISE_CONV_2D" else 1
    oc = c * dm if op == "DEPTHWISE_CONV_2D" else int(rng.integers(1, 9))
    b = ModelBuilder()
    qx = _q(rng, dtype, 0.01, 0.1)
    x = b.add_input("x", (n, h, w, c), dtype, **qx)
    ws = rng.uniform(0.002, 0.03, oc)
    wshape = (1, kh, kw, oc) if op == "DEPTHWISE_CONV_2D" else (oc, kh, kw, c)
    wt = b.add_constant("w", rng.integers(-127, 128, wshape).astype(np.int8), scale=ws,
                        zero_point=[0] * oc,
                        quantized_dimension=3 if op == "DEPTHWISE_CONV_2D" else 0)
    bias_dtype = np.int64 if dtype == np.int16 else np.int32
    bias = b.add_constant("b", rng.integers(-3000, 3000, oc).astype(bias_dtype),
                          scale=ws * qx["scale"], zero_point=[0] * oc)
    y = b.add_tensor("y", (n, oh, ow, oc), dtype, **_q(rng, dtype, 0.02, 0.5))
    opts = dict(padding=pad, stride_w=sw, stride_h=sh, dilation_wfactor=dw,
                dilation_hfactor=dh, fused_activation_function=ACTS[int(rng.integers(4))])
    if op == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = dm
    b.add_operator(op, [x, wt, bias], [y], **opts)
    b.mark_output(y)
    return b.build()


def fully_connected(rng, _op):
    dtype = np.int8 if rng.random() < 0.75 else np.int16
    batch, depth, units = int(rng.integers(1, 4)), int(rng.integers(1, 40)), int(rng.integers(1, 20))
    b = ModelBuilder()
    qx = _q(rng, dtype, 0.01, 0.1)
    x = b.add_input("x", (batch, depth), dtype, **qx)
    per_channel = rng.random() < 0.5
    ws = rng.uniform(0.002, 0.03, units if per_channel else 1)
    w = b.add_constant("w", rng.integers(-127, 128, (units, depth)).astype(np.int8), scale=ws,
                       zero_point=[0] * len(ws))
    bias = b.add_constant("b", rng.integers(-3000, 3000, units).astype(
        np.int64 if dtype == np.int16 else np.int32),
        scale=np.broadcast_to(ws * qx["scale"], (units,)), zero_point=[0] * units)
    y = b.add_tensor("y", (batch, units), dtype, **_q(rng, dtype, 0.02, 0.5))
    b.add_operator("FULLY_CONNECTED", [x, w, bias], [y],
                   fused_activation_function=ACTS[int(rng.integers(3))])
    b.mark_output(y)
    return b.build()


def binary(rng, op):
    dtype = np.int8 if rng.random() < 0.7 else np.int16
    shape = tuple(int(d) for d in rng.integers(1, 5, int(rng.integers(1, 5))))
    other = tuple(d if rng.random() < 0.6 else 1 for d in shape)
    b = ModelBuilder()
    x = b.add_input("a", shape, dtype, **_q(rng, dtype))
    z = b.add_input("b", other, dtype, **_q(rng, dtype))
    y = b.add_tensor("y", shape, dtype, **_q(rng, dtype, 0.01, 0.4))
    b.add_operator(op, [x, z], [y], fused_activation_function=ACTS[int(rng.integers(3))])
    b.mark_output(y)
    return b.build()


def pooling(rng, op):
    dtype = np.int8 if rng.random() < 0.7 else np.int16
    h, w, c = int(rng.integers(1, 10)), int(rng.integers(1, 10)), int(rng.integers(1, 5))
    fh, fw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    pad = "SAME" if rng.random() < 0.5 or fh > h or fw > w else "VALID"
    oh = (h + sh - 1) // sh if pad == "SAME" else (h - fh + sh) // sh
    ow = (w + sw - 1) // sw if pad == "SAME" else (w - fw + sw) // sw
    q = _q(rng, dtype)
    b = ModelBuilder()
    x = b.add_input("x", (1, h, w, c), dtype, **q)
    y = b.add_tensor("y", (1, oh, ow, c), dtype, **q)
    b.add_operator(op, [x], [y], padding=pad, stride_w=sw, stride_h=sh, filter_width=fw,
                   filter_height=fh, fused_activation_function=ACTS[int(rng.integers(3))])
    b.mark_output(y)
    return b.build()


def softmax(rng, _op):
    rows, depth = int(rng.integers(1, 4)), int(rng.integers(1, 40))
    b = ModelBuilder()
    x = b.add_input("x", (rows, depth), np.int8, **_q(rng, np.int8, 0.01, 0.5))
    y = b.add_tensor("y", (rows, depth), np.int8, scale=1 / 256, zero_point=-128)
    b.add_operator("SOFTMAX", [x], [y], beta=float(rng.choice([1.0, 0.5, 2.0])))
    b.mark_output(y)
    return b.build()


GENERATORS = {
    "CONV_2D": conv_like, "DEPTHWISE_CONV_2D": conv_like, "FULLY_CONNECTED": fully_connected,
    "ADD": binary, "SUB": binary, "MUL": binary, "AVERAGE_POOL_2D": pooling,
    "MAX_POOL_2D": pooling, "SOFTMAX": softmax,
}


def run_case(data, rng, inputs_per_case=3):
    """None when tinyrt equals tflite-micro (or both refuse the model), else a message."""
    from tflite_micro.python.tflite_micro import runtime
    try:
        ours = tinyrt.Interpreter(model_content=data)
        ours.allocate_tensors()
    except tinyrt.TinyrtError as e:
        return f"tinyrt refused: {e}"
    theirs = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    details = ours.get_input_details()
    for _ in range(inputs_per_case):
        for i, d in enumerate(details):
            info = np.iinfo(d["dtype"])
            x = rng.integers(info.min, info.max, tuple(d["shape"]), endpoint=True).astype(d["dtype"])
            ours.set_input(x, i)
            theirs.set_input(x, i)
        ours.invoke()
        theirs.invoke()
        for k in range(len(ours.get_output_details())):
            a, b = ours.get_output(k), theirs.get_output(k)
            if not np.array_equal(a, b):
                return f"output {k}: {int((a != b).sum())} of {a.size} values differ"
    return None


def sweep(cases, seed=0, ops=None):
    rng = np.random.default_rng(seed)
    ops = ops or sorted(GENERATORS)
    failures = []
    for n in range(cases):
        op = ops[n % len(ops)]
        data = GENERATORS[op](rng, op)
        msg = run_case(data, rng)
        if msg:
            failures.append((n, op, msg, data))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ops", help="comma-separated op names (default: all)")
    args = ap.parse_args()
    t = time.time()
    failures = sweep(args.cases, args.seed, args.ops.split(",") if args.ops else None)
    print(f"{args.cases} cases in {time.time() - t:.0f} s: {len(failures)} mismatches")
    for n, op, msg, _ in failures[:20]:
        print(f"  case {n} {op}: {msg}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
