"""Hostile but valid single-op models, from a seed, and a runner that takes each through
tinyrt's C kernels, its numpy kernels and tflite-micro, every run in a child process.

``make_case(seed)`` builds one model (``tinyrt.builder.ModelBuilder``) of one of ``OPS`` with
parameters drawn from the edges: extreme strides and dilations, SAME padding with filters
larger than the input, 1x1 and 4096-channel tensors, denormal, tiny and huge scales, zero
points at the ends of their range, multipliers that need shifts past 30, saturating biases.

``Runner`` keeps one worker process per way of running (``native``, ``numpy``, ``tflm``);
a worker that crashes or hangs is recorded and replaced. ``judge`` turns the three results
into one verdict (see ``VERDICTS``). Used by tests/test_hostile.py (a few hundred cases) and
scripts/hostile.py (any number, with a summary).
"""
import multiprocessing
import os
import resource
from dataclasses import dataclass, field

import numpy as np

OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
       "SOFTMAX", "ADD", "MUL")
INT32_MAX = 2 ** 31 - 1

# Verdicts of one case. Findings (must never happen): "crash", "hang", "exception" (anything
# but a tinyrt error from tinyrt), "c_vs_numpy" (the two tinyrt paths differ), "mismatch"
# (tinyrt and tflite-micro both run the model and differ). The rest are accepted outcomes.
FINDINGS = ("crash", "hang", "exception", "c_vs_numpy", "mismatch")
VERDICTS = FINDINGS + (
    "agree",               # same outputs, bit for bit
    "both_refuse",         # tinyrt refuses (a TinyrtError), tflite-micro fails prepare
                           # (or reports a failed check in prepare and runs on regardless)
    "tflm_crashes",        # tflite-micro crashes or hangs: its result is undefined
    "tinyrt_refuses",      # tflite-micro runs it; tinyrt refuses with a reason (see docs)
    "tflm_refuses",        # tflite-micro fails prepare; tinyrt computes (see docs)
)


@dataclass
class Case:
    seed: int
    op: str
    data: bytes
    inputs: list
    params: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# drawing parameters
# ---------------------------------------------------------------------------------------------

def _pick(rng, values, weights=None):
    if weights is not None:
        weights = np.asarray(weights, float) / sum(weights)
    return values[int(rng.choice(len(values), p=weights))]


def _scale(rng):
    """A quantization scale: mostly ordinary, else denormal, tiny, huge or a power of two."""
    kind = _pick(rng, ["normal", "tiny", "huge", "pow2"], [6, 1, 1, 1])
    if kind == "normal":
        return float(rng.uniform(0.001, 0.5))
    if kind == "tiny":
        return _pick(rng, [1e-45, 1e-40, 1.2e-38, 1e-30, 1e-20, 1e-10])
    if kind == "huge":
        return _pick(rng, [1e10, 1e20, 3e38, 0.75 * 2 ** 30, 2.0 ** 31, 2.0 ** 40])
    return 2.0 ** int(rng.integers(-40, 40))


def _zero_point(rng):
    return int(_pick(rng, [-128, 127, 0, int(rng.integers(-128, 128))], [1, 1, 1, 3]))


def _quant(rng):
    return {"scale": _scale(rng), "zero_point": _zero_point(rng)}


def _int8(rng, shape):
    kind = _pick(rng, ["random", "min", "max", "zero"], [8, 1, 1, 1])
    if kind == "random":
        return rng.integers(-128, 128, shape, dtype=np.int8)
    return np.full(shape, {"min": -128, "max": 127, "zero": 0}[kind], np.int8)


def _bias(rng, n):
    kind = _pick(rng, ["small", "large", "ends"], [6, 2, 1])
    if kind == "small":
        return rng.integers(-1000, 1001, n).astype(np.int32)
    if kind == "large":
        return rng.integers(-2 ** 31, 2 ** 31, n, dtype=np.int64).astype(np.int32)
    return rng.choice(np.array([-2 ** 31, INT32_MAX, 0], np.int64), n).astype(np.int32)


def _spatial(rng):
    return int(_pick(rng, [1, 1, 2, 3, 5, 8, 13]))


def _stride(rng):
    return int(_pick(rng, [1, 2, 3, 7, 100, 2 ** 15, INT32_MAX], [6, 3, 1, 1, 1, 1, 1]))


def _dilation(rng):
    return int(_pick(rng, [1, 2, 3, 40000, INT32_MAX], [6, 2, 1, 1, 1]))


def _activation(rng):
    return int(rng.integers(0, 4))          # NONE, RELU, RELU_N1_TO_1, RELU6


def _out_size(padding, size, filt, stride, dilation):
    eff = (filt - 1) * dilation + 1
    if padding == 0:                        # SAME
        return (size + stride - 1) // stride
    return (size + stride - eff) // stride


def _window(rng, max_filter):
    """(padding, in_h, in_w, kh, kw, stride_h, stride_w, dil_h, dil_w, out_h, out_w)."""
    in_h, in_w = _spatial(rng), _spatial(rng)
    big = rng.random() < 0.3                 # a filter larger than the input
    kh = int(rng.integers(1, max_filter + 1)) if big else int(rng.integers(1, 4))
    kw = int(rng.integers(1, max_filter + 1)) if big else int(rng.integers(1, 4))
    sh, sw = _stride(rng), _stride(rng)
    padding = int(rng.integers(0, 2))
    return padding, in_h, in_w, kh, kw, sh, sw


def _padding_fits(padding, in_h, in_w, kh, kw, sh, sw, dh=1, dw=1):
    oh = _out_size(padding, in_h, kh, sh, dh)
    ow = _out_size(padding, in_w, kw, sw, dw)
    if oh <= 0 or ow <= 0:                  # VALID with a filter larger than the input
        padding = 0
        oh, ow = _out_size(0, in_h, kh, sh, dh), _out_size(0, in_w, kw, sw, dw)
    return padding, oh, ow


def _channels(rng, wide_ok=True):
    if wide_ok and rng.random() < 0.08:
        return 4096
    return int(_pick(rng, [1, 2, 3, 4, 8, 16]))


# ---------------------------------------------------------------------------------------------
# one model per op
# ---------------------------------------------------------------------------------------------

def _build(op, x_specs, consts, y_shape, y_quant, y_dtype=np.int8, **options):
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    ins = [b.add_input(f"x{i}", shape, np.int8, **q) for i, (shape, q) in enumerate(x_specs)]
    for i, c in enumerate(consts):
        if c is None:
            ins.append(-1)
        else:
            arr, q = c
            ins.append(b.add_constant(f"c{i}", arr, **q))
    y = b.add_tensor("y", y_shape, y_dtype, **y_quant)
    b.add_operator(op, ins, [y], **options)
    b.mark_output(y)
    return b.build()


def _weight_quant(rng, channels, per_channel_dim):
    if rng.random() < 0.5:
        return {"scale": [_scale(rng) for _ in range(channels)], "zero_point": 0,
                "quantized_dimension": per_channel_dim}
    return {"scale": _scale(rng), "zero_point": 0}


def _conv(rng, depthwise=False):
    padding, in_h, in_w, kh, kw, sh, sw = _window(rng, 12)
    dh, dw = _dilation(rng), _dilation(rng)
    padding, oh, ow = _padding_fits(padding, in_h, in_w, kh, kw, sh, sw, dh, dw)
    n = int(_pick(rng, [1, 1, 2]))
    wide = in_h * in_w * kh * kw <= 4
    in_c = _channels(rng, wide)
    if depthwise:
        dm = 1 if in_c > 16 else int(_pick(rng, [1, 1, 2, 3]))
        out_c = in_c * dm
        w = _int8(rng, (1, kh, kw, out_c))
        wq = _weight_quant(rng, out_c, 3)
        options = dict(depth_multiplier=dm)
        op = "DEPTHWISE_CONV_2D"
    else:
        out_c = _channels(rng, wide and in_c < 4096)
        w = _int8(rng, (out_c, kh, kw, in_c))
        wq = _weight_quant(rng, out_c, 0)
        options = {}
        op = "CONV_2D"
    bias = None if rng.random() < 0.25 else (_bias(rng, out_c), {"scale": 1.0, "zero_point": 0})
    xq, yq = _quant(rng), _quant(rng)
    data = _build(op, [((n, in_h, in_w, in_c), xq)], [(w, wq), bias], (n, oh, ow, out_c), yq,
                  padding=padding, stride_h=sh, stride_w=sw, dilation_hfactor=dh,
                  dilation_wfactor=dw, fused_activation_function=_activation(rng), **options)
    return data, [_int8(rng, (n, in_h, in_w, in_c))]


def _fully_connected(rng):
    batch = int(_pick(rng, [1, 1, 2, 5]))
    depth = _channels(rng)
    units = _channels(rng, depth < 4096)
    w = _int8(rng, (units, depth))
    xq, yq, w_scale = _quant(rng), _quant(rng), _scale(rng)
    # TFLM wants the bias scale to be the input's times the weights' (checked in prepare)
    with np.errstate(over="ignore"):
        bias_scale = float(np.float32(xq["scale"]) * np.float32(w_scale))
    bias_scale = bias_scale if rng.random() < 0.9 else _scale(rng)
    bias = None if rng.random() < 0.25 else \
        (_bias(rng, units), {"scale": bias_scale, "zero_point": 0})
    data = _build("FULLY_CONNECTED", [((batch, depth), xq)],
                  [(w, {"scale": w_scale, "zero_point": 0}), bias], (batch, units), yq,
                  fused_activation_function=_activation(rng))
    return data, [_int8(rng, (batch, depth))]


def _pool(rng, op):
    padding, in_h, in_w, kh, kw, sh, sw = _window(rng, 20)
    if rng.random() < 0.1:
        kh, kw = 16000, 16000
    padding, oh, ow = _padding_fits(padding, in_h, in_w, kh, kw, sh, sw)
    n = int(_pick(rng, [1, 1, 2]))
    c = _channels(rng, in_h * in_w <= 4)
    q = _quant(rng)
    data = _build(op, [((n, in_h, in_w, c), q)], [], (n, oh, ow, c), q, padding=padding,
                  stride_h=sh, stride_w=sw, filter_height=kh, filter_width=kw,
                  fused_activation_function=_activation(rng))
    return data, [_int8(rng, (n, in_h, in_w, c))]


def _softmax(rng):
    rows = int(_pick(rng, [1, 2, 3, 7]))
    depth = _channels(rng)
    int16 = rng.random() < 0.3
    yq = {"scale": 1 / 65536, "zero_point": -32768} if int16 else \
        {"scale": 1 / 256, "zero_point": -128}
    beta = float(_pick(rng, [1.0, 1.0, 0.5, 1e-6, 1e6, 1e30, 0.0]))
    data = _build("SOFTMAX", [((rows, depth), _quant(rng))], [], (rows, depth), yq,
                  y_dtype=np.int16 if int16 else np.int8, beta=beta)
    return data, [_int8(rng, (rows, depth))]


def _binary(rng, op):
    shape = tuple(_spatial(rng) for _ in range(int(rng.integers(1, 5))))
    if rng.random() < 0.1:
        shape = (1, 4096)
    other = tuple(1 if rng.random() < 0.4 else d for d in shape)
    if rng.random() < 0.5:
        shape, other = other, shape
    out = tuple(max(a, b) for a, b in zip(shape, other))
    data = _build(op, [(shape, _quant(rng)), (other, _quant(rng))], [], out, _quant(rng),
                  fused_activation_function=_activation(rng))
    return data, [_int8(rng, shape), _int8(rng, other)]


_MAKERS = {
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": lambda rng: _conv(rng, depthwise=True),
    "FULLY_CONNECTED": _fully_connected,
    "AVERAGE_POOL_2D": lambda rng: _pool(rng, "AVERAGE_POOL_2D"),
    "MAX_POOL_2D": lambda rng: _pool(rng, "MAX_POOL_2D"),
    "SOFTMAX": _softmax,
    "ADD": lambda rng: _binary(rng, "ADD"),
    "MUL": lambda rng: _binary(rng, "MUL"),
}


def make_case(seed):
    """The hostile valid model of ``seed``: op ``OPS[seed % len(OPS)]``."""
    op = OPS[seed % len(OPS)]
    rng = np.random.default_rng([seed, 15])
    data, inputs = _MAKERS[op](rng)
    return Case(seed, op, data, inputs)


# ---------------------------------------------------------------------------------------------
# running: one worker process per way of running
# ---------------------------------------------------------------------------------------------

def _tflm_arena(data):
    from tinyrt.model import load_model
    model = load_model(data, max_bytes=1 << 40)
    need = sum(t.nbytes for sg in model.subgraphs for t in sg.tensors)
    return int(min(max(4 << 20, 2 * need + (1 << 20)), 1 << 30))


def _run(kind, data, inputs):
    """One run, in the worker: ("ok", outputs) / ("refused", type, message) for a tinyrt
    error or a tflite-micro failure / ("exception", type, message) for anything else."""
    if kind == "tflm":
        from tflite_micro.python.tflite_micro import runtime
        try:
            it = runtime.Interpreter.from_bytes(data, arena_size=_tflm_arena(data))
            for i, x in enumerate(inputs):
                it.set_input(x, i)
            it.invoke()
            return ("ok", [it.get_output(0)], "")
        except Exception as e:      # noqa: BLE001 - tflite-micro reports failures as these
            return ("refused", type(e).__name__, str(e)[:200])
    import tinyrt
    try:
        it = tinyrt.Interpreter(model_content=data, native=(kind == "native") or False)
        it.allocate_tensors()
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
        return ("ok", [it.get_output(0)], "")
    except tinyrt.TinyrtError as e:
        return ("refused", type(e).__name__, str(e)[:300])
    except Exception as e:          # noqa: BLE001 - a finding
        return ("exception", type(e).__name__, str(e)[:300])


def _worker(kind, conn):
    import tempfile
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    # tflite-micro prints its errors: kept per run, since a kernel's prepare may report a
    # failure that does not stop the model from running (see judge)
    log = tempfile.TemporaryFile()
    os.dup2(log.fileno(), 2)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        log.seek(0)
        log.truncate()
        result = _run(kind, *job)
        if result[0] == "ok":
            log.seek(0)
            result = result[:2] + (log.read().decode(errors="replace")[-500:],)
        conn.send((result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class _Worker:
    def __init__(self, kind, ctx):
        self.kind, self.ctx = kind, ctx
        self.proc = None
        self.peak_kib = 0

    def _start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(self.kind, child), daemon=True)
        self.proc.start()
        child.close()

    def run(self, data, inputs, timeout):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        try:
            self.conn.send((data, inputs))
        except OSError:                     # died since the last case: start afresh
            self.proc.kill()
            self.proc.join()
            self._start()
            self.conn.send((data, inputs))
        if self.conn.poll(timeout):
            try:
                result, rss = self.conn.recv()
                self.peak_kib = max(self.peak_kib, rss)
                return result
            except (EOFError, OSError):     # the worker died while answering
                pass
        else:
            self.proc.kill()
            self.proc.join()
            self.proc = None
            return ("hang", f"no answer in {timeout} s", "")
        self.proc.join()
        code = self.proc.exitcode
        self.proc = None
        return ("crash", f"exit code {code}", "")

    def close(self):
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()


class Runner:
    """Workers for ``kinds`` (a subset of "native", "numpy", "tflm")."""

    def __init__(self, kinds=("native", "numpy", "tflm"), timeout=30.0):
        ctx = multiprocessing.get_context("spawn")
        self.workers = {k: _Worker(k, ctx) for k in kinds}
        self.timeout = timeout

    def run(self, case):
        return {k: w.run(case.data, case.inputs, self.timeout) for k, w in self.workers.items()}

    def peak_rss_mib(self):
        """The largest resident size any worker reached, per kind, in MiB."""
        return {k: w.peak_kib / 1024 for k, w in self.workers.items()}

    def close(self):
        for w in self.workers.values():
            w.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _same(a, b):
    return a[0] == b[0] == "ok" and len(a[1]) == len(b[1]) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
        for x, y in zip(a[1], b[1]))


def judge(results):
    """(verdict, detail) for one case's results {kind: result}."""
    ours = {k: r for k, r in results.items() if k != "tflm"}
    for k, r in ours.items():
        if r[0] in ("crash", "hang", "exception"):
            return r[0], f"{k}: {r[1]} {r[2]}"
    if "native" in ours and "numpy" in ours:
        a, b = ours["native"], ours["numpy"]
        agree = _same(a, b) or (a[0] == b[0] == "refused" and a[1] == b[1])
        if not agree:
            return "c_vs_numpy", f"native {a[0]} {a[1] if a[0] != 'ok' else ''} / " \
                                 f"numpy {b[0]} {b[1] if b[0] != 'ok' else ''}"
    mine = ours.get("numpy") or ours.get("native")
    ref = results.get("tflm")
    if ref is None:
        return ("agree" if mine[0] == "ok" else "tinyrt_refuses"), ""
    if ref[0] in ("crash", "hang"):
        ours_said = "runs it" if mine[0] == "ok" else f"refuses: {mine[2]}"
        return "tflm_crashes", f"tflite-micro {ref[0]}es ({ref[1]}); tinyrt {ours_said}"
    prepare_failed = ref[0] == "ok" and "was not true" in ref[2]
    if mine[0] == "refused" and prepare_failed:
        # a kernel's prepare failed and tflite-micro ran the model anyway (AVERAGE_POOL_2D
        # and MAX_POOL_2D ignore their activation range's failure): undefined
        return "both_refuse", mine[2]
    if mine[0] == "ok" and ref[0] == "ok":
        if _same(mine, ref):
            return "agree", ""
        a, b = mine[1][0].ravel(), ref[1][0].ravel()
        diff = int(np.count_nonzero(a != b)) if a.shape == b.shape else -1
        return "mismatch", f"{diff} of {a.size} values differ"
    if mine[0] == "refused" and ref[0] == "refused":
        return "both_refuse", mine[2]
    if mine[0] == "refused":
        return "tinyrt_refuses", mine[2]
    return "tflm_refuses", ref[2]
