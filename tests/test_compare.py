"""tinyrt compare: per-layer differences from a reference runtime or from the float model."""
import json

import numpy as np
import pytest

import tinyrt
from oracle import shared_model, tflm
from tinyrt.cli import main
from tinyrt.compare import compare
from tinyrt.kernels import REGISTRY

PLANTED_NODE = 3


def planted_resolver(op, node):
    """Every kernel, with ``op``'s output at ``node`` moved by one LSB in one element."""
    base = REGISTRY[op]

    class OneLsbOff(base):
        def eval(self, inputs, outputs):
            super().eval(inputs, outputs)
            if self.node_index == node:
                flat = outputs[0].reshape(-1)
                flat[7] += 1 if flat[7] < np.iinfo(flat.dtype).max else -1

    return tinyrt.AllOpsResolver().add(op, OneLsbOff)


def test_a_planted_one_lsb_difference_is_found_at_its_layer():
    tflm()
    path = shared_model("mlperf_tiny_kws_int8.tflite")
    op = tinyrt.Interpreter(model_path=str(path)).model.main.operators[PLANTED_NODE].op_name
    report = compare(path, "tflite-micro", op_resolver=planted_resolver(op, PLANTED_NODE),
                     native=False)
    first = report.first_divergence
    assert first is not None and first.node == PLANTED_NODE and first.op == op
    assert (first.differing, first.max_lsb) == (1, 1)
    assert all(r.differing == 0 for r in report.rows if r.node < PLANTED_NODE)
    assert abs(first.max_abs - first.max_lsb * tinyrt.Interpreter(model_path=str(path))
               .model.main.tensors[first.tensor].quantization.scale[0]) < 1e-12
    text = "\n".join(report.lines())
    assert f"first layer that differs: node {PLANTED_NODE} {op}" in text
    # unplanted, the same comparison finds nothing
    assert compare(path, "tflite-micro").first_divergence is None


@pytest.mark.parametrize("reference", ["tflite-micro", "litert-ref"])
def test_cli_compare_json(reference, capsys):
    if reference == "tflite-micro":
        tflm()
    else:
        pytest.importorskip("ai_edge_litert.interpreter")
    path = str(shared_model("mlperf_tiny_kws_int8.tflite"))
    assert main(["compare", path, "--reference", reference, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["reference"] == reference and len(r["rows"]) == 13
    assert r["first_divergence"] is None
    assert {"node", "op", "tensor", "max_lsb", "max_abs", "rmse_scale", "differing"} <= \
        set(r["rows"][0])


def test_cli_compare_plot_and_bad_reference(tmp_path, capsys):
    tflm()
    pytest.importorskip("matplotlib")
    path = str(shared_model("hello_world_int8.tflite"))
    png = tmp_path / "errors.png"
    assert main(["compare", path, "--reference", "tflite-micro", "--plot", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "every compared layer is identical" in capsys.readouterr().out
    assert main(["compare", path, "--reference", "onnx"]) == 2
    assert "unknown reference 'onnx'" in capsys.readouterr().err


def test_float_reference_reports_per_layer_quantization_error():
    """MobileNetV3 int8 against its float original: every layer matched by name, errors in
    real units tracking each layer's scale (coarse quantization, large error)."""
    int8 = shared_model("mobile/mobilenet_v3_small_int8.tflite")
    flt = shared_model("mobile/mobilenet_v3_small_float.tflite")
    report = compare(int8, f"float:{flt}")
    tensors = tinyrt.Interpreter(model_path=str(int8)).model.main.tensors
    assert len(report.rows) == 111 and not any(r.note for r in report.rows)
    scales = np.array([tensors[r.tensor].quantization.scale[0] for r in report.rows])
    rmse = np.array([r.rmse_scale for r in report.rows]) * scales

    def ranks(v):
        return np.argsort(np.argsort(v))
    assert np.corrcoef(ranks(rmse), ranks(scales))[0, 1] > 0.7
    # the quantized input step of the first layers is near perfect; the logits are not
    assert report.rows[0].rmse_scale < 0.5 and report.rows[0].snr_db > 40
    assert report.rows[-1].snr_db > 10
    assert report.first_divergence is not None


def test_a_failing_run_is_exit_1_with_a_hint(tmp_path, capsys):
    from tinyrt.builder import ModelBuilder
    b = ModelBuilder()
    t = b.add_constant("table", np.arange(6, dtype=np.float32))
    i = b.add_input("i", (2,), np.int32)
    y = b.add_tensor("y", (2,), np.float32)
    b.add_operator("GATHER", [t, i], [y], axis=0)
    b.mark_output(y)
    p = tmp_path / "gather.tflite"
    p.write_bytes(b.build())
    bad = tmp_path / "bad.npy"
    np.save(bad, np.array([1, 9], np.int32))             # 9 is outside the table
    assert main(["compare", str(p), "--reference", "tflite-micro", "--input", str(bad)]) == 1
    assert "GATHER (node 0)" in capsys.readouterr().err
    tflm()
    ids = tmp_path / "ids.npy"
    np.save(ids, np.array([1, 4], np.int32))
    assert main(["compare", str(p), "--reference", "tflite-micro", "--input", str(ids)]) == 0
    assert "every compared layer is identical" in capsys.readouterr().out
    # random ids are drawn from the table's rows
    assert main(["compare", str(p), "--reference", "tflite-micro"]) == 0
