"""tinyrt.builder writes models that tinyrt's reader reads back exactly and that tflite-micro and
LiteRT load and run: per-tensor and per-channel quantization, builtin options, a custom op with
flexbuffer options, several subgraphs, metadata and signature defs."""
import numpy as np
from flatbuffers import flexbuffers

import tinyrt
from oracle import litert_ref, run_both
from tinyrt.builder import ModelBuilder
from tinyrt.model.flexbuffers import read_map
from tinyrt.model.reader import load_model


def _conv_model():
    """int8 CONV_2D (per-channel weights) then ADD, with metadata and a signature."""
    rng = np.random.default_rng(0)
    b = ModelBuilder(description="round trip")
    x = b.add_input("image", (1, 5, 5, 2), np.int8, scale=0.05, zero_point=-3)
    w = b.add_constant("weights", rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8),
                       scale=[0.01, 0.02, 0.03], zero_point=[0, 0, 0])
    bias = b.add_constant("bias", np.array([5, -7, 11], np.int32),
                          scale=[0.0005, 0.001, 0.0015], zero_point=[0, 0, 0])
    c = b.add_tensor("conv", (1, 3, 3, 3), np.int8, scale=0.1, zero_point=2)
    b.add_operator("CONV_2D", [x, w, bias], [c], padding="VALID", stride_w=1, stride_h=1,
                   fused_activation_function="RELU")
    y = b.add_tensor("sum", (1, 3, 3, 3), np.int8, scale=0.2, zero_point=-1)
    b.add_operator("ADD", [c, c], [y])
    b.mark_output(y)
    b.add_metadata("notes", b"calibrated on 100 images")
    b.add_signature("serving_default", {"image": x}, {"sum": y})
    return b.build()


def test_reader_reads_back_what_was_built():
    model = load_model(_conv_model())
    assert model.description == "round trip"
    sg = model.subgraphs[0]
    by_name = {t.name: t for t in sg.tensors}
    w = by_name["weights"]
    assert w.dtype == np.int8 and w.shape == (3, 3, 3, 2) and w.data is not None
    np.testing.assert_allclose(w.quantization.scale, [0.01, 0.02, 0.03], rtol=1e-7)
    assert w.quantization.per_channel and w.quantization.quantized_dimension == 0
    assert by_name["image"].quantization.zero_point[0] == -3
    np.testing.assert_array_equal(by_name["bias"].data, [5, -7, 11])
    assert [op.op_name for op in sg.operators] == ["CONV_2D", "ADD"]
    assert sg.operators[0].options["fused_activation_function"] == 1      # RELU
    assert bytes(model.metadata["notes"]) == b"calibrated on 100 images"
    (sig,) = model.signatures
    assert sig.key == "serving_default" and sig.subgraph_index == 0
    assert sig.inputs == {"image": by_name["image"].index}
    assert sig.outputs == {"sum": by_name["sum"].index}


def test_built_model_runs_the_same_in_tinyrt_tflite_micro_and_litert():
    data = _conv_model()
    rng = np.random.default_rng(1)
    xs = [rng.integers(-128, 128, (1, 5, 5, 2)).astype(np.int8) for _ in range(3)]
    for ours, theirs in run_both(data, [[x] for x in xs]):
        np.testing.assert_array_equal(ours[0], theirs[0])
    # LiteRT loads it and sees the signature; its int8 kernels may differ by an LSB, so only
    # the signature and the output shape are compared with it.
    ref = litert_ref(data)
    assert ref.get_signature_list() == tinyrt.Interpreter(model_content=data).get_signature_list()
    runner = tinyrt.Interpreter(model_content=data).get_signature_runner("serving_default")
    out = runner(image=xs[0])
    assert out["sum"].shape == (1, 3, 3, 3)


def test_custom_op_options_and_subgraphs_round_trip():
    """A Signal custom op with flexbuffer options inside a CALL_ONCE-initialised model."""
    b = ModelBuilder()
    init = b.add_subgraph("init")
    x = b.add_input("x", (2, 6), np.int16)
    y = b.add_tensor("y", (2, 6), np.int16)
    b.add_operator("SignalDelay", [x], [y],
                   custom_options=bytes(flexbuffers.Dumps({"delay_length": 3})))
    b.add_operator("CALL_ONCE", [], [], init_subgraph_index=init.index)
    b.mark_output(y)
    data = b.build()
    model = load_model(data)
    assert [sg.name for sg in model.subgraphs] == ["main", "init"]
    op = model.subgraphs[0].operators[0]
    assert op.is_custom and op.op_name == "SignalDelay"
    assert read_map(op.custom_options) == {"delay_length": 3}
    rng = np.random.default_rng(2)
    frames = [[rng.integers(-3000, 3000, (2, 6)).astype(np.int16)] for _ in range(4)]
    results = run_both(data, frames)
    for ours, theirs in results:
        np.testing.assert_array_equal(ours[0], theirs[0])
    # the delay line shows the first frame three samples late
    np.testing.assert_array_equal(results[0][0][0][:, 3:], frames[0][0][:, :3])
