"""Test helpers: where the shared models are, and how to run the oracles."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SHARED_MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def shared_model(name):
    """Path of a model in ../shared/models, skipping the test when it isn't there."""
    p = SHARED_MODELS / name
    if not p.exists():
        pytest.skip(f"{p} not present (../shared is absent in this checkout)")
    return p


def shared_models(pattern="*.tflite"):
    """Sorted list of shared model paths (empty when ../shared is absent)."""
    return sorted(SHARED_MODELS.glob(pattern)) if SHARED_MODELS.exists() else []


def tflm():
    """The tflite-micro runtime module, or skip."""
    runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime",
                                  reason="tflite-micro (test extra) not installed")
    return runtime


def tflm_interpreter(model, arena_size=None):
    """A tflite-micro interpreter for a path or bytes. Its default arena (10x the model size) is
    too small for small models with big activations, and TFLM can crash on a too-small arena, so
    the default here is generous."""
    rt = tflm()
    data = bytes(model) if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    if arena_size is None:
        arena_size = max(10 * len(data), 4 << 20)
    return rt.Interpreter.from_bytes(data, arena_size=arena_size)


def numpy_twin(model, interp):
    """A numpy-only interpreter of ``model`` (native=False) when ``interp`` runs native
    kernels, else None: tests run both and require the same bits from each."""
    import tinyrt
    if interp.native is False or not any(k.native for k in interp.kernels):
        return None
    kw = {"model_content": bytes(model)} if isinstance(model, (bytes, bytearray)) \
        else {"model_path": str(model)}
    twin = tinyrt.Interpreter(native=False, **kw)
    twin.allocate_tensors()
    return twin


def run_both(model, inputs_list, tinyrt_interp=None, oracle=None):
    """Run each entry of ``inputs_list`` (a list of input arrays) through tinyrt and tflite-micro,
    one after the other on the same two interpreters (so state carries across invokes as on a
    device). Returns [(tinyrt outputs, tflm outputs), ...]. When tinyrt uses its native
    kernels, a numpy-only tinyrt runs alongside and must give identical outputs."""
    import tinyrt
    if tinyrt_interp is None:
        kw = {"model_content": bytes(model)} if isinstance(model, (bytes, bytearray)) \
            else {"model_path": str(model)}
        tinyrt_interp = tinyrt.Interpreter(**kw)
        tinyrt_interp.allocate_tensors()
    twin = numpy_twin(model, tinyrt_interp)
    oracle = oracle or tflm_interpreter(model)
    n_out = len(tinyrt_interp.get_output_details())
    results = []
    for inputs in inputs_list:
        for i, x in enumerate(inputs):
            tinyrt_interp.set_input(x, i)
            oracle.set_input(x, i)
            if twin is not None:
                twin.set_input(x, i)
        tinyrt_interp.invoke()
        oracle.invoke()
        ours = [tinyrt_interp.get_output(i) for i in range(n_out)]
        if twin is not None:
            twin.invoke()
            for a, b in zip(ours, [twin.get_output(i) for i in range(n_out)]):
                assert a.dtype == b.dtype and a.shape == b.shape and \
                    a.tobytes() == b.tobytes(), "native and numpy kernels differ"
        results.append((ours, [oracle.get_output(i) for i in range(n_out)]))
    return results


def litert_ref(data):
    """LiteRT with its reference kernels: the oracle where TFLM has no kernel (GELU, hybrid)."""
    lr = pytest.importorskip("ai_edge_litert.interpreter",
                             reason="ai-edge-litert (test extra) not installed")
    it = lr.Interpreter(model_content=bytes(data),
                        experimental_op_resolver_type=lr.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    return it


def random_inputs(details, rng):
    """Random values for each input: full range for integers, N(0, 2) for floats."""
    out = []
    for d in details:
        dt = np.dtype(d["dtype"])
        shape = tuple(d["shape"])
        if dt.kind in "iu":
            info = np.iinfo(dt)
            out.append(rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt))
        elif dt.kind == "b":
            out.append(rng.integers(0, 2, size=shape).astype(bool))
        else:
            out.append((rng.standard_normal(shape) * 2).astype(dt))
    return out


def tflm_allocations(model_path):
    """TFLM's recorded arena use of a model: {'head': ..., 'tail': ..., 'total': ...}.

    tflite-micro prints the report from C++ to stderr, so it runs in a child
    process whose output is read whole."""
    tflm()
    code = ("import sys; sys.path[:0] = %r; from oracle import tflm_interpreter; "
            "tflm_interpreter(%r).print_allocations()" % (sys.path[:3], str(Path(model_path).resolve())))
    text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parent, check=True).stderr
    out = {}
    for line in text.splitlines():
        for key in ("total", "head", "tail"):
            tag = f"Arena allocation {key} "
            if tag in line:
                out[key] = int(line.split(tag)[1].split()[0])
    return out


def tflm_allocates(model, arena_size):
    """Whether tflite-micro's interpreter allocates ``model`` (bytes) in an arena of
    ``arena_size`` bytes. Each try runs in a forked child: a too-small arena can crash TFLM."""
    import os
    rt = tflm()
    data = bytes(model)
    pid = os.fork()
    if pid == 0:  # child: silence TFLM's messages (and a crash), report by exit status
        import faulthandler
        faulthandler.disable()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            rt.Interpreter.from_bytes(data, arena_size=int(arena_size))
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def tflm_smallest_arena(model, start=1024):
    """The smallest arena_size tflite-micro allocates ``model`` in, by bisection."""
    lo, hi = 0, start
    while not tflm_allocates(model, hi):
        lo, hi = hi, hi * 2
        if hi > 1 << 31:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if tflm_allocates(model, mid):
            hi = mid
        else:
            lo = mid
    return hi
