"""Code written for LiteRT runs unchanged on tinyrt: the same user-style script runs on both
and what it gets back is compared — dict keys, dtypes, shapes, values and exception classes.

Values: tinyrt computes TFLM's arithmetic, which LiteRT's reference kernels share except in
rounding corners (hello_world's int8 FULLY_CONNECTED gives -46 in LiteRT where TFLM and tinyrt
give -48 for the input 19). So output values must equal tflite-micro's exactly and LiteRT's to
within LITERT_LSB (docs/api.md)."""
import numpy as np
import pytest

import tinyrt
from tinyrt import sub_batches
from oracle import random_inputs, run_both, shared_model
from tinyrt.builder import ModelBuilder

lr = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")

LITERT_LSB = 2
# shared models LiteRT runs (person_detect it refuses; the audio front ends are TFLM custom ops;
# keyword_scrambled_8bit crashes it). tiny_llm and vit_tiny (GELU: no tflite-micro to check
# against) differ from LiteRT by more: `tinyrt compare vit_tiny_int8.tflite --reference
# litert-ref` shows the first difference at an int8 FULLY_CONNECTED, 1 LSB in 115 of 113472
# values, where tinyrt's FULLY_CONNECTED is TFLM's (docs/api.md).
MODELS = ["hello_world_int8", "hello_world_float", "micro_speech_quantized",
          "mlperf_tiny_kws_int8", "mlperf_tiny_vww_int8", "simple_add_model",
          "mobile/mobilenet_v3_small_int8"]


def litert(**kw):
    # its reference kernels: the arithmetic TFLM's kernels share
    return lr.Interpreter(experimental_op_resolver_type=lr.OpResolverType.BUILTIN_REF, **kw)


def user_script(make, path, seed=0, n=3):
    """What a LiteRT user writes: allocate, read details, set inputs, invoke, read outputs
    and every tensor's description."""
    it = make(model_path=str(path))
    it.allocate_tensors()
    got = {"inputs": it.get_input_details(), "outputs": it.get_output_details(),
           "tensors": it.get_tensor_details(), "ops": it._get_ops_details(),
           "subgraphs": it.num_subgraphs(), "signatures": it.get_signature_list(),
           "results": []}
    rng = np.random.default_rng(seed)
    for _ in range(n):
        for d, x in zip(got["inputs"], random_inputs(got["inputs"], rng)):
            it.set_tensor(d["index"], x)
        it.invoke()
        got["results"].append([it.get_tensor(d["index"]) for d in got["outputs"]])
    return got


def assert_same(a, b, where=""):
    """Equal structure, types and values (numpy arrays: dtype, shape and bytes)."""
    assert type(a) is type(b) or (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))), \
        f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def assert_close_to_litert(ours, theirs):
    """Same structure, dtypes and shapes; integer values within LITERT_LSB."""
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(a, (list, tuple)):
            assert_close_to_litert(a, b)
            continue
        assert a.dtype == b.dtype and a.shape == b.shape
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        assert diff.max(initial=0) <= (LITERT_LSB if a.dtype.kind in "iu" else 1e-5)


def _shared_tensors(theirs, ours):
    """The tensors both list, by index: LiteRT may drop some and adds its own temporaries
    after the model's."""
    common = {d["index"] for d in theirs} & {d["index"] for d in ours}
    return [d for d in theirs if d["index"] in common], [d for d in ours if d["index"] in common]


@pytest.mark.parametrize("name", MODELS)
def test_same_script_same_results(name):
    path = shared_model(f"{name}.tflite")
    n = 1 if "mobilenet" in name else 3
    theirs = user_script(litert, path, n=n)
    ours = user_script(tinyrt.Interpreter, path, n=n)
    for key in ("inputs", "outputs", "ops", "subgraphs", "signatures"):
        assert_same(ours[key], theirs[key], key)
    assert_close_to_litert(ours["results"], theirs["results"])
    # exact against tflite-micro on the same inputs
    rng = np.random.default_rng(0)
    batches = [random_inputs(ours["inputs"], rng) for _ in range(len(ours["results"]))]
    for got, (_, tflm_out) in zip(ours["results"], run_both(path, batches)):
        assert_same(got, tflm_out, "results vs tflite-micro")
    theirs_t, ours_t = _shared_tensors(theirs["tensors"], ours["tensors"])
    assert len(ours_t) >= len(ours["tensors"]) - 1 and len(ours_t) > 0
    assert_same(ours_t, theirs_t, "tensors")


def test_unnamed_tensor_is_called_empty_string(tmp_path):
    b = ModelBuilder()
    x = b.add_input("", (1, 4), np.float32)
    y = b.add_tensor("y", (1, 4), np.float32)
    b.add_operator("RELU", [x], [y])
    b.mark_output(y)
    data = b.build()
    ours = tinyrt.Interpreter(model_content=data).get_input_details()[0]["name"]
    theirs = litert(model_content=data).get_input_details()[0]["name"]
    assert ours == theirs == ""


def _gather_model():
    b = ModelBuilder()
    t = b.add_constant("table", np.arange(6, dtype=np.float32))
    i = b.add_input("i", (2,), np.int32)
    y = b.add_tensor("y", (2,), np.float32)
    b.add_operator("GATHER", [t, i], [y], axis=0)
    b.mark_output(y)
    return b.build()


def _custom_op_model():
    b = ModelBuilder()
    x = b.add_input("x", (1, 8), np.float32)
    y = b.add_tensor("y", (1, 8), np.float32)
    b.add_operator("MyCustomOp", [x], [y])
    b.mark_output(y)
    return b.build()


def _allocated(make, path):
    it = make(model_path=path)
    it.allocate_tensors()
    return it


def _failing_invoke(make):
    it = make(model_content=_gather_model())
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], np.array([0, 9], np.int32))
    it.invoke()


def _signature_shape_check(make, path):
    it = _allocated(make, path)
    it.set_tensor(0, np.zeros((1, 2), np.int8))


MISUSE = {
    "unknown keyword num_thread": lambda make, p: make(model_path=p, num_thread=2),
    "unknown keyword model_pth": lambda make, p: make(model_pth=p),
    "num_threads=0": lambda make, p: make(model_path=p, num_threads=0),
    "num_threads=2.5": lambda make, p: make(model_path=p, num_threads=2.5),
    "op resolver type 5": lambda make, p: make(model_path=p, experimental_op_resolver_type=5),
    "both model_path and model_content": lambda make, p: make(model_path=p, model_content=b"x"),
    "no model": lambda make, p: make(),
    "missing file": lambda make, p: make(model_path=p + ".missing"),
    "not a flatbuffer": lambda make, p: make(model_content=b"\0" * 64),
    "invoke before allocate": lambda make, p: make(model_path=p).invoke(),
    "set_tensor before allocate":
        lambda make, p: make(model_path=p).set_tensor(0, np.zeros((1, 1), np.int8)),
    "get_tensor before allocate": lambda make, p: make(model_path=p).get_tensor(0),
    "set_tensor wrong dtype":
        lambda make, p: _allocated(make, p).set_tensor(0, np.zeros((1, 1), np.float32)),
    "set_tensor wrong shape": _signature_shape_check,
    "get_tensor index too large": lambda make, p: _allocated(make, p).get_tensor(99),
    "get_tensor negative index": lambda make, p: _allocated(make, p).get_tensor(-1),
    "get_tensor index not an int": lambda make, p: _allocated(make, p).get_tensor("a"),
    "get_tensor subgraph out of range": lambda make, p: _allocated(make, p).get_tensor(0, 1),
    "get_tensor_details subgraph out of range":
        lambda make, p: _allocated(make, p).get_tensor_details(1),
    "unknown signature": lambda make, p: _allocated(make, p).get_signature_runner("nope"),
    "resize to a non-number": lambda make, p: _allocated(make, p).resize_tensor_input(0, "a"),
    "kernel fails during invoke": lambda make, p: _failing_invoke(make),
    "unresolved custom op":
        lambda make, p: make(model_content=_custom_op_model()).allocate_tensors(),
}


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    return None


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_misuse_raises_what_litert_raises(case):
    path = str(shared_model("hello_world_int8.tflite"))
    theirs = _raised(lambda: MISUSE[case](lr.Interpreter, path))
    ours = _raised(lambda: MISUSE[case](tinyrt.Interpreter, path))
    assert theirs is not None, "LiteRT accepted it"
    assert ours is not None, f"tinyrt accepted it; LiteRT raised {type(theirs).__name__}"
    assert isinstance(ours, type(theirs)), \
        f"LiteRT raised {type(theirs).__name__}, tinyrt {type(ours).__mro__}"
    assert isinstance(ours, tinyrt.TinyrtError) or isinstance(ours, TypeError)


def test_deliberate_differences():
    """Documented in docs/api.md: tinyrt refuses delegates it cannot run (LiteRT fails with
    AttributeError on a non-delegate) and writes to constants (LiteRT may crash)."""
    path = str(shared_model("hello_world_int8.tflite"))
    with pytest.raises(ValueError, match="runs no delegates"):
        tinyrt.Interpreter(model_path=path, experimental_delegates=["x"])
    tinyrt.Interpreter(model_path=path, experimental_delegates=[])      # empty list is fine
    it = _allocated(tinyrt.Interpreter, path)
    const = next(d for d in it.get_tensor_details() if d["name"].endswith("MatMul"))
    with pytest.raises(ValueError, match="constant"):
        it.set_tensor(const["index"], np.zeros(const["shape"], const["dtype"]))


def test_op_resolver_type_enum_is_litert_s():
    assert [m.name for m in tinyrt.OpResolverType] == [m.name for m in lr.OpResolverType]
    path = str(shared_model("hello_world_int8.tflite"))
    for m in tinyrt.OpResolverType:
        tinyrt.Interpreter(model_path=path, experimental_op_resolver_type=m).allocate_tensors()


# ---------------------------------------------------------------------------------------------
# preserve all tensors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hello_world_int8", "micro_speech_quantized",
                                  "mlperf_tiny_kws_int8"])
def test_preserve_all_tensors_keeps_every_intermediate_as_litert(name):
    path = str(shared_model(f"{name}.tflite"))
    ours = tinyrt.Interpreter(model_path=path, experimental_preserve_all_tensors=True)
    theirs = litert(model_path=path, experimental_preserve_all_tensors=True)
    ours.allocate_tensors()
    theirs.allocate_tensors()
    (x,) = random_inputs(ours.get_input_details(), np.random.default_rng(1))
    for it in (ours, theirs):
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
    compared = 0
    for d in theirs.get_tensor_details():
        if d["dtype"] is None or not len(d["shape"]):
            continue
        assert_close_to_litert([ours.get_tensor(d["index"])], [theirs.get_tensor(d["index"])])
        compared += 1
    assert compared >= len(ours.model.main.operators)
    np.testing.assert_array_equal(ours.get_tensor(ours.get_input_details()[0]["index"]), x)
    # no planned tensor shares memory with another
    rep = ours.memory_report()
    assert rep.head >= rep.planned_tensors


def test_without_preserve_all_tensors_the_input_is_reused():
    """What the option is for: by default TFLM's plan reuses the input's memory."""
    path = str(shared_model("mlperf_tiny_kws_int8.tflite"))
    it = tinyrt.Interpreter(model_path=path)
    it.allocate_tensors()
    (x,) = random_inputs(it.get_input_details(), np.random.default_rng(1))
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    assert not np.array_equal(it.get_tensor(it.get_input_details()[0]["index"]), x)


# ---------------------------------------------------------------------------------------------
# resize_tensor_input: a batch of N
# ---------------------------------------------------------------------------------------------
BATCH_MODELS = ["hello_world_int8", "hello_world_float", "micro_speech_quantized",
                "mlperf_tiny_kws_int8", "mlperf_tiny_vww_int8", "person_detect",
                "simple_add_model", "mobile/mobilenet_v3_small_int8"]


def batch_equals_singles(path, n, rng):
    one = tinyrt.Interpreter(model_path=str(path))
    one.allocate_tensors()
    details = one.get_input_details()
    samples = [random_inputs(details, rng) for _ in range(n)]
    singles = []
    for s in samples:
        for d, x in zip(details, s):
            one.set_tensor(d["index"], x)
        one.invoke()
        singles.append([one.get_tensor(d["index"]) for d in one.get_output_details()])
    batch = tinyrt.Interpreter(model_path=str(path))
    for d in details:
        batch.resize_tensor_input(d["index"], [n] + list(d["shape"][1:]))
    batch.allocate_tensors()
    assert [list(d["shape"]) for d in batch.get_input_details()] == \
        [[n] + list(d["shape"][1:]) for d in details]
    for k, d in enumerate(batch.get_input_details()):
        batch.set_tensor(d["index"], np.concatenate([s[k] for s in samples]))
    batch.invoke()
    outs = [batch.get_tensor(d["index"]) for d in batch.get_output_details()]
    for j, y in enumerate(outs):
        np.testing.assert_array_equal(y, np.concatenate([s[j] for s in singles]))
    return batch, samples, outs


@pytest.mark.parametrize("name", BATCH_MODELS)
def test_batch_of_n_equals_n_single_invokes(name):
    path = shared_model(f"{name}.tflite")
    batch_equals_singles(path, 2 if "mobilenet" in name else 5, np.random.default_rng(7))


@pytest.mark.parametrize("name", ["mlperf_tiny_kws_int8", "mobile/mobilenet_v3_small_int8"])
def test_batch_beyond_the_caches_runs_in_sub_batches_with_the_same_bits(name, monkeypatch):
    """A batch whose activations outgrow sub_batches.SUB_BATCH_BYTES runs its first nodes k
    samples at a time and the last nodes, whose activations fit, for the whole batch; the
    outputs equal single invokes all the same."""
    path = shared_model(f"{name}.tflite")
    one = tinyrt.Interpreter(model_path=str(path))
    one.allocate_tensors()
    monkeypatch.setattr(sub_batches, "SUB_BATCH_BYTES", 2 * one.memory_report().head)
    batch, _, _ = batch_equals_singles(path, 6, np.random.default_rng(5))
    split = batch._sub_batches
    assert split is not None and split.k == 2 and split.tail is not None
    assert len(split.head.model.main.operators) + len(split.tail.model.main.operators) == \
        len(one.model.main.operators)
    # a budget nothing fits: one sample at a time through every node
    monkeypatch.setattr(sub_batches, "SUB_BATCH_BYTES", 1)
    batch, _, _ = batch_equals_singles(path, 3, np.random.default_rng(6))
    assert batch._sub_batches.k == 1 and batch._sub_batches.tail is None


def test_sub_batches_only_for_plain_batches(monkeypatch):
    """preserve-all-tensors keeps the whole batch's intermediates, so it never splits; nor
    does a batch whose arena the caller sized, nor one whose activations fit."""
    path = str(shared_model("mlperf_tiny_kws_int8.tflite"))
    monkeypatch.setattr(sub_batches, "SUB_BATCH_BYTES", 1)
    for options, split in (({"experimental_preserve_all_tensors": True}, False),
                           ({"arena_size": 1 << 20}, False), ({}, True)):
        it = tinyrt.Interpreter(model_path=path, **options)
        it.resize_tensor_input(0, [4, 49, 10, 1])
        it.allocate_tensors()
        assert (it._sub_batches is not None) == split
        if split:
            assert it._sub_batches.k == 1
    monkeypatch.setattr(sub_batches, "SUB_BATCH_BYTES", 4 << 20)
    it = tinyrt.Interpreter(model_path=path)
    it.resize_tensor_input(0, [4, 49, 10, 1])
    it.allocate_tensors()
    assert it._sub_batches is None
    assert [sub_batches.sub_batch_size(n, 1000 * n, 3000) for n in (1, 6, 7, 16)] == \
        [1, 3, 1, 2]


@pytest.mark.parametrize("name", ["hello_world_int8", "mlperf_tiny_kws_int8"])
def test_batch_equals_litert_batch(name):
    path = shared_model(f"{name}.tflite")
    batch, samples, outs = batch_equals_singles(path, 4, np.random.default_rng(3))
    ref = litert(model_path=str(path))
    d = ref.get_input_details()[0]
    ref.resize_tensor_input(d["index"], [4] + list(d["shape"][1:]))
    ref.allocate_tensors()
    ref.set_tensor(d["index"], np.concatenate([s[0] for s in samples]))
    ref.invoke()
    assert_close_to_litert([outs[0]], [ref.get_tensor(ref.get_output_details()[0]["index"])])


def test_resize_refuses_what_it_cannot_do():
    path = str(shared_model("mlperf_tiny_kws_int8.tflite"))
    it = tinyrt.Interpreter(model_path=path)
    with pytest.raises(ValueError, match="batch"):
        it.resize_tensor_input(0, [1, 50, 10, 1])          # not the batch dimension
    it.resize_tensor_input(0, [3, 49, 10, 1], strict=True)   # its signature says [-1, 49, 10, 1]
    fixed = tinyrt.Interpreter(model_path=str(shared_model("person_detect.tflite")))
    with pytest.raises(ValueError, match="strict"):
        fixed.resize_tensor_input(fixed.get_input_details()[0]["index"], [3, 96, 96, 1],
                                  strict=True)               # its batch is fixed at 1
    with pytest.raises(ValueError, match="not an input"):
        it.resize_tensor_input(5, [3])
    it.resize_tensor_input(0, [3, 49, 10, 1])
    with pytest.raises(RuntimeError, match="allocate_tensors"):
        it.invoke()                                        # as LiteRT: allocate after resizing
    it.allocate_tensors()
    it.resize_tensor_input(0, [1, 49, 10, 1])              # back to one sample
    it.allocate_tensors()
    assert list(it.get_output_details()[0]["shape"]) == [1, 12]


def test_resize_of_a_model_whose_state_has_a_batch_fails_at_allocation_as_litert():
    path = str(shared_model("keyword_scrambled_8bit.tflite"))
    it = tinyrt.Interpreter(model_path=path)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], [4] + list(d["shape"][1:]))
    with pytest.raises(RuntimeError, match="SVDF"):
        it.allocate_tensors()


def test_signature_runner_resizes_to_its_input():
    path = str(shared_model("hello_world_int8.tflite"))
    x = np.arange(-3, 3, dtype=np.int8).reshape(6, 1)
    ours = tinyrt.Interpreter(model_path=path).get_signature_runner()(dense_input=x)
    theirs = litert(model_path=path).get_signature_runner()(dense_input=x)
    assert sorted(ours) == sorted(theirs) == ["dense_2"]
    assert_close_to_litert([ours["dense_2"]], [theirs["dense_2"]])
    assert ours["dense_2"].shape == (6, 1)
    one = tinyrt.Interpreter(model_path=path)
    one.allocate_tensors()
    for k in range(6):               # each row as a single invoke gives the same bits
        one.set_input(x[k:k + 1], 0)
        one.invoke()
        np.testing.assert_array_equal(one.get_output(0), ours["dense_2"][k:k + 1])
