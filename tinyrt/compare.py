"""Where do two computations of a model part? Per-layer comparison with every intermediate kept.

    report = compare("model_int8.tflite", "tflite-micro")          # or "litert", "litert-ref",
    report = compare("model_int8.tflite", "float:model.tflite")     # or a float model
    print("\\n".join(report.lines()))

tinyrt runs the model with every tensor preserved; the reference runs it too (tflite-micro under
kPreserveAllTensors, LiteRT with experimental_preserve_all_tensors, or the float model in
tinyrt), and each node's output is compared:

- against another runtime of the same model: the difference in LSB (quantized steps) and in
  real units, RMSE over the scale, and how many elements differ. The first node with any
  difference is where the two part; everything after it inherits the difference.
- against the float model (QuantizationDebugger's per-layer report): tinyrt's quantized tensor,
  dequantized, against the float model's tensor of the same name (else the same position
  among node outputs). RMSE / scale, the largest error in LSB and real units, SNR in dB, and
  the elements off by more than one LSB. Layers with coarse quantization show large RMSE / scale.
"""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ArgumentError, TinyrtError

REFERENCES = ("tflite-micro", "litert", "litert-ref", "float:FLOAT_MODEL")


class ReferenceUnavailable(TinyrtError):
    """The reference runtime is not installed, or refuses the model."""


class RunFailed(TinyrtError, RuntimeError):
    """tinyrt's run of a model failed during invoke (for example token ids outside an
    embedding table: give real inputs with --input)."""


@dataclass
class Row:
    node: int
    op: str
    tensor: int
    name: str
    dtype: str
    elements: int
    differing: int = 0            # elements that differ (float reference: by more than 1 LSB)
    max_lsb: float = None         # largest difference in quantized steps (None: not quantized)
    max_abs: float = 0.0          # largest difference in real units
    rmse_scale: float = None      # RMSE of the real difference over the tensor's scale
    snr_db: float = None          # float reference only: signal-to-error ratio
    note: str = ""                # why a row could not be compared

    def as_dict(self):
        return dict(self.__dict__)


@dataclass
class Report:
    model: str
    reference: str
    rows: list = field(default_factory=list)

    @property
    def first_divergence(self):
        """The first row (in execution order) whose tensors differ, or None."""
        return next((r for r in self.rows if r.differing), None)

    def as_dict(self):
        first = self.first_divergence
        return {"model": self.model, "reference": self.reference,
                "rows": [r.as_dict() for r in self.rows],
                "first_divergence": first.as_dict() if first else None}

    def lines(self):
        def f(v, fmt):
            return "-" if v is None else format(v, fmt)
        float_ref = self.reference.startswith("float:")
        head = (f"{'node':>4}  {'op':<20} {'tensor':<34} {'max LSB':>8} {'max abs':>10} "
                f"{'RMSE/scale':>10} " + (f"{'SNR dB':>7} " if float_ref else "")
                + f"{'differ':>12}")
        out = [f"tinyrt vs {self.reference}: {self.model}", head]
        for r in self.rows:
            label = f"{r.tensor}: {r.name}"
            label = label if len(label) <= 34 else label[:31] + "..."
            cells = (f"{r.node:>4}  {r.op:<20} {label:<34} {f(r.max_lsb, '.4g'):>8} "
                     f"{f(r.max_abs, '.4g'):>10} {f(r.rmse_scale, '.4f'):>10} "
                     + (f"{f(r.snr_db, '.1f'):>7} " if float_ref else "")
                     + f"{r.differing:>6}/{r.elements:<5}")
            out.append(cells + (f"  {r.note}" if r.note else ""))
        first = self.first_divergence
        what = " by more than 1 LSB" if float_ref else ""
        out.append(f"first layer that differs{what}: node {first.node} {first.op} "
                   f"(tensor {first.tensor} {first.name!r})" if first else
                   "every compared layer is identical" if not float_ref else
                   "no layer is off by more than 1 LSB")
        return out


# ---------------------------------------------------------------------------------------------
# the runs
# ---------------------------------------------------------------------------------------------
def _run_tinyrt(model, inputs, hint="", **kw):
    from .interpreter import Interpreter
    it = Interpreter(model_content=model, experimental_preserve_all_tensors=True, **kw)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    try:
        it.invoke()
    except TinyrtError as e:
        raise RunFailed(f"{e}{hint}") from e
    return it


def _run_tflite_micro(model, inputs):
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise ReferenceUnavailable("--reference tflite-micro needs the tflite-micro package "
                                   "(pip install tflite-micro)") from None
    try:
        it = runtime.Interpreter.from_bytes(
            model, arena_size=max(10 * len(model), 16 << 20),
            intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
    except RuntimeError as e:
        raise ReferenceUnavailable(f"tflite-micro refuses the model: {e}") from None
    return lambda i: it.GetTensor(i, 0)["tensor_data"]


def _run_litert(model, inputs, reference_kernels):
    try:
        from ai_edge_litert import interpreter as lr
    except ImportError:
        raise ReferenceUnavailable("--reference litert needs the ai-edge-litert package "
                                   "(pip install ai-edge-litert)") from None
    kind = lr.OpResolverType.BUILTIN_REF if reference_kernels else lr.OpResolverType.AUTO
    try:
        it = lr.Interpreter(model_content=model, experimental_preserve_all_tensors=True,
                            experimental_op_resolver_type=kind)
        it.allocate_tensors()
        for d, x in zip(it.get_input_details(), inputs):
            it.set_tensor(d["index"], x)
        it.invoke()
    except (RuntimeError, ValueError) as e:
        raise ReferenceUnavailable(f"LiteRT refuses the model: {e}") from None
    return it.get_tensor


# ---------------------------------------------------------------------------------------------
# per-tensor figures
# ---------------------------------------------------------------------------------------------
def _scale(t):
    q = t.quantization
    if q is None or len(q.scale) != 1 or q.scale[0] == 0:
        return None, 0
    return float(q.scale[0]), int(q.zero_point[0])


def _same_runtime_row(row, t, ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape and ours.size == theirs.size:
        theirs = theirs.reshape(ours.shape)
    if ours.shape != theirs.shape:
        row.note = f"shapes differ: {list(ours.shape)} vs {list(theirs.shape)}"
        row.differing = ours.size
        return
    scale, _ = _scale(t)
    if ours.dtype.kind in "iub":
        diff = ours.astype(np.int64) - theirs.astype(np.int64)
        row.differing = int(np.count_nonzero(diff))
        lsb = np.abs(diff)
        row.max_lsb = float(lsb.max(initial=0))
        row.max_abs = row.max_lsb * (scale if scale is not None else 1.0)
        if scale is not None:
            row.rmse_scale = float(np.sqrt(np.mean(diff.astype(np.float64) ** 2))) \
                if diff.size else 0.0
    else:
        same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
        row.differing = int(ours.size - np.count_nonzero(same))
        d = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        d[same] = 0
        row.max_abs = float(np.nanmax(d, initial=0))


def _float_row(row, t, ours, ref):
    ref = np.asarray(ref, np.float64)
    ours = np.asarray(ours)
    if ours.size != ref.size:
        row.note = f"sizes differ: {list(ours.shape)} vs {list(ref.shape)}"
        return
    scale, zp = _scale(t)
    real = (ours.astype(np.float64) - zp) * scale if scale is not None \
        else ours.astype(np.float64)
    err = real.reshape(-1) - ref.reshape(-1)
    row.max_abs = float(np.abs(err).max(initial=0))
    power = float(np.sum(err ** 2))
    row.snr_db = float(10 * np.log10(np.sum(ref ** 2) / power)) if power > 0 else None
    if scale is not None:
        row.max_lsb = row.max_abs / scale
        row.rmse_scale = float(np.sqrt(np.mean(err ** 2)) / scale) if err.size else 0.0
        row.differing = int(np.count_nonzero(np.abs(err) > scale))
    else:
        row.differing = int(np.count_nonzero(err))


def _float_inputs(int_it, float_it, inputs):
    """The float model's inputs: the quantized model's inputs, dequantized."""
    out = []
    for d, fd, x in zip(int_it.get_input_details(), float_it.get_input_details(), inputs):
        q = d["quantization_parameters"]
        want = np.dtype(fd["dtype"])
        if len(q["scales"]) == 1 and x.dtype.kind in "iu" and want.kind == "f":
            x = (x.astype(np.float64) - q["zero_points"][0]) * q["scales"][0]
        out.append(np.asarray(x).astype(want))
    return out


def _node_outputs(sg):
    return [(op, i) for op in sg.operators for i in op.outputs if i >= 0]


# ---------------------------------------------------------------------------------------------
# the comparison
# ---------------------------------------------------------------------------------------------
def compare(model_path, reference, inputs=None, seed=0, **interpreter_options):
    """Run ``model_path`` in tinyrt and in ``reference`` on the same inputs (random, seeded,
    when None) and compare every node's output. ``interpreter_options`` go to tinyrt's
    Interpreter (``op_resolver``, ``native``...)."""
    model = Path(model_path).read_bytes() if not isinstance(model_path, (bytes, bytearray)) \
        else bytes(model_path)
    name = str(model_path) if not isinstance(model_path, (bytes, bytearray)) else "<bytes>"
    from .interpreter import Interpreter
    probe = Interpreter(model_content=model, **interpreter_options)
    details = probe.get_input_details()
    hint = ""
    if inputs is None:
        hint = " (random inputs may not suit the model: give --input)"
        from .input_files import random_inputs, token_vocabularies
        inputs = random_inputs(details, np.random.default_rng(seed),
                               token_vocabularies(probe.model))
    ours = _run_tinyrt(model, inputs, hint, **interpreter_options)
    sg = ours.model.main
    report = Report(name, reference)
    if reference.startswith("float:"):
        float_path = reference[len("float:"):]
        if not float_path:
            raise ArgumentError("give the float model as float:PATH")
        float_data = Path(float_path).read_bytes()
        float_it = Interpreter(model_content=float_data)
        ref_it = _run_tinyrt(float_data, _float_inputs(ours, float_it, inputs))
        fsg = ref_it.model.main
        by_name = {fsg.tensors[i].name: i for _, i in _node_outputs(fsg) if fsg.tensors[i].name}
        float_outputs = [i for _, i in _node_outputs(fsg)]
        for k, (op, i) in enumerate(_node_outputs(sg)):
            t = sg.tensors[i]
            row = Row(op.index, op.op_name, i, t.name, t.element_dtype.name,
                      int(np.prod(t.shape, dtype=np.int64)))
            j = by_name.get(t.name)
            if j is None and len(float_outputs) == len(_node_outputs(sg)):
                j = float_outputs[k]        # same graph, other names: match by position
            if j is None:
                row.note = "no float tensor of this name"
            else:
                _float_row(row, t, ours.get_tensor(i), ref_it.get_tensor(j))
            report.rows.append(row)
        return report
    if reference == "tflite-micro":
        get = _run_tflite_micro(model, inputs)
    elif reference in ("litert", "litert-ref"):
        get = _run_litert(model, inputs, reference_kernels=reference == "litert-ref")
    else:
        raise ArgumentError(f"unknown reference {reference!r}; use one of {', '.join(REFERENCES)}")
    for op, i in _node_outputs(sg):
        t = sg.tensors[i]
        row = Row(op.index, op.op_name, i, t.name,
                  t.element_dtype.name if t.element_dtype is not None else "?",
                  int(np.prod(t.shape, dtype=np.int64)))
        try:
            theirs = get(i)
        except (ValueError, RuntimeError, IndexError) as e:
            row.note = f"reference cannot read it: {e}"
        else:
            _same_runtime_row(row, t, ours.get_tensor(i), theirs)
        report.rows.append(row)
    return report


def plot(report, path):
    """A bar per layer: RMSE / scale (max LSB where there is no scale), the first divergence
    marked. Needs matplotlib (pip install 'tinyrt[plot]')."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ArgumentError("--plot needs matplotlib (pip install 'tinyrt[plot]')") from None
    values = [r.rmse_scale if r.rmse_scale is not None else (r.max_lsb or 0.0)
              for r in report.rows]
    first = report.first_divergence
    colors = ["tab:red" if first is not None and r is first else "tab:blue" for r in report.rows]
    fig, ax = plt.subplots(figsize=(max(6, 0.18 * len(values) + 2), 4))
    ax.bar(range(len(values)), values, color=colors)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels([f"{r.node} {r.op}" for r in report.rows], rotation=90, fontsize=6)
    ax.set_ylabel("RMSE / scale (LSB)")
    ax.set_title(f"tinyrt vs {report.reference}")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as e:
        raise ArgumentError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)


__all__ = ["compare", "plot", "Report", "Row", "REFERENCES", "ReferenceUnavailable", "RunFailed"]
