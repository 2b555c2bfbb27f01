"""The tinyrt command: exit codes, outputs, one-line errors."""
import numpy as np
import pytest

from oracle import shared_model
from tinyrt.cli import main


@pytest.fixture
def hello():
    return str(shared_model("hello_world_int8.tflite"))


def test_info(hello, capsys):
    assert main(["info", hello]) == 0
    out = capsys.readouterr().out
    assert "FULLY_CONNECTED x3" in out
    assert "MACs       288 per invoke" in out   # 1x16 + 16x16 + 16x1 weights
    assert "input  0" in out and "1x1 int8" in out


def test_plan(hello, capsys):
    assert main(["plan", hello]) == 0
    out = capsys.readouterr().out
    assert "head                      32 bytes" in out
    assert "offset" in out


def test_run_random_and_saved_output(hello, tmp_path, capsys):
    out_file = tmp_path / "y.npy"
    assert main(["run", hello, "--output", str(out_file)]) == 0
    assert np.load(out_file).shape == (1, 1)


def test_run_with_input_file_quantizes_floats(hello, tmp_path, capsys):
    x = tmp_path / "x.npy"
    np.save(x, np.array([[1.5]], np.float32))
    assert main(["run", hello, "--input", str(x)]) == 0
    assert "dequantized" in capsys.readouterr().out


def test_bad_model_is_exit_2_with_one_line(tmp_path, capsys):
    p = tmp_path / "bad.tflite"
    p.write_bytes(b"\x00" * 64)
    assert main(["info", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinyrt info: error:") and err.count("\n") == 1


def test_bad_usage_is_exit_2():
    with pytest.raises(SystemExit) as e:
        main(["run"])
    assert e.value.code == 2
    assert main([]) == 2


def test_ops_doc_is_generated_from_the_registry():
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "scripts" / "gen_ops_doc.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_profile(hello, capsys):
    assert main(["profile", hello, "--repeat", "3", "--warmup", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("FULLY_CONNECTED") == 3 and "total" in out and "100.0%" in out


def test_plan_of_a_model_with_unknown_custom_ops_notes_them(capsys, tmp_path):
    from test_memory import model_with_unknown_custom_op
    path = tmp_path / "vendor.tflite"
    path.write_bytes(model_with_unknown_custom_op())
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note: no kernel for" in out and "VendorFrontEnd" in out
    assert "head                     128 bytes" in out
    assert main(["run", str(path)]) == 2      # planning works; running needs the kernel



def test_plan_json_has_tinyrts_and_tflms_figures(hello, capsys):
    import json
    assert main(["plan", hello, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)   # one JSON object, nothing else
    assert d["head_bytes"] == 32 and d["tail_bytes"] == 0
    # tflite-micro's smallest working arena_size for this model is 1936 bytes (the wheel,
    # bisected); the Cortex-M figure covers TFLM's own 676 bytes used on an M4F
    assert d["tflm_arena_bytes"]["host64"] == 1936
    assert 676 <= d["tflm_arena_bytes"]["cortex_m"] <= 676 * 1.3 + 512
    assert len(d["buffers"]) == 4     # the input and the three layers' outputs


def test_plan_text_says_which_figure_to_use_where(hello, capsys):
    assert main(["plan", hello]) == 0
    out = capsys.readouterr().out
    assert "TFLM arena_size, Cortex-M" in out and "tensor_arena" in out
    assert "TFLM arena_size, 64-bit host       1936 bytes" in out
    assert "arena_size for tinyrt.Interpreter" in out
