"""Code written for the tflite_micro runtime runs unchanged on tinyrt.micro: the same script on
both, compared in return values, dict keys, dtypes, shapes, values and exception classes; and
with kPreserveAllTensors every tensor of every shared model tflite-micro runs equals its
GetTensor."""
import re

import numpy as np
import pytest

from oracle import random_inputs, shared_model, shared_models, tflm, tflm_allocations
from tinyrt import micro

rt = tflm()
MODELS = ["hello_world_int8", "hello_world_float", "micro_speech_quantized",
          "mlperf_tiny_kws_int8", "mlperf_tiny_vww_int8", "person_detect", "simple_add_model",
          "keyword_scrambled", "keyword_scrambled_8bit", "audio_preprocessor_int8",
          "audio_preprocessor_float"]


def script(runtime, path):
    """A tflite_micro user's script: from_file, details, set_input, invoke, get_output, reset."""
    it = runtime.Interpreter.from_file(str(path), arena_size=1 << 20)
    first = it.get_input_details(0)
    got = {"input_details": first, "output_details": it.get_output_details(0), "runs": []}
    rng = np.random.default_rng(0)
    n_in = len(micro.Interpreter.from_file(str(path), arena_size=1 << 20)
               .interpreter.get_input_details())
    details = [it.get_input_details(i) for i in range(n_in)]
    for _ in range(3):
        xs = random_inputs(details, rng)
        ret = [it.set_input(x, i) for i, x in enumerate(xs)]
        ret.append(it.invoke())
        got["runs"].append((ret, it.get_output(0)))
    got["reset"] = it.reset()
    return got


def assert_same(a, b, where=""):
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{a.shape} vs {getattr(b, 'dtype', type(b))}"
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} vs {b!r}"


@pytest.mark.parametrize("name", MODELS)
def test_same_script_same_results(name):
    path = shared_model(f"{name}.tflite")
    assert_same(script(micro, path), script(rt, path))


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    return None


def _preserving(runtime, p):
    return runtime.Interpreter.from_file(
        p, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)


MISUSE = {
    "set_input index too large":
        lambda r, p: r.Interpreter.from_file(p).set_input(np.zeros((1, 1), np.int8), 5),
    "get_output index too large": lambda r, p: r.Interpreter.from_file(p).get_output(5),
    "get_input_details index too large":
        lambda r, p: r.Interpreter.from_file(p).get_input_details(5),
    "get_output_details index too large":
        lambda r, p: r.Interpreter.from_file(p).get_output_details(5),
    "negative index":
        lambda r, p: r.Interpreter.from_file(p).set_input(np.zeros((1, 1), np.int8), -1),
    "set_input wrong dtype":
        lambda r, p: r.Interpreter.from_file(p).set_input(np.zeros((1, 1), np.float32), 0),
    "set_input wrong shape":
        lambda r, p: r.Interpreter.from_file(p).set_input(np.zeros((1, 2), np.int8), 0),
    "set_input None": lambda r, p: r.Interpreter.from_file(p).set_input(None, 0),
    "GetTensor without kPreserveAllTensors": lambda r, p: r.Interpreter.from_file(p).GetTensor(7, 0),
    "custom_op_registerers not strings":
        lambda r, p: r.Interpreter.from_file(p, custom_op_registerers=[1]),
    "missing file": lambda r, p: r.Interpreter.from_file(p + ".missing"),
    "model None": lambda r, p: r.Interpreter(None, [], None),
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_misuse_raises_what_tflite_micro_raises(case):
    path = str(shared_model("hello_world_int8.tflite"))
    theirs = _raised(lambda: MISUSE[case](rt, path))
    ours = _raised(lambda: MISUSE[case](micro, path))
    assert theirs is not None and ours is not None, (theirs, ours)
    assert isinstance(ours, type(theirs)), \
        f"tflite_micro raised {type(theirs).__name__}, tinyrt {type(ours).__mro__}"


def test_get_tensor_out_of_range_is_index_error():
    """tflite_micro crashes the process here; tinyrt raises IndexError (docs/api.md)."""
    it = _preserving(micro, str(shared_model("hello_world_int8.tflite")))
    with pytest.raises(IndexError):
        it.GetTensor(99, 0)
    with pytest.raises(IndexError):
        it.GetTensor(0, 3)


def test_allocated_in_the_constructor_and_print_allocations_as_tflm(capsys):
    path = shared_model("hello_world_int8.tflite")
    it = micro.Interpreter.from_file(str(path))
    it.set_input(np.array([[19]], np.int8), 0)      # no allocate_tensors(): as TFLM
    assert it.invoke() == 0
    it.print_allocations()
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.splitlines()
    pattern = r"\[RecordingMicroAllocator\] Arena allocation (total|head|tail) (\d+) bytes"
    figures = {m[1]: int(m[2]) for m in map(lambda s: re.fullmatch(pattern, s), lines[:3]) if m}
    assert sorted(figures) == ["head", "tail", "total"]
    assert figures["head"] == tflm_allocations(path)["head"] == 32
    assert figures["total"] == figures["head"] + figures["tail"]
    it.interpreter.print_allocations()               # the LiteRT-style class prints the same
    assert capsys.readouterr().err == out.err


def _tflm_models():
    return [p for p in shared_models("**/*.tflite") if "seanet" not in str(p)]


@pytest.mark.parametrize("path", _tflm_models(), ids=lambda p: p.stem)
def test_preserve_all_tensors_equals_tflite_micro_get_tensor(path):
    data = path.read_bytes()
    arena = max(10 * len(data), 8 << 20)
    try:
        theirs = rt.Interpreter.from_bytes(data, arena_size=arena,
                                           intrepreter_config=rt.InterpreterConfig.kPreserveAllTensors)
    except RuntimeError:
        pytest.skip("tflite-micro does not run this model (GELU)")
    ours = micro.Interpreter.from_bytes(data, arena_size=arena,
                                        intrepreter_config=micro.InterpreterConfig.kPreserveAllTensors)
    it = ours.interpreter
    rng = np.random.default_rng(0)
    for _ in range(2):        # twice: state carried across invokes is compared too
        for i, x in enumerate(random_inputs(it.get_input_details(), rng)):
            ours.set_input(x, i)
            theirs.set_input(x, i)
        ours.invoke()
        theirs.invoke()
    # SignalEnergy writes only its bins start..end-1; TFLM leaves the rest as the arena held it
    # (a CAST of that output carries the undefined values on)
    written = {}
    for g in it._graphs:
        for k in g.kernels:
            node = k.node
            if node.op_name == "SignalEnergy":
                written[g.index, node.outputs[0]] = slice(k.lo, k.hi)
            elif node.op_name == "CAST" and (g.index, node.inputs[0]) in written:
                written[g.index, node.outputs[0]] = written[g.index, node.inputs[0]]
    compared = 0
    for sg in range(it.num_subgraphs()):
        for t in it.model.subgraphs[sg].tensors:
            if t.element_dtype is None:
                continue
            a, b = ours.GetTensor(t.index, sg), theirs.GetTensor(t.index, sg)
            assert a["tensor_data"].dtype == b["tensor_data"].dtype
            assert list(a["shape"]) == list(b["shape"]), (sg, t.index, t.name)
            x, y = a["tensor_data"], b["tensor_data"]
            if (sg, t.index) in written:
                x, y = x[written[sg, t.index]], y[written[sg, t.index]]
            assert x.tobytes() == y.tobytes(), (sg, t.index, t.name)
            compared += 1
    assert compared >= len(it.model.main.operators)
    rep = it.memory_report()
    assert rep.head >= rep.planned_tensors      # no two planned tensors share bytes
