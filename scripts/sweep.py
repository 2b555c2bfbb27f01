"""Differential sweep: random single-op models run in tinyrt and tflite-micro; outputs must be
identical (integers exactly, floats bit for bit with NaN equal to NaN). Each generator draws
random shapes, parameters, broadcasting, fused activations and quantization, for the dtypes
tflite-micro evaluates for its op. A model both runtimes refuse (or fail to invoke) counts as
agreement; a model only one of them refuses is a mismatch. The test suite runs a quick set
(tests/kernels/test_sweep.py); this runs any number.

    python scripts/sweep.py [--cases N] [--seed S] [--ops CONV_2D,ADD,...] [--list] [--stats]
                            [--save DIR]
"""
import argparse
import contextlib
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinyrt  # noqa: E402
from tinyrt.builder import ModelBuilder  # noqa: E402

F32, I8, I16, I32, I64 = np.float32, np.int8, np.int16, np.int32, np.int64
U8, U32, BOOL = np.uint8, np.uint32, np.bool_
ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 2.5, -2.5, 1e-45, 3.4e38,
                     -3.4e38, 1e-30, 88.8, -104.0], np.float32)


# -- random pieces ------------------------------------------------------------------------------
def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def between(rng, lo, hi):
    """A random int in [lo, hi]."""
    return int(rng.integers(lo, hi + 1))


def rand_shape(rng, min_rank=1, max_rank=4, max_dim=5):
    return tuple(int(d) for d in rng.integers(1, max_dim + 1, between(rng, min_rank, max_rank)))


def partner(rng, shape):
    """A shape that broadcasts against ``shape``: some dimensions 1, maybe fewer of them."""
    dims = [1 if rng.random() < 0.4 else d for d in shape]
    return tuple(dims[between(rng, 0, len(dims)):] if rng.random() < 0.3 else dims)




def broadcast_pair(rng, max_rank=4, scalars=True):
    """Two shapes that broadcast; now and then of rank 5 or 6 (up to ``max_rank``)."""
    if max_rank > 4 and rng.random() < 0.15:
        a = rand_shape(rng, 5, max_rank, 3)
    else:
        a = rand_shape(rng, 0 if scalars and rng.random() < 0.05 else 1, 4)
    b = a if rng.random() < 0.3 else partner(rng, a)
    return (a, b) if rng.random() < 0.5 else (b, a)


def quant(rng, dtype, lo=0.005, hi=0.2):
    """Per-tensor quantization for int8/int16/uint8 (int16 symmetric), None for other dtypes.
    Zero points near the middle, now and then anywhere."""
    dt = np.dtype(dtype)
    if dt not in (np.int8, np.int16, np.uint8):
        return None
    wide = rng.random() < 0.2
    zp = {np.int8: between(rng, -128, 127) if wide else between(rng, -20, 20), np.int16: 0,
          np.uint8: between(rng, 0, 255) if wide else between(rng, 108, 148)}[dt.type]
    return {"scale": float(rng.uniform(lo, hi)), "zero_point": zp}


def is_quant(dtype):
    return np.dtype(dtype) in (np.int8, np.int16, np.uint8)


def dname(dtype):
    return np.dtype(dtype).name


# -- input value draws: f(rng, shape, dtype) -> array -------------------------------------------
def default_draw(rng, shape, dtype):
    """Full range for integers, N(0, 3) for floats, fair coins for bools."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        x = rng.integers(info.min, info.max, shape, endpoint=True).astype(dt)
        if x.size and rng.random() < 0.3:       # a few extremes
            flat = x.reshape(-1)
            k = between(rng, 1, min(flat.size, 4))
            flat[rng.choice(flat.size, k, replace=False)] = rng.choice([info.min, info.max], k)
        return x
    return (rng.standard_normal(shape) * 3).astype(dt)


def ints(lo, hi):
    return lambda rng, shape, dtype: rng.integers(lo, hi, shape, endpoint=True).astype(dtype)


def with_specials(rng, shape, dtype):
    """N(0, 3) floats, and half the time a few infinities, NaNs, signed zeros, halves, extremes."""
    x = default_draw(rng, shape, dtype)
    if x.size and rng.random() < 0.5:
        flat = x.reshape(-1)
        k = between(rng, 1, min(flat.size, 6))
        flat[rng.choice(flat.size, k, replace=False)] = rng.choice(SPECIALS, k)
    return x


def nonzero(draw):
    def f(rng, shape, dtype):
        x = draw(rng, shape, dtype)
        return np.where(x == 0, np.ones((), dtype), x).astype(dtype)
    return f


# -- a model under construction -----------------------------------------------------------------
class Net:
    """A ModelBuilder that also records how to draw each input, the case's main dtype and a
    short description (op, shapes, dtypes, options) for reports."""

    def __init__(self, dtype=None):
        self.b = ModelBuilder()
        self.draws = []
        self.dtype = dname(dtype) if dtype is not None else "-"
        self.desc = ""
        self._names = 0

    def _name(self, p):
        self._names += 1
        return f"{p}{self._names}"

    def input(self, shape, dtype, q=None, draw=None, graph=None):
        """An input of the model (drawn with ``draw``), or of a subgraph."""
        if graph is None:
            self.draws.append(draw or default_draw)
        return (graph or self.b.main).add_input(self._name("x"), shape, dtype, **(q or {}))

    def const(self, value, dtype=None, q=None, graph=None):
        """A constant; ``dtype="int4"`` packs values in [-8, 7]."""
        g = graph or self.b.main
        if dtype == "int4":
            return g.add_constant(self._name("c"), value, dtype="int4", **(q or {}))
        return g.add_constant(self._name("c"), np.asarray(value, dtype), **(q or {}))

    def tensor(self, shape, dtype, q=None, graph=None):
        return (graph or self.b.main).add_tensor(self._name("t"), shape, dtype, **(q or {}))

    def output(self, shape, dtype, q=None, graph=None):
        t = self.tensor(shape, dtype, q, graph)
        (graph or self.b.main).mark_output(t)
        return t

    def variable(self, shape, dtype, q=None):
        return self.b.add_variable(self._name("v"), shape, dtype, **(q or {}))

    def op(self, name, ins, outs, graph=None, **opts):
        (graph or self.b.main).add_operator(name, ins, outs, **opts)
        if not self.desc and graph is None:     # the first op of the main graph
            self.desc = (f"{name} {', '.join(map(self._show, ins))} -> "
                         f"{', '.join(map(self._show, outs))}" + (f" {opts}" if opts else ""))

    def _show(self, t):
        """dtype and shape of a main-graph tensor, "c" marking a constant."""
        if t < 0:
            return "-"
        spec = self.b.main.tensors[t]
        return (f"{dname(_np_of(spec['type']))}{tuple(spec['shape'])}"
                + ("c" if spec["buffer"] else ""))

    def build(self):
        return self.b.build()


def _np_of(code):
    from tinyrt.model import schema
    return next((dt for dt, c in schema.DTYPE_CODE.items() if c == code), np.int32)


# -- elementwise unary --------------------------------------------------------------------------
UNARY = {
    "ABS": (F32, I8, I16), "NEG": (F32,), "CEIL": (F32,), "FLOOR": (F32,), "ROUND": (F32,),
    "SQRT": (F32,), "RSQRT": (F32, I8, I16), "SQUARE": (F32,), "SIN": (F32,), "COS": (F32,),
    "EXP": (F32,), "LOG": (F32,), "LOGICAL_NOT": (BOOL,), "ZEROS_LIKE": (F32, I8, I32, I64),
    "RELU": (F32, I8, I16), "RELU6": (F32, I8, I16), "LEAKY_RELU": (F32, I8, I16), "ELU": (F32, I8),
    "HARD_SWISH": (F32, I8), "LOGISTIC": (F32, I8, I16), "TANH": (F32, I8, I16),
}
# outputs whose quantization tflite-micro fixes
FIXED_OUT_Q = {("LOGISTIC", I8): (1 / 256, -128), ("TANH", I8): (1 / 128, 0),
               ("LOGISTIC", I16): (2 ** -15, 0), ("TANH", I16): (2 ** -15, 0)}


def unary(rng, op):
    dt = pick(rng, UNARY[op])
    net = Net(dt)
    rank0 = rng.random() < 0.05
    shape = rand_shape(rng, 0 if rank0 else 1, 5, 6)
    qin = quant(rng, dt, 0.005, 0.2)
    if op in ("LOGISTIC", "TANH") and is_quant(dt):      # inputs across the curved part
        qin["scale"] = float(rng.uniform(0.003, 0.08)) if dt == I8 else \
            float(pick(rng, [2.0 ** -12, 2.0 ** -11, rng.uniform(1e-4, 1e-3)]))
    qout = quant(rng, dt, 0.005, 0.2)
    if (op, dt) in FIXED_OUT_Q:
        s, z = FIXED_OUT_Q[op, dt]
        qout = {"scale": s, "zero_point": z}
    if op == "ZEROS_LIKE":
        qin = qout = None
    draw = with_specials if dt == F32 else None
    if op in ("SQRT", "RSQRT", "LOG") and dt == F32 and rng.random() < 0.7:
        draw = lambda rng, s, d: np.abs(with_specials(rng, s, d))  # noqa: E731
    if op == "RSQRT" and is_quant(dt):   # tflite-micro refuses negative real inputs at invoke
        draw = ints(qin["zero_point"], np.iinfo(dt).max)
    opts = {"alpha": float(rng.uniform(-0.5, 1.5))} if op == "LEAKY_RELU" else {}
    x = net.input(shape, dt, qin, draw)
    net.op(op, [x], [net.output(shape, dt, qout)], **opts)
    return net


# -- softmax-like (over the last axis) ----------------------------------------------------------
def normalization(rng, op):
    dt = pick(rng, {"SOFTMAX": (F32, I8, I16), "LOG_SOFTMAX": (F32, I8),
                    "L2_NORMALIZATION": (F32, I8)}[op])
    net = Net(dt)
    shape = rand_shape(rng, 0, 3, 5) + (between(rng, 1, 9 if rng.random() < 0.8 else 40),)
    qin = quant(rng, dt, 0.002, 0.5)
    out_dt, qout = dt, None
    if op == "SOFTMAX" and dt == I8:     # (an int16 output: both refuse)
        qout = {"scale": 1 / 256, "zero_point": -128}
    elif op == "SOFTMAX" and dt == I16:
        qout = {"scale": 1 / 32768, "zero_point": 0}
        qin["scale"] = float(rng.uniform(1e-4, 0.01))
    elif op == "LOG_SOFTMAX" and dt == I8:
        qout = {"scale": 16 / 256, "zero_point": 127}
        qin["scale"] = float(rng.uniform(0.002, 0.15))
    elif op == "L2_NORMALIZATION" and dt == I8:
        qout = {"scale": 1 / 128, "zero_point": 0}
    opts = {"beta": float(pick(rng, [1.0, 1.0, 0.5, 2.0, rng.uniform(0.1, 3)]))} \
        if op == "SOFTMAX" else {}
    x = net.input(shape, dt, qin, with_specials if op != "SOFTMAX" and dt == F32 else None)
    net.op(op, [x], [net.output(shape, out_dt, qout)], **opts)
    return net


# -- binary with broadcasting -------------------------------------------------------------------
BINARY = {
    "ADD": (F32, I8, I16, I32), "SUB": (F32, I8, I16, I32), "MUL": (F32, I8, I16, I32),
    "DIV": (F32, I8, I32), "MAXIMUM": (F32, I8, I16, I32, I64), "MINIMUM": (F32, I8, I16, I32, I64),
    "SQUARED_DIFFERENCE": (F32, I8, I16, I32), "FLOOR_DIV": (F32,), "FLOOR_MOD": (F32,),
    "LOGICAL_AND": (BOOL,), "LOGICAL_OR": (BOOL,), "PRELU": (F32, I8, I16),
}
FUSED = {"ADD", "SUB", "MUL", "DIV"}


def _reach(q, dt):
    """The largest real magnitude a quantized tensor holds."""
    return q["scale"] * (np.iinfo(dt).max + abs(q["zero_point"]))


def binary(rng, op):
    dt = pick(rng, BINARY[op])
    net = Net(dt)
    # (tflite-micro's PRELU aborts on rank 5)
    sa, sb = broadcast_pair(rng, 4 if op == "PRELU" else 6)
    sy = np.broadcast_shapes(sa, sb)
    qa, qb = quant(rng, dt), quant(rng, dt)
    dt_b = dt
    if op in ("MAXIMUM", "MINIMUM"):     # tflite-micro compares raw values
        qb = qy = qa
    if op == "PRELU":
        sb = partner(rng, sa)[-len(sa):] if sa else sa
        sy = np.broadcast_shapes(sa, sb)
        if is_quant(dt):
            dt_b, qb = I8, quant(rng, I8, 0.001, 0.02)
    qy = quant(rng, dt)
    if qy and op not in ("MAXIMUM", "MINIMUM"):
        # an output scale for the real range the result can reach, so that few values clamp
        ra, rb = _reach(qa, dt), _reach(qb, dt_b)
        reach = {"MUL": ra * rb, "SQUARED_DIFFERENCE": (ra + rb) ** 2,
                 "PRELU": ra * max(1.0, rb)}.get(op, ra + rb)
        qy["scale"] = float(reach / np.iinfo(dt).max * rng.uniform(0.2, 1.2))
    opts = {"fused_activation_function": pick(rng, ACTS[:3] if dt != F32 else ACTS)} \
        if op in FUSED and dt != I32 else {}
    draw_a = draw_b = with_specials if dt == F32 else None
    if op == "DIV" and dt == I32:
        # No division by zero and no INT_MIN / -1: both trap in tflite-micro (INT_MIN over
        # other divisors is in tests/kernels/test_edge_semantics.py)
        draw_a = ints(-2 ** 31 + 1, 2 ** 31 - 1)
        draw_b = nonzero(lambda r, s, d: pick(r, [ints(-9, 9), ints(-2 ** 31 + 1, 2 ** 31 - 1)])(
            r, s, d))
    elif op in ("DIV", "FLOOR_DIV", "FLOOR_MOD"):
        draw_b = nonzero(default_draw)
    a = net.input(sa, dt, qa, draw_a)
    b = net.const(default_draw(rng, sb, dt_b), q=qb) if op == "PRELU" and rng.random() < 0.3 \
        else net.input(sb, dt_b, qb, draw_b)
    net.op(op, [a, b], [net.output(sy, dt, qy)], **opts)
    return net


COMPARISONS = ["EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"]


def comparison(rng, op):
    dt = pick(rng, (F32, I8, I32, I64) + ((BOOL,) if op in ("EQUAL", "NOT_EQUAL") else ()))
    net = Net(dt)
    sa, sb = broadcast_pair(rng, 6)
    qa = quant(rng, dt, 0.01, 0.2)
    qb = dict(qa) if qa and rng.random() < 0.3 else quant(rng, dt, 0.01, 0.2)
    # few distinct values half the time, so that ties are common
    draw = (lambda r, s, d: ints(-3, 3)(r, s, np.int8).astype(d)) if rng.random() < 0.5 else \
        (with_specials if dt == F32 else None)
    a, b = net.input(sa, dt, qa, draw), net.input(sb, dt, qb, draw)
    net.op(op, [a, b], [net.output(np.broadcast_shapes(sa, sb), BOOL)])
    return net


def select_v2(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    out = rand_shape(rng, 1, 4)
    shapes = [partner(rng, out) for _ in range(3)]
    shapes[between(rng, 0, 2)] = out
    q = quant(rng, dt)
    c = net.input(shapes[0], BOOL)
    x, y = net.input(shapes[1], dt, q), net.input(shapes[2], dt, q)
    net.op(op, [c, x, y], [net.output(np.broadcast_shapes(*shapes), dt, q)])
    return net


def add_n(rng, op):
    dt = pick(rng, (F32, I8))
    net = Net(dt)
    shape = rand_shape(rng, 1, 4)
    q = quant(rng, dt)          # tflite-micro sums int8 inputs of one quantization
    n = between(rng, 2, 4)
    ins = [net.input(shape, dt, q) for _ in range(n)]
    qy = dict(q, scale=q["scale"] * np.sqrt(n) * rng.uniform(0.7, 2)) if q else None
    net.op(op, ins, [net.output(shape, dt, qy)])
    return net


# -- reductions ---------------------------------------------------------------------------------
def _axes(rng, rank):
    k = between(rng, 1, rank)
    axes = [int(a) for a in rng.choice(rank, k, replace=False)]
    return [a - rank if rng.random() < 0.3 else a for a in axes]


def reduction(rng, op):
    # tflite-micro's int16 REDUCE_MAX / REDUCE_MIN fail at invoke
    dt = pick(rng, {"MEAN": (F32, I8, I16), "SUM": (F32, I8, I16), "REDUCE_MAX": (F32, I8),
                    "REDUCE_MIN": (F32, I8), "REDUCE_ALL": (BOOL,)}[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 4, 6)
    axes = _axes(rng, len(shape))
    if rng.random() < 0.15:     # the converter's favourite: 4-D, spatial axes, kept
        shape, axes = (1,) + rand_shape(rng, 3, 3, 6), [1, 2]
    keep = bool(rng.random() < 0.5)
    red = {a % len(shape) for a in axes}
    out = tuple(1 if i in red else d for i, d in enumerate(shape)) if keep else \
        tuple(d for i, d in enumerate(shape) if i not in red)
    qin = quant(rng, dt)
    qout = qin if op in ("REDUCE_MAX", "REDUCE_MIN") else quant(rng, dt, 0.005, 0.5)
    if op == "SUM" and qin:     # room for the sum of that many values
        count = int(np.prod([shape[a] for a in red]))
        qout["scale"] = float(qin["scale"] * np.sqrt(count) * rng.uniform(0.5, 3))
    x = net.input(shape, dt, qin)
    net.op(op, [x, net.const(axes, I32)], [net.output(out, dt, qout)], keep_dims=keep)
    return net


def arg_min_max(rng, op):
    dt = pick(rng, (F32, I8))
    net = Net(dt)
    shape = rand_shape(rng, 1, 4, 6)
    axis = between(rng, -len(shape), len(shape) - 1)
    out = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    x = net.input(shape, dt, quant(rng, dt),
                  ints(-3, 3) if dt != F32 and rng.random() < 0.5 else None)   # ties
    ax = net.const([axis] if rng.random() < 0.5 else axis, I32)
    net.op(op, [x, ax], [net.output(out, I32)], output_type=2)
    return net


def cumsum(rng, op):
    dt = pick(rng, (F32, I8))    # (int32: tflite-micro refuses the model, tinyrt takes it)
    net = Net(dt)
    shape = rand_shape(rng, 1, 4, 6)
    axis = between(rng, -len(shape), len(shape) - 1)
    qin = quant(rng, dt, 0.01, 0.1)
    qout = quant(rng, dt, 0.05, 0.5)
    x = net.input(shape, dt, qin)
    net.op(op, [x, net.const(axis, I32)], [net.output(shape, dt, qout)],
           exclusive=bool(rng.random() < 0.5), reverse=bool(rng.random() < 0.5))
    return net


# -- movement and shape -------------------------------------------------------------------------
MOVE = (F32, I8, I16, I32, I64, BOOL)
# what tflite-micro moves for each op (tinyrt often moves more)
MOVE_DTYPES = {
    "RESHAPE": MOVE, "SQUEEZE": MOVE, "EXPAND_DIMS": (F32, I8, I16),
    "TRANSPOSE": (F32, I8, I16), "REVERSE_V2": MOVE + (U8,), "CONCATENATION": MOVE,
    "PACK": (F32, I8, I16, I32, I64), "UNPACK": (F32, I8, I16, I32), "SPLIT": (F32, I8, I16, I32),
    "SPLIT_V": (F32, I8, I16, I32), "SLICE": (F32, I8, I16, I32, BOOL),
    "STRIDED_SLICE": (F32, I8, I16, I32, BOOL),
    "PAD": (F32, I8, I16, I32), "PADV2": (F32, I8, I16, I32), "MIRROR_PAD": (F32, I8),
    "GATHER": (F32, I8), "GATHER_ND": (F32, I8), "BROADCAST_TO": MOVE + (U8,),
    "DYNAMIC_UPDATE_SLICE": (F32, I8, I16, I32), "FILL": (F32, I8, I32),
    "SHAPE": MOVE, "DEPTH_TO_SPACE": (F32, I8), "SPACE_TO_DEPTH": (F32, I8),
    "SPACE_TO_BATCH_ND": (F32, I8), "BATCH_TO_SPACE_ND": (F32, I8),
}


def reshape(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 0, 5)
    if op == "SQUEEZE":
        shape = tuple(d if rng.random() < 0.5 else 1 for d in rand_shape(rng, 1, 5))
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    if op == "RESHAPE":
        n = int(np.prod(shape))
        out = []
        while n > 1 and len(out) < 4:
            d = pick(rng, [k for k in range(1, n + 1) if n % k == 0])
            out.append(d)
            n //= d
        out.append(n)
        rng.shuffle(out)
        out = tuple(out)
        spec = list(out)
        if rng.random() < 0.3:
            spec[between(rng, 0, len(spec) - 1)] = -1
        how = between(rng, 0, 2)
        ins = [x] if how == 0 else [x, net.const(spec, I32)]
        opts = {"new_shape": spec} if how != 1 else {}
        net.op(op, ins, [net.output(out, dt, q)], **opts)
    elif op == "SQUEEZE":
        ones = [i for i, d in enumerate(shape) if d == 1]
        if ones and rng.random() < 0.7:
            dims = [i for i in ones if rng.random() < 0.5] or ones[:1]
            out = tuple(d for i, d in enumerate(shape) if i not in dims)
            dims = [i - len(shape) if rng.random() < 0.3 else i for i in dims]
        else:
            dims, out = [], tuple(d for d in shape if d != 1)
        net.op(op, [x], [net.output(out, dt, q)], squeeze_dims=dims)
    else:   # EXPAND_DIMS
        axis = between(rng, -len(shape) - 1, len(shape))
        out = list(shape)
        out.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
        net.op(op, [x, net.const([axis] if rng.random() < 0.5 else axis, I32)],
               [net.output(tuple(out), dt, q)])
    return net


def transpose(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 5)
    perm = [int(p) for p in rng.permutation(len(shape))]
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    net.op(op, [x, net.const(perm, I32)], [net.output(tuple(shape[p] for p in perm), dt, q)])
    return net


def reverse(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 5)
    first = between(rng, 0, len(shape) - 1)
    axes = list(range(first, between(rng, first, len(shape) - 1) + 1))
    axes = [a - len(shape) if rng.random() < 0.3 else a for a in axes[::pick(rng, [1, -1])]]
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    net.op(op, [x, net.const(axes, I32)], [net.output(shape, dt, q)])
    return net


def concat_pack(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    base = list(rand_shape(rng, 1, 4))
    n = between(rng, 1, 4)
    q = quant(rng, dt)
    if op == "CONCATENATION":
        axis = between(rng, -len(base), len(base) - 1)
        sizes = [between(rng, 1, 4) for _ in range(n)]
        ins = []
        for s in sizes:
            sh = list(base)
            sh[axis] = s
            ins.append(net.input(tuple(sh), dt, q))
        base[axis] = sum(sizes)
        net.op(op, ins, [net.output(tuple(base), dt, q)], axis=axis)
    else:
        axis = between(rng, -len(base) - 1, len(base))
        ins = [net.input(tuple(base), dt, q) for _ in range(n)]
        out = list(base)
        out.insert(axis if axis >= 0 else len(base) + 1 + axis, n)
        net.op(op, ins, [net.output(tuple(out), dt, q)], values_count=n, axis=axis)
    return net


def unpack_split(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = list(rand_shape(rng, 1, 4))
    axis = between(rng, -len(shape), len(shape) - 1)
    q = quant(rng, dt)
    if op == "UNPACK":
        x = net.input(tuple(shape), dt, q)
        n = shape[axis]
        rest = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
        net.op(op, [x], [net.output(rest, dt, q) for _ in range(n)], num=n, axis=axis)
    elif op == "SPLIT":
        n = between(rng, 1, 4)
        shape[axis] = n * between(rng, 1, 3)
        x = net.input(tuple(shape), dt, q)
        piece = list(shape)
        piece[axis] //= n
        outs = [net.output(tuple(piece), dt, q) for _ in range(n)]
        net.op(op, [net.const([axis] if rng.random() < 0.5 else axis, I32), x], outs,
               num_splits=n)
    else:   # SPLIT_V
        # (an empty piece: tflite-micro refuses the model, tinyrt takes it)
        sizes = [between(rng, 1, 4) for _ in range(between(rng, 1, 4))]
        shape[axis] = sum(sizes)
        x = net.input(tuple(shape), dt, q)
        spec = list(sizes)
        if rng.random() < 0.3:
            spec[between(rng, 0, len(spec) - 1)] = -1
        outs = []
        for s in sizes:
            piece = list(shape)
            piece[axis] = s
            outs.append(net.output(tuple(piece), dt, q))
        net.op(op, [x, net.const(spec, I32), net.const([axis], I32)], outs,
               num_splits=len(sizes))
    return net


def slices(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 4 if op == "STRIDED_SLICE" else 5, 6)
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    if op == "SLICE":
        begin = [between(rng, 0, d - 1) for d in shape]
        size = [between(rng, 1, d - b) if rng.random() < 0.8 else -1 for b, d in zip(begin, shape)]
        out = tuple(d - b if s == -1 else s for b, s, d in zip(begin, size, shape))
        idt = pick(rng, (I32, I64))
        net.op(op, [x, net.const(begin, idt), net.const(size, idt)], [net.output(out, dt, q)])
        return net
    begin, end, strides, out = [], [], [], []
    bmask = emask = shrink = 0
    for i, d in enumerate(shape):
        s = pick(rng, [1, 1, 2, 3, -1, -2])
        b, e = between(rng, -d - 1, d + 1), between(rng, -d - 1, d + 1)
        if rng.random() < 0.15:
            shrink |= 1 << i
            b, s = between(rng, -d, d - 1), 1
            e = b + 1
        else:
            if rng.random() < 0.25:
                bmask |= 1 << i
            if rng.random() < 0.25:
                emask |= 1 << i
            n = len(range(d)[slice(None if bmask >> i & 1 else b, None if emask >> i & 1 else e,
                                   s)])
            if n == 0:      # an empty slice: take the whole axis instead
                b, e, s = 0, d, 1
                bmask &= ~(1 << i)
                emask &= ~(1 << i)
                n = d
            out.append(n)
        begin.append(b)
        end.append(e)
        strides.append(s)
    net.op(op, [x, net.const(begin, I32), net.const(end, I32), net.const(strides, I32)],
           [net.output(tuple(out), dt, q)], begin_mask=bmask, end_mask=emask,
           shrink_axis_mask=shrink)
    return net


def pad(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 4, 5)
    if op == "MIRROR_PAD":
        mode = between(rng, 0, 1)    # REFLECT pads at most d - 1, SYMMETRIC at most d
        pads = [[between(rng, 0, d - 1 + mode), between(rng, 0, d - 1 + mode)] for d in shape]
    else:
        pads = [[between(rng, 0, 2), between(rng, 0, 2)] for _ in shape]
    out = tuple(d + a + b for d, (a, b) in zip(shape, pads))
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    padding = net.const(pads, pick(rng, (I32, I64)) if op == "MIRROR_PAD" else I32)
    ins = [x, padding]
    if op == "PADV2":
        ins.append(net.const(default_draw(rng, (), dt), q=q))
    opts = {"mode": mode} if op == "MIRROR_PAD" else {}
    net.op(op, ins, [net.output(out, dt, q)], **opts)
    return net


def gather(rng, op):
    dt = pick(rng, MOVE_DTYPES[op] if op != "EMBEDDING_LOOKUP" else (F32, I8))
    net = Net(dt)
    q = quant(rng, dt)
    if op == "GATHER":
        shape = rand_shape(rng, 1, 4)
        axis = between(rng, 0, len(shape) - 1)
        batch_dims = between(rng, 0, axis) if rng.random() < 0.4 else 0
        idx_shape = shape[:batch_dims] + rand_shape(rng, 0, 2, 4)
        idx = rng.integers(0, shape[axis], idx_shape).astype(I32)
        out = shape[:axis] + idx_shape[batch_dims:] + shape[axis + 1:]
        x = net.input(shape, dt, q)
        if rng.random() < 0.5:
            ix = net.const(idx)
        else:
            ix = net.input(idx_shape, I32, None, ints(0, shape[axis] - 1))
        net.op(op, [x, ix], [net.output(out, dt, q)], axis=axis if rng.random() < 0.7 else
               axis - len(shape), batch_dims=batch_dims)
    elif op == "GATHER_ND":
        shape = rand_shape(rng, 1, 4)
        depth = between(rng, 1, len(shape))
        lead = rand_shape(rng, 0, 2, 3)
        idx = np.stack([rng.integers(0, shape[k], lead) for k in range(depth)], -1).astype(I32)
        out = lead + shape[depth:]
        x = net.input(shape, dt, q)
        net.op(op, [x, net.const(idx)], [net.output(out, dt, q)])
    else:   # EMBEDDING_LOOKUP; an int8 table into a float32 output dequantizes the rows
        rows = between(rng, 1, 6)
        shape = (rows,) + rand_shape(rng, 1, 3)
        n = between(rng, 1, 5)
        ids = net.input((n,), I32, None, ints(0, rows - 1)) if rng.random() < 0.5 else \
            net.const(rng.integers(0, rows, n), I32)
        hybrid = dt == I8 and rng.random() < 0.3
        if hybrid:
            q = {"scale": q["scale"], "zero_point": 0}
        table = net.input(shape, dt, q)
        net.op(op, [ids, table], [net.output((n,) + shape[1:], F32 if hybrid else dt,
                                             None if hybrid else q)])
    return net


def broadcast_to(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    out = rand_shape(rng, 1, 5)
    shape = partner(rng, out)
    q = quant(rng, dt)
    x = net.input(shape, dt, q)
    net.op(op, [x, net.const(out, pick(rng, (I32, I64)))], [net.output(out, dt, q)])
    return net


def broadcast_args(rng, op):
    dt = pick(rng, (I32, I64))
    net = Net(dt)
    ra, rb = between(rng, 1, 4), between(rng, 1, 4)
    pending = []

    def first(r, shape, d):
        """Two shapes that broadcast, drawn together: this input gets the first, the next
        input the second."""
        full = r.integers(1, 5, max(ra, rb))
        a = [int(v) if r.random() < 0.6 else 1 for v in full[-ra:]]
        b = [int(v) if r.random() < 0.6 else 1 for v in full[-rb:]]
        pending.append(b)
        return np.array(a, d)

    a = net.input((ra,), dt, None, first)
    b = net.input((rb,), dt, None, lambda r, shape, d: np.array(pending.pop(), d))
    net.op(op, [a, b], [net.output((max(ra, rb),), dt)])
    return net


def shape_op(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 0, 5)
    x = net.input(shape, dt, quant(rng, dt))
    net.op(op, [x], [net.output((len(shape),), I32)], out_type=2)
    return net


def fill(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 4)
    q = quant(rng, dt)
    value = net.input((), dt, q)
    dims = net.const(shape, pick(rng, (I32, I64)))
    net.op(op, [dims, value], [net.output(shape, dt, q)])
    return net


def dynamic_update_slice(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    shape = rand_shape(rng, 1, 4, 6)
    upd = tuple(between(rng, 1, d) for d in shape)
    q = quant(rng, dt)
    x, u = net.input(shape, dt, q), net.input(upd, dt, q)
    # start indices out of range too: both clamp them
    s = net.input((len(shape),), pick(rng, (I32, I64)), None, ints(-2, max(shape) + 1))
    net.op(op, [x, u, s], [net.output(shape, dt, q)])
    return net


def space_depth(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    bs = between(rng, 1, 3)
    n, h, w, c = between(rng, 1, 2), between(rng, 1, 3), between(rng, 1, 3), between(rng, 1, 4)
    q = quant(rng, dt)
    if op == "DEPTH_TO_SPACE":
        xs, ys = (n, h, w, c * bs * bs), (n, h * bs, w * bs, c)
    else:
        xs, ys = (n, h * bs, w * bs, c), (n, h, w, c * bs * bs)
    x = net.input(xs, dt, q)
    net.op(op, [x], [net.output(ys, dt, q)], block_size=bs)
    return net


def space_batch(rng, op):
    dt = pick(rng, MOVE_DTYPES[op])
    net = Net(dt)
    spatial = between(rng, 1, 2)
    block = [between(rng, 1, 3) for _ in range(spatial)]
    n, c = between(rng, 1, 2), between(rng, 1, 3)
    q = quant(rng, dt)
    if op == "SPACE_TO_BATCH_ND":
        # no padding: tflite-micro fills padding with an uninitialised value
        dims = [b * between(rng, 1, 3) for b in block]
        xs = (n, *dims, c)
        ys = (n * int(np.prod(block)), *[d // b for d, b in zip(dims, block)], c)
        third = net.const(np.zeros((spatial, 2)), I32)
    else:
        dims = [between(rng, 1, 3) for _ in block]
        crops = [[between(rng, 0, d * b - 1), 0] for d, b in zip(dims, block)]
        for cr, d, b in zip(crops, dims, block):
            cr[1] = between(rng, 0, d * b - 1 - cr[0])
        xs = (n * int(np.prod(block)), *dims, c)
        ys = (n, *[d * b - a - e for d, b, (a, e) in zip(dims, block, crops)], c)
        third = net.const(crops, I32)
    x = net.input(xs, dt, q)
    net.op(op, [x, net.const(block, I32), third], [net.output(ys, dt, q)])
    return net


# -- type conversion ----------------------------------------------------------------------------
CAST_FROM = (F32, I8, I16, I32, U32, BOOL)
CAST_TO = (F32, I8, I16, I32, U32)
QUANTIZE_PAIRS = [(F32, I8), (F32, I16), (I32, I8), (I32, I16), (I16, I8), (I16, I16), (I16, I32),
                  (I8, I8), (I8, U8), (I8, I16), (I8, I32), (U8, I8)]


def convert(rng, op):
    shape = rand_shape(rng, 1, 4)
    if op == "CAST":
        src, dst = pick(rng, CAST_FROM), pick(rng, CAST_TO)
        net = Net(src)
        x = net.input(shape, src, None, None)
        net.op(op, [x], [net.output(shape, dst)])
    elif op == "QUANTIZE":
        src, dst = QUANTIZE_PAIRS[int(rng.integers(len(QUANTIZE_PAIRS)))]
        net = Net(src)
        qin = quant(rng, src) if src != I32 else {"scale": float(rng.uniform(1e-5, 1e-3)),
                                                  "zero_point": 0}
        qout = quant(rng, dst, 0.002, 0.3) if dst != I32 else \
            {"scale": float(rng.uniform(1e-5, 1e-3)), "zero_point": 0}
        x = net.input(shape, src, qin)
        net.op(op, [x], [net.output(shape, dst, qout)])
    else:   # DEQUANTIZE
        src = pick(rng, (I8, I16, U8))
        net = Net(src)
        x = net.input(shape, src, quant(rng, src, 0.001, 0.5))
        net.op(op, [x], [net.output(shape, F32)])
    return net


# -- pooling, resizing --------------------------------------------------------------------------
def pooling(rng, op):
    dt = pick(rng, (F32,) if op == "L2_POOL_2D" else (F32, I8, I16))
    net = Net(dt)
    n = between(rng, 1, 2)
    h, w, c = between(rng, 1, 10), between(rng, 1, 10), between(rng, 1, 5)
    fh, fw = between(rng, 1, 4), between(rng, 1, 4)
    sh, sw = between(rng, 1, 3), between(rng, 1, 3)
    pad = "SAME" if rng.random() < 0.5 or fh > h or fw > w else "VALID"
    oh = (h + sh - 1) // sh if pad == "SAME" else (h - fh + sh) // sh
    ow = (w + sw - 1) // sw if pad == "SAME" else (w - fw + sw) // sw
    q = quant(rng, dt)
    x = net.input((n, h, w, c), dt, q)
    net.op(op, [x], [net.output((n, oh, ow, c), dt, q)], padding=pad, stride_w=sw, stride_h=sh,
           filter_width=fw, filter_height=fh,
           fused_activation_function=pick(rng, ACTS if dt == F32 else ACTS[:3]))
    return net


def resize(rng, op):
    dt = pick(rng, (F32, I8) if op == "RESIZE_BILINEAR" else (F32, I8, I16))
    net = Net(dt)
    n, h, w, c = between(rng, 1, 2), between(rng, 1, 6), between(rng, 1, 6), between(rng, 1, 3)
    oh, ow = between(rng, 1, 12), between(rng, 1, 12)
    align = bool(rng.random() < 0.3)
    half = bool(not align and rng.random() < 0.5)
    q = quant(rng, dt)
    x = net.input((n, h, w, c), dt, q)
    net.op(op, [x, net.const([oh, ow], I32)], [net.output((n, oh, ow, c), dt, q)],
           align_corners=align, half_pixel_centers=half)
    return net


# -- convolutions and matrix products -----------------------------------------------------------
def _weights(rng, net, shape, dt, channels, axis, int4=True, per_channel_int4=True):
    """Float weights, or symmetric int8 ones per channel (or per tensor), for int8 activations
    now and then packed int4 ones; returns (tensor, scales or None)."""
    if dt == F32:
        return net.const(rng.standard_normal(shape).astype(F32)), None
    int4 = int4 and dt == I8 and rng.random() < 0.25
    per_channel = rng.random() < 0.7 and (per_channel_int4 or not int4)
    ws = rng.uniform(0.002, 0.03, channels if per_channel else 1)
    q = {"scale": ws, "zero_point": [0] * len(ws), "quantized_dimension": axis}
    if int4:
        net.dtype = "int8/w4"       # reported apart in the statistics
        return net.const(rng.integers(-8, 8, shape), "int4", q), ws
    return net.const(rng.integers(-127, 128, shape).astype(I8), q=q), ws


def _bias(rng, net, dt, n, ws, in_scale, int16_bias, optional=True):
    if optional and rng.random() < 0.15:
        return -1
    if dt == F32:
        return net.const(rng.standard_normal(n).astype(F32))
    bdt = pick(rng, int16_bias) if dt == I16 else I32
    scales = np.broadcast_to(ws * in_scale, (n,))
    return net.const(rng.integers(-3000, 3000, n).astype(bdt),
                     q={"scale": scales, "zero_point": [0] * n})


def conv_like(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    n = between(rng, 1, 2)
    # now and then many channels and taps (other summation strategies in tinyrt)
    big = rng.random() < 0.15
    h, w = between(rng, 1, 16 if big else 11), between(rng, 1, 16 if big else 11)
    c = between(rng, 1, 24 if big else 8)
    kh, kw = between(rng, 1, 6 if big else 4), between(rng, 1, 6 if big else 4)
    sh, sw = between(rng, 1, 3), between(rng, 1, 3)
    dh, dw = (between(rng, 1, 2), between(rng, 1, 2)) if rng.random() < 0.3 else (1, 1)
    pad = pick(rng, ["SAME", "VALID"])
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if pad == "VALID" and (eh > h or ew > w):
        pad = "SAME"
    oh = (h + sh - 1) // sh if pad == "SAME" else (h - eh + sh) // sh
    ow = (w + sw - 1) // sw if pad == "SAME" else (w - ew + sw) // sw
    dwise = op == "DEPTHWISE_CONV_2D"
    dm = between(rng, 1, 3) if dwise else 1
    oc = c * dm if dwise else between(rng, 1, 8)
    qx = quant(rng, dt, 0.01, 0.1)
    x = net.input((n, h, w, c), dt, qx)
    wshape = (1, kh, kw, oc) if dwise else (oc, kh, kw, c)
    wt, ws = _weights(rng, net, wshape, dt, oc, 3 if dwise else 0)
    # (int16 DEPTHWISE_CONV_2D with an int32 bias: tflite-micro reads it as int64, garbage;
    # tinyrt refuses it)
    bias = _bias(rng, net, dt, oc, ws, qx["scale"] if qx else 1.0,
                 (I64,) if dwise else (I64, I32))
    # tflite-micro's DEPTHWISE_CONV_2D dereferences an absent (-1) bias, a crash: without a
    # bias it gets two inputs
    ins = [x, wt] if dwise and bias == -1 else [x, wt, bias]
    opts = dict(padding=pad, stride_w=sw, stride_h=sh, dilation_wfactor=dw, dilation_hfactor=dh,
                fused_activation_function=pick(rng, ACTS))
    if dwise:
        opts["depth_multiplier"] = dm
    else:   # without a bias, INT32 (2) makes int16 accumulate in int32 as an int32 bias does
        opts["quantized_bias_type"] = pick(rng, (0, 2, 4))
    net.op(op, ins, [net.output((n, oh, ow, oc), dt, quant(rng, dt, 0.02, 0.5))], **opts)
    return net


def transpose_conv(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    n = between(rng, 1, 2)
    h, w, c = between(rng, 1, 6), between(rng, 1, 6), between(rng, 1, 5)
    kh, kw = between(rng, 1, 4), between(rng, 1, 4)
    sh, sw = between(rng, 1, 3), between(rng, 1, 3)
    pad = pick(rng, ["SAME", "VALID"])
    oh = h * sh if pad == "SAME" else (h - 1) * sh + kh
    ow = w * sw if pad == "SAME" else (w - 1) * sw + kw
    oc = between(rng, 1, 6)
    qx = quant(rng, dt, 0.01, 0.1)
    wt, ws = _weights(rng, net, (oc, kh, kw, c), dt, oc, 0, int4=False)   # (int4: both refuse)
    shape = net.const([n, oh, ow, oc], I32)
    x = net.input((n, h, w, c), dt, qx, with_specials if dt == F32 else None)
    # (int16 with an int32 bias: tflite-micro reads it as int64, garbage; tinyrt refuses it)
    bias = _bias(rng, net, dt, oc, ws, qx["scale"] if qx else 1.0, (I64, I16))
    ins = [shape, wt, x] + ([bias] if bias != -1 or rng.random() < 0.5 else [])
    net.op(op, ins, [net.output((n, oh, ow, oc), dt, quant(rng, dt, 0.02, 0.5))], padding=pad,
           stride_w=sw, stride_h=sh,
           fused_activation_function=pick(rng, ACTS if dt == F32 else ACTS[:2]))
    return net


def fully_connected(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    lead = rand_shape(rng, 1, 3, 3)
    # now and then a long reduction (past the float32-exact range of tinyrt's integer GEMM)
    depth, units = between(rng, 1, 700 if rng.random() < 0.15 else 40), between(rng, 1, 20)
    keep = bool(rng.random() < 0.3)
    qx = quant(rng, dt, 0.01, 0.1)
    x = net.input(lead + (depth,), dt, qx)
    # (int4 weights per channel: both refuse)
    wt, ws = _weights(rng, net, (units, depth), dt, units, 0, per_channel_int4=False)
    bias = _bias(rng, net, dt, units, ws, qx["scale"] if qx else 1.0, (I64, I32))
    out = lead + (units,) if keep else (int(np.prod(lead)), units)
    net.op(op, [x, wt, bias], [net.output(out, dt, quant(rng, dt, 0.02, 0.5))],
           fused_activation_function=pick(rng, ACTS), keep_num_dims=keep,
           quantized_bias_type=pick(rng, (0, 2, 4)))
    return net


def batch_matmul(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    batch = rand_shape(rng, 0, 2, 3)
    m, k, n = between(rng, 1, 8), between(rng, 1, 600 if rng.random() < 0.1 else 12), \
        between(rng, 1, 8)
    ba, bb = (batch, partner(rng, batch)) if rng.random() < 0.5 else (partner(rng, batch), batch)
    adj_x, adj_y = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
    sa = ba + ((k, m) if adj_x else (m, k))
    sb = bb + ((n, k) if adj_y else (k, n))
    qa, qb = quant(rng, dt, 0.01, 0.1), quant(rng, dt, 0.01, 0.1)
    if qb:
        qb["zero_point"] = 0
    a = net.input(sa, dt, qa)
    b = net.const(default_draw(rng, sb, dt), q=qb) if rng.random() < 0.4 else \
        net.input(sb, dt, qb)
    out = np.broadcast_shapes(ba, bb) + (m, n)
    net.op(op, [a, b], [net.output(out, dt, quant(rng, dt, 0.05, 1.0))], adj_x=adj_x,
           adj_y=adj_y)
    return net


# -- recurrent ops (state carried across the invokes of a case) ---------------------------------
def svdf(rng, op):
    dt = pick(rng, (F32, I8))      # int8 with an int16 state
    net = Net(dt)
    batch, n_input, n_unit = between(rng, 1, 3), between(rng, 1, 10), between(rng, 1, 4)
    rank, n_memory = between(rng, 1, 3), between(rng, 1, 6)
    n_filter = n_unit * rank
    # tflite-micro dereferences an absent SVDF bias (a crash): always give one
    if dt == F32:
        x = net.input((batch, n_input), F32)
        wf = net.const(rng.standard_normal((n_filter, n_input)).astype(F32))
        wt = net.const(rng.standard_normal((n_filter, n_memory)).astype(F32))
        bias = net.const(rng.standard_normal(n_unit).astype(F32))
        state = net.variable((batch, n_filter * n_memory), F32)
        y = net.output((batch, n_unit), F32)
        act = pick(rng, ACTS + ["TANH"])
    else:
        sx, swf, swt = rng.uniform(0.01, 0.1), rng.uniform(0.002, 0.02), rng.uniform(0.001, 0.01)
        x = net.input((batch, n_input), I8,
                      {"scale": float(sx), "zero_point": between(rng, -30, 30)})
        wf = net.const(rng.integers(-127, 128, (n_filter, n_input)).astype(I8),
                       q={"scale": float(swf), "zero_point": 0})
        wt = net.const(rng.integers(-20000, 20001, (n_filter, n_memory)).astype(I16),
                       q={"scale": float(swt), "zero_point": 0})
        # a state scale that puts typical feature sums at a tenth of the int16 range
        ss = float(sx * swf * 4096 * np.sqrt(n_input) / 3276.7 * rng.uniform(0.5, 2))
        bias_scale = float(np.float32(ss) * np.float32(swt))   # as tflite-micro requires
        spread = 3276.7 * 10000 * np.sqrt(n_memory * rank)
        bias = net.const(rng.integers(-int(spread), int(spread) + 1, n_unit).astype(I32),
                         q={"scale": bias_scale, "zero_point": 0})
        state = net.variable((batch, n_filter * n_memory), I16, {"scale": ss, "zero_point": 0})
        y = net.output((batch, n_unit), I8, {"scale": float(bias_scale * spread / 60
                                                            * rng.uniform(0.5, 2)),
                                             "zero_point": between(rng, -20, 20)})
        act = pick(rng, ["NONE", "RELU"])
    net.op(op, [x, wf, wt, bias, state], [y], rank=rank, fused_activation_function=act)
    return net


def lstm(rng, op):
    dt = pick(rng, (F32, I8, I16))
    net = Net(dt)
    n_batch, n_time, n_input, n_cell = (between(rng, 1, 3), between(rng, 1, 5),
                                        between(rng, 1, 8), between(rng, 1, 8))
    time_major = bool(rng.random() < 0.4)
    shape = (n_time, n_batch, n_input) if time_major else (n_batch, n_time, n_input)
    if dt == F32:
        xq = hq = cq = None
    else:   # as the converter quantizes: an int16 cell state at a power-of-two scale
        xq = {"scale": float(rng.uniform(0.004, 0.02)), "zero_point": between(rng, -30, 30)} \
            if dt == I8 else {"scale": float(rng.uniform(2, 6) / 32768), "zero_point": 0}
        hq = {"scale": float(rng.uniform(0.004, 0.009)), "zero_point": between(rng, -30, 30)} \
            if dt == I8 else {"scale": float(rng.uniform(1, 1.5) / 32768), "zero_point": 0}
        cq = {"scale": 2.0 ** -11, "zero_point": 0}
    x = net.input(shape, dt, xq)
    gain = pick(rng, [1.0, 1.0, 3.0])

    def weights(depth, act_q):
        real_max = gain * rng.uniform(0.5, 2.0) / np.sqrt(depth)
        if dt == F32:
            return net.const(rng.uniform(-real_max, real_max, (n_cell, depth)).astype(F32)), 1
        scale = real_max / 127
        return (net.const(rng.integers(-127, 128, (n_cell, depth)).astype(I8),
                          q={"scale": scale, "zero_point": 0}),
                float(np.float32(act_q["scale"]) * np.float32(scale)))

    w_in = [weights(n_input, xq) for _ in range(4)]
    w_rec = [weights(n_cell, hq) for _ in range(4)]
    ins = [x] + [t for t, _ in w_in] + [t for t, _ in w_rec] + [-1, -1, -1]
    for _, bias_scale in w_in:
        real = rng.normal(0, 0.5 * gain, n_cell)
        ins.append(net.const(real.astype(F32)) if dt == F32 else
                   net.const(np.round(real / bias_scale).astype(I32 if dt == I8 else I64),
                             q={"scale": bias_scale, "zero_point": 0}))
    ins += [-1, -1, net.variable((n_batch, n_cell), dt, hq),
            net.variable((n_batch, n_cell), F32 if dt == F32 else I16, cq), -1, -1, -1, -1]
    inter = None
    if dt != F32:   # the converter's gate intermediates (tflite-micro reads nothing from them)
        inter = [net.tensor((0,), I16, {"scale": 2.0 ** -12, "zero_point": 0}) for _ in range(4)]
        inter.append(net.tensor((0,), dt, hq))
    y = net.output(shape[:2] + (n_cell,), dt, hq)
    net.b.add_operator(op, ins, [y], intermediates=inter, fused_activation_function="TANH",
                       cell_clip=float(pick(rng, [0.0, 0.0, rng.uniform(0.2, 3)])),
                       time_major=time_major)
    net.desc = f"{op} {dname(dt)} x{shape} cell {n_cell}"
    return net


# -- control flow and resource variables --------------------------------------------------------
def _step(rng, net, g, shape, dt, ins):
    """In subgraph ``g``: one ADD / SUB / MUL of its first tensor in ``ins`` with a random
    constant; returns the result."""
    k = net.const(default_draw(rng, pick(rng, [shape, (1,)]), dt) if dt != I32 else
                  rng.integers(-5, 6, shape), dt, graph=g)
    out = net.tensor(shape, dt, graph=g)
    net.op(pick(rng, ["ADD", "SUB", "MUL"]), [ins[0], k], [out], graph=g)
    return out


def control_flow(rng, op):
    dt = pick(rng, (F32, I32))
    net = Net(dt)
    shape = rand_shape(rng, 1, 3)
    if op == "IF":
        branches = []
        for _ in range(2):
            g = net.b.add_subgraph()
            gi = net.input(shape, dt, graph=g)
            g.mark_output(_step(rng, net, g, shape, dt, [gi]))
            branches.append(g.index)
        c = net.input(pick(rng, [(), (1,)]), BOOL)
        x = net.input(shape, dt)
        net.op(op, [c, x], [net.output(shape, dt)], then_subgraph_index=branches[0],
               else_subgraph_index=branches[1])
        return net
    # WHILE (i < limit) { i += 1; acc = acc op k }, with the start of i drawn per invoke
    limit = between(rng, 0, 4)
    cond, body = net.b.add_subgraph(), net.b.add_subgraph()
    ci = net.input((1,), I32, graph=cond)
    net.input(shape, dt, graph=cond)
    less = net.output((1,), BOOL, graph=cond)
    net.op("LESS", [ci, net.const([limit], I32, graph=cond)], [less], graph=cond)
    bi, ba = net.input((1,), I32, graph=body), net.input(shape, dt, graph=body)
    bo = net.output((1,), I32, graph=body)
    net.op("ADD", [bi, net.const([1], I32, graph=body)], [bo], graph=body)
    body.mark_output(_step(rng, net, body, shape, dt, [ba]))
    i0 = net.input((1,), I32, draw=ints(-1, limit + 1))
    x = net.input(shape, dt)
    net.op(op, [i0, x], [net.output((1,), I32), net.output(shape, dt)],
           cond_subgraph_index=cond.index, body_subgraph_index=body.index)
    return net


def variables(rng, op):
    """A variable set once by CALL_ONCE (or assigned from the input first), read, updated
    with the input and assigned back every invoke."""
    dt = pick(rng, (F32, I32))
    net = Net(dt)
    shape = rand_shape(rng, 1, 3)
    name = f"v{between(rng, 0, 9)}"
    init = op == "CALL_ONCE" or rng.random() < 0.6
    if init:
        g = net.b.add_subgraph()
        h = g.add_tensor("h", (), I32, type_name="RESOURCE")
        net.op("VAR_HANDLE", [], [h], graph=g, shared_name=name)
        net.op("ASSIGN_VARIABLE", [h, net.const(default_draw(rng, shape, dt), graph=g)], [],
               graph=g)
        net.op("CALL_ONCE", [], [], init_subgraph_index=g.index)
    x = net.input(shape, dt)
    h = net.b.main.add_tensor("h", (), I32, type_name="RESOURCE")
    net.op("VAR_HANDLE", [], [h], shared_name=name)
    if not init:
        net.op("ASSIGN_VARIABLE", [h, x], [])
    cur = net.tensor(shape, dt)
    net.op("READ_VARIABLE", [h], [cur])
    nxt = net.output(shape, dt)
    net.op(pick(rng, ["ADD", "SUB", "MUL"]), [cur, x], [nxt])
    net.op("ASSIGN_VARIABLE", [h, nxt], [])
    net.desc = f"variable {dname(dt)}{shape}" + (" set by CALL_ONCE" if init else "")
    return net


# -- the table ----------------------------------------------------------------------------------
FAMILIES = [
    (unary, list(UNARY)),
    (binary, list(BINARY)),
    (comparison, COMPARISONS),
    (reduction, ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL"]),
    (reshape, ["RESHAPE", "SQUEEZE", "EXPAND_DIMS"]),
    (conv_like, ["CONV_2D", "DEPTHWISE_CONV_2D"]),
    (normalization, ["SOFTMAX", "LOG_SOFTMAX", "L2_NORMALIZATION"]),
    (concat_pack, ["CONCATENATION", "PACK"]),
    (unpack_split, ["UNPACK", "SPLIT", "SPLIT_V"]),
    (pooling, ["AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"]),
    (slices, ["SLICE", "STRIDED_SLICE"]),
    (pad, ["PAD", "PADV2", "MIRROR_PAD"]),
    (gather, ["GATHER", "GATHER_ND", "EMBEDDING_LOOKUP"]),
    (convert, ["CAST", "QUANTIZE", "DEQUANTIZE"]),
    (resize, ["RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"]),
    (space_depth, ["DEPTH_TO_SPACE", "SPACE_TO_DEPTH"]),
    (space_batch, ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"]),
    (arg_min_max, ["ARG_MAX", "ARG_MIN"]),
    (fully_connected, ["FULLY_CONNECTED"]),
    (transpose_conv, ["TRANSPOSE_CONV"]),
    (batch_matmul, ["BATCH_MATMUL"]),
    (transpose, ["TRANSPOSE"]),
    (reverse, ["REVERSE_V2"]),
    (select_v2, ["SELECT_V2"]),
    (add_n, ["ADD_N"]),
    (cumsum, ["CUMSUM"]),
    (broadcast_to, ["BROADCAST_TO"]),
    (broadcast_args, ["BROADCAST_ARGS"]),
    (shape_op, ["SHAPE"]),
    (fill, ["FILL"]),
    (dynamic_update_slice, ["DYNAMIC_UPDATE_SLICE"]),
    (svdf, ["SVDF"]),
    (lstm, ["UNIDIRECTIONAL_SEQUENCE_LSTM"]),
    (control_flow, ["IF", "WHILE"]),
    (variables, ["CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"]),
]
GENERATORS = {op: gen for gen, ops in FAMILIES for op in ops}


def _interleaved():
    """Round robin over the families, so that any run of len(ORDER) cases touches every op and
    a shorter run still spreads over all families."""
    order, k = [], 0
    while len(order) < len(GENERATORS):
        for _, ops in FAMILIES:
            if k < len(ops):
                order.append(ops[k])
        k += 1
    return order


ORDER = _interleaved()


# -- running a case -----------------------------------------------------------------------------
REFUSED = "refused by both"


@contextlib.contextmanager
def _quiet_stderr():
    """tflite-micro prints its refusals from C++ to file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _same(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"{a.dtype}{a.shape} vs {b.dtype}{b.shape}"
    if a.dtype.kind == "f":
        nan = np.isnan(a) & np.isnan(b)
        bad = (a.view(np.uint32) != b.view(np.uint32)) & ~nan
    else:
        bad = a != b
    if bad.any():
        i = np.flatnonzero(bad.reshape(-1))
        return (f"{i.size} of {a.size} values differ, first at {i[:3].tolist()}: "
                f"{a.reshape(-1)[i[:3]].tolist()} vs {b.reshape(-1)[i[:3]].tolist()}")
    return None


def run_case(net, rng, inputs_per_case=3):
    """None when tinyrt equals tflite-micro, REFUSED when both refuse the model (or both fail
    to invoke it), else a message. ``net``: a Net or the bytes of a model (integer inputs)."""
    from tflite_micro.python.tflite_micro import runtime
    data = net if isinstance(net, (bytes, bytearray)) else net.build()
    draws = getattr(net, "draws", None)
    ours = theirs = None
    twin = None
    try:
        ours = tinyrt.Interpreter(model_content=data)
        ours.allocate_tensors()
        if any(k.native is not None for k in ours.kernels):
            # the numpy kernels must give the native kernels' bits
            twin = tinyrt.Interpreter(model_content=data, native=False)
            twin.allocate_tensors()
    except tinyrt.TinyrtError as e:
        ours = e
    try:
        with _quiet_stderr():
            theirs = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    except Exception as e:      # tflite-micro raises RuntimeError from its C++ status
        theirs = e
    if isinstance(ours, Exception) or isinstance(theirs, Exception):
        if isinstance(ours, Exception) and isinstance(theirs, Exception):
            return REFUSED
        return (f"tinyrt refused, tflite-micro accepted: {ours}" if isinstance(ours, Exception)
                else f"tflite-micro refused ({theirs}), tinyrt accepted")
    details = ours.get_input_details()
    for _ in range(inputs_per_case):
        for i, d in enumerate(details):
            draw = draws[i] if draws else default_draw
            x = np.asarray(draw(rng, tuple(d["shape"]), d["dtype"]), d["dtype"])
            ours.set_input(x, i)
            theirs.set_input(x, i)
            if twin is not None:
                twin.set_input(x, i)
        failed = []
        try:
            ours.invoke()
        except tinyrt.TinyrtError as e:
            failed.append(f"tinyrt: {e}")
        if twin is not None:
            try:
                twin.invoke()
            except tinyrt.TinyrtError as e:
                if not failed:
                    return f"numpy kernels failed where native ones ran: {e}"
            else:
                if failed:
                    return f"native kernels failed where numpy ones ran: {failed[0]}"
                for k in range(len(ours.get_output_details())):
                    msg = _same(ours.get_output(k), twin.get_output(k))
                    if msg:
                        return f"output {k}, native vs numpy kernels: {msg}"
        try:
            with _quiet_stderr():
                theirs.invoke()
        except Exception as e:
            failed.append(f"tflite-micro: {e}")
        if len(failed) == 2:
            return REFUSED
        if failed:
            return f"only one failed to invoke: {failed[0]}"
        for k in range(len(ours.get_output_details())):
            msg = _same(ours.get_output(k), theirs.get_output(k))
            if msg:
                return f"output {k}: {msg}"
    return None


def sweep(cases, seed=0, ops=None, stats=None):
    """Run ``cases`` random models cycling over ``ops`` (default: every op, families
    interleaved). Returns [(case number, op, message, model bytes)] for the mismatches.
    ``stats``, a dict, receives Counter()s of outcomes per (op, dtype)."""
    rng = np.random.default_rng(seed)
    ops = list(ops or ORDER)
    failures = []
    for n in range(cases):
        op = ops[n % len(ops)]
        net = GENERATORS[op](rng, op)
        msg = run_case(net, rng)
        if stats is not None:
            key = (op, net.dtype)
            stats.setdefault(key, Counter())["refused" if msg == REFUSED else
                                             "ok" if msg is None else "mismatch"] += 1
        if msg and msg != REFUSED:
            failures.append((n, op, f"{msg} [{net.desc}]", net.build()))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ops", help="comma-separated op names (default: all)")
    ap.add_argument("--list", action="store_true", help="print the ops covered and exit")
    ap.add_argument("--stats", action="store_true",
                    help="print outcomes per op and dtype (ok / refused by both / mismatch)")
    ap.add_argument("--save", metavar="DIR", help="write each mismatching model to DIR")
    args = ap.parse_args()
    if args.list:
        print("\n".join(ORDER))
        return 0
    ops = args.ops.split(",") if args.ops else None
    unknown = [o for o in ops or () if o not in GENERATORS]
    if unknown:
        ap.error(f"no generator for {', '.join(unknown)} (see --list)")
    stats = {}
    t = time.time()
    failures = sweep(args.cases, args.seed, ops, stats)
    refused = sum(c["refused"] for c in stats.values())
    print(f"{args.cases} cases ({len(stats and {k[0] for k in stats})} ops) in "
          f"{time.time() - t:.1f} s: {len(failures)} mismatches, {refused} refused by both")
    if args.stats:
        for (op, dt), c in sorted(stats.items()):
            print(f"  {op:28s} {dt:8s} ok {c['ok']:4d}  refused {c['refused']:4d}  "
                  f"mismatch {c['mismatch']:4d}")
    for n, op, msg, _ in failures[:40]:
        print(f"  case {n} {op}: {msg}")
    if args.save and failures:
        Path(args.save).mkdir(parents=True, exist_ok=True)
        for n, op, _, data in failures:
            (Path(args.save) / f"case{n}_{op}.tflite").write_bytes(data)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
