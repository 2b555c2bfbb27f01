"""The tinyrt command as scripts use it: input files of every kind, outputs keyed by tensor
name, JSON reports, exit codes, node listings and the packaged example."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinyrt
from tinyrt import cli
from tinyrt.builder import ModelBuilder
from tinyrt.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def two_input_model():
    """y = a + b (int8, scale 0.5) and z = a (copied through RESHAPE): two inputs, two outputs."""
    b = ModelBuilder()
    a = b.add_input("a", (1, 4), np.int8, scale=0.5, zero_point=0)
    c = b.add_input("b", (1, 4), np.int8, scale=0.5, zero_point=0)
    y = b.add_tensor("sum", (1, 4), np.int8, scale=0.5, zero_point=0)
    z = b.add_tensor("a_copy", (4,), np.int8, scale=0.5, zero_point=0)
    b.add_operator("ADD", [a, c], [y])
    shape = b.add_constant("shape", np.array([4], np.int32))
    b.add_operator("RESHAPE", [a, shape], [z])
    b.mark_output(y)
    b.mark_output(z)
    return b.build()


def image_model(channels):
    """An identity-like int8 image model (input scale 1/255, zero point -128, as person_detect)."""
    b = ModelBuilder()
    x = b.add_input("image", (1, 4, 6, channels), np.int8, scale=1 / 255, zero_point=-128)
    y = b.add_tensor("pooled", (1, 4, 6, channels), np.int8, scale=1 / 255, zero_point=-128)
    b.add_operator("MAX_POOL_2D", [x], [y], padding="SAME", stride_w=1, stride_h=1,
                   filter_width=1, filter_height=1)
    b.mark_output(y)
    return b.build()


@pytest.fixture
def two(tmp_path):
    return _write(tmp_path, "two.tflite", two_input_model())


def run_json(argv, capsys):
    code = main(argv + ["--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_npz_by_name_and_by_order(two, tmp_path, capsys):
    a = np.array([[1, 2, 3, 4]], np.int8)
    b = np.array([[10, 20, 30, 40]], np.int8)
    by_name = tmp_path / "named.npz"
    np.savez(by_name, b=b, a=a)         # stored order differs from the model's: names decide
    r = run_json(["run", two, "--input", str(by_name)], capsys)
    assert r["outputs"][0]["values"] == [[11, 22, 33, 44]]
    by_order = tmp_path / "ordered.npz"
    np.savez(by_order, a, b)
    r = run_json(["run", two, "--input", str(by_order)], capsys)
    assert r["outputs"][0]["values"] == [[11, 22, 33, 44]]
    assert r["outputs"][1]["values"] == [1, 2, 3, 4]


def test_npz_with_wrong_names_is_a_clear_error(two, tmp_path, capsys):
    p = tmp_path / "bad.npz"
    np.savez(p, x=np.zeros((1, 4), np.int8))
    assert main(["run", two, "--input", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds 1 arrays" in err and "'a'" in err


def test_raw_bin_and_one_file_per_input(two, tmp_path, capsys):
    a = tmp_path / "a.bin"
    a.write_bytes(np.array([1, 2, 3, 4], np.int8).tobytes())
    b = tmp_path / "b.npy"
    np.save(b, np.array([5, 5, 5, 5], np.int64))  # in range: cast, not refused
    r = run_json(["run", two, "--input", str(a), "--input", str(b)], capsys)
    assert r["outputs"][0]["values"] == [[6, 7, 8, 9]]
    short = tmp_path / "short.bin"
    short.write_bytes(b"\x01\x02")
    assert main(["run", two, "--input", str(short), "--input", str(b)]) == 2
    assert "needs shape [1, 4]" in capsys.readouterr().err


def test_out_of_range_integers_are_an_error_not_a_wrap(two, tmp_path, capsys):
    p = tmp_path / "big.npz"
    np.savez(p, a=np.array([[200, 0, 0, 0]], np.int64), b=np.zeros((1, 4), np.int8))
    assert main(["run", two, "--input", str(p)]) == 2
    err = capsys.readouterr().err
    assert "value 200 at [0, 0]" in err and "[-128, 127]" in err


def test_real_values_are_quantized_and_out_of_range_reals_refused(two, tmp_path, capsys):
    p = tmp_path / "real.npz"
    np.savez(p, a=np.array([[0.5, 1.0, -1.0, 2.0]], np.float32),
             b=np.zeros((1, 4), np.float32))
    r = run_json(["run", two, "--input", str(p)], capsys)
    assert r["outputs"][1]["values"] == [1, 2, -2, 4]          # x / 0.5
    assert r["outputs"][1]["dequantized"] == [0.5, 1.0, -1.0, 2.0]
    np.savez(p, a=np.array([[100.0, 0, 0, 0]], np.float32), b=np.zeros((1, 4), np.float32))
    assert main(["run", two, "--input", str(p)]) == 2
    assert "outside what input 'a' represents" in capsys.readouterr().err


@pytest.mark.parametrize("content,expect", [
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "WAV audio"),
    (b"\x80\x04\x95\x10\x00\x00\x00", "Python pickle"),
    (b"hello world, not an array", "cannot tell what"),
])
def test_unreadable_input_files_get_their_own_message(two, tmp_path, capsys, content, expect):
    p = _write(tmp_path, "x.dat", content)
    assert main(["run", two, "--input", p, "--input", p]) == 2
    err = capsys.readouterr().err
    assert expect in err and "pickle" not in err.replace("Python pickle", "") \
        and "Traceback" not in err and err.count("\n") == 1


def test_object_npy_is_refused_without_a_pickle_message(two, tmp_path, capsys):
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert main(["run", two, "--input", str(p), "--input", str(p)]) == 2
    err = capsys.readouterr().err
    assert "holds Python objects" in err and "allow_pickle" not in err


@pytest.mark.parametrize("channels,mode", [(1, "L"), (3, "RGB")])
@pytest.mark.parametrize("suffix", ["png", "jpg"])
def test_image_input_is_quantized_through_the_input_scale(tmp_path, capsys, channels, mode,
                                                           suffix):
    Image = pytest.importorskip("PIL.Image")
    model = _write(tmp_path, "img.tflite", image_model(channels))
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 6, channels) if channels == 3 else (4, 6)).astype(np.uint8)
    path = tmp_path / f"x.{suffix}"
    Image.fromarray(pixels, mode).save(path, quality=100)
    decoded = np.asarray(Image.open(path).convert(mode)).astype(np.int32)
    r = run_json(["run", model, "--input", str(path)], capsys)
    got = np.array(r["outputs"][0]["values"]).reshape(decoded.shape)
    # real value = pixel / 255, quantized with scale 1/255 and zero point -128: pixel - 128
    np.testing.assert_array_equal(got, decoded - 128)


def test_image_for_a_non_image_input_is_refused(two, tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    p = tmp_path / "x.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(p)
    assert main(["run", two, "--input", str(p), "--input", str(p)]) == 2
    assert "images fit inputs of shape" in capsys.readouterr().err


def test_output_is_npz_at_exactly_the_path_keyed_by_tensor_name(two, tmp_path, capsys):
    out = tmp_path / "result"            # no suffix: nothing may be appended
    assert main(["run", two, "--output", str(out)]) == 0
    assert out.exists() and not (tmp_path / "result.npz").exists()
    with np.load(out) as z:
        assert sorted(z.files) == ["a_copy", "sum"]
        assert z["sum"].shape == (1, 4) and z["sum"].dtype == np.int8
    assert f"to {out}" in capsys.readouterr().out


def test_json_on_every_command(two, capsys):
    info = run_json(["info", two], capsys)
    assert info["inputs"][0]["name"] == "a" and info["ops"] == {"ADD": 1, "RESHAPE": 1}
    plan = run_json(["plan", two], capsys)
    assert isinstance(plan, dict) and plan["head_bytes"] > 0 and plan["tail_bytes"] == 0
    assert plan["head_bytes"] == tinyrt_head(two)
    run = run_json(["run", two], capsys)
    assert [o["name"] for o in run["outputs"]] == ["sum", "a_copy"]
    prof = run_json(["profile", two, "--repeat", "2", "--warmup", "0"], capsys)
    assert [n["op"] for n in prof["nodes"]] == ["ADD", "RESHAPE"] and prof["total_seconds"] > 0


def tinyrt_head(path):
    it = tinyrt.Interpreter(model_path=path)
    it.allocate_tensors()
    return it.memory_report().head


def gelu_and_hybrid_model():
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.add_input("x", (1, 8), np.float32)
    w = b.add_constant("w", rng.integers(-127, 128, (4, 8)).astype(np.int8), scale=0.02,
                       zero_point=0)
    h = b.add_tensor("h", (1, 4), np.float32)
    b.add_operator("FULLY_CONNECTED", [x, w, -1], [h])
    y = b.add_tensor("y", (1, 4), np.float32)
    b.add_operator("GELU", [h], [y])
    z = b.add_tensor("z", (1, 4), np.float32)
    b.add_operator("RELU", [y], [z])
    b.mark_output(z)
    return b.build()


def test_info_ops_lists_nodes_and_flags_what_tflm_lacks(tmp_path, capsys):
    p = _write(tmp_path, "m.tflite", gelu_and_hybrid_model())
    assert main(["info", p, "--ops"]) == 0
    out = capsys.readouterr().out
    assert "node   0  FULLY_CONNECTED   [TFLM: hybrid" in out
    assert "node   1  GELU   [TFLM: TFLM has no GELU kernel]" in out
    assert "node   2  RELU\n" in out
    assert "in   T#0 'x' 1x8 float32" in out and "T#1 'w' 4x8 int8 const" in out
    r = run_json(["info", p, "--ops"], capsys)
    assert [(f["node"], f["op"]) for f in r["tflm_refuses"]] == [(0, "FULLY_CONNECTED"),
                                                                 (1, "GELU")]
    assert r["node_list"][2]["tflm_refuses"] is None
    assert r["node_list"][0]["inputs"][2] is None      # the optional bias left out


def test_missing_op_hint_is_one_that_works(tmp_path, capsys):
    b = ModelBuilder()
    x = b.add_input("x", (1, 8), np.float32)
    v = b.add_tensor("values", (1, 2), np.float32)
    i = b.add_tensor("indices", (1, 2), np.int32)
    k = b.add_constant("k", np.array(2, np.int32))
    b.add_operator("TOPK_V2", [x, k], [v, i])
    b.mark_output(v)
    p = _write(tmp_path, "topk.tflite", b.build())
    assert main(["run", p]) == 2
    err = capsys.readouterr().err
    assert "tinyrt has no kernel for TOPK_V2 (node 0)" in err
    assert "resolver.add('TOPK_V2', YourKernel)" in err
    # and the advice holds: a user kernel registered under that name is taken
    assert "resolver.add('TOPK_V2')" not in err
    res = tinyrt.OpResolver().add("TOPK_V2", tinyrt.Kernel)
    tinyrt.Interpreter(model_path=p, op_resolver=res).allocate_tensors()


def _gather_model(tmp_path, n):
    """A model looking up ``n`` ids (input 'i') in a constant table of 6 rows (output 'y')."""
    b = ModelBuilder()
    x = b.add_constant("table", np.arange(6, dtype=np.float32))
    i = b.add_input("i", (n,), np.int32)
    y = b.add_tensor("y", (n,), np.float32)
    b.add_operator("GATHER", [x, i], [y], axis=0)
    b.mark_output(y)
    return _write(tmp_path, "gather.tflite", b.build())


def test_runtime_failure_is_exit_1_bad_model_exit_2(tmp_path, capsys):
    p = _gather_model(tmp_path, 2)
    idx = tmp_path / "i.npy"
    np.save(idx, np.array([0, 9], np.int32))
    assert main(["run", p, "--input", str(idx)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tinyrt run: failed: GATHER (node 0)") and err.count("\n") == 1
    assert main(["profile", p, "--input", str(idx), "--repeat", "1"]) == 1
    capsys.readouterr()
    assert main(["run", str(tmp_path / "missing.tflite")]) == 2
    assert main(["run", p, "--arena-size", "16"]) == 2       # too small an arena: bad usage


def test_profile_takes_input_files(tmp_path, capsys):
    p = _gather_model(tmp_path, 2)
    idx = tmp_path / "i.npy"
    np.save(idx, np.array([1, 5], np.int32))
    r = run_json(["profile", p, "--input", str(idx), "--repeat", "2"], capsys)
    assert r["inputs"] == f"inputs from {idx}"


def test_random_token_ids_come_from_the_vocabulary(tmp_path, capsys):
    """An input that indexes a GATHER's constant table (an embedding lookup) gets random ids
    inside the table: full-range int32 ids would fail the GATHER, as in TFLM."""
    p = _gather_model(tmp_path, 64)
    assert main(["profile", p, "--repeat", "2"]) == 0
    out = tmp_path / "y.npz"
    assert main(["run", p, "--output", str(out)]) == 0
    capsys.readouterr()
    y = np.load(out)["y"]
    assert set(y.tolist()) <= set(range(6)) and len(set(y.tolist())) > 1


def test_progress_line_on_a_long_profile(two, capsys, monkeypatch):
    monkeypatch.setattr(cli.Progress, "after", 0.0)
    monkeypatch.setattr(cli.Progress, "_tty", lambda self: True)
    monkeypatch.setattr(cli.time, "perf_counter", iter(np.arange(0, 1000, 0.5)).__next__)
    assert main(["profile", two, "--repeat", "4", "--warmup", "0"]) == 0
    err = capsys.readouterr().err
    assert "\rprofile: invoke 1/4" in err and "\rprofile: invoke 4/4" in err


def test_no_progress_line_when_not_a_terminal(two, capsys, monkeypatch):
    monkeypatch.setattr(cli.Progress, "after", 0.0)
    assert main(["profile", two, "--repeat", "2", "--warmup", "0"]) == 0
    assert capsys.readouterr().err == ""


def test_python_dash_m_and_demo_and_exit_codes():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "tinyrt", "demo"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "head" in r.stdout and "output 0 'probabilities' 1x12 int8" in r.stdout
    r = subprocess.run([sys.executable, "-m", "tinyrt", "info", "/nonexistent.tflite"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "tinyrt", "run"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 2


def test_license_and_packaged_example():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
    # the example lives inside the package, and package data ships it
    assert Path(tinyrt.examples.KWS_TINY).is_file()
    assert Path(tinyrt.examples.KWS_TINY).parent == Path(tinyrt.__file__).parent / "examples"
    assert '"tinyrt.examples" = ["*.tflite"]' in (ROOT / "pyproject.toml").read_text()


def test_output_npy_path_takes_one_output_and_refuses_several(two, tmp_path, capsys):
    assert main(["run", two, "--output", str(tmp_path / "y.npy")]) == 2
    assert "a .npy file holds one" in capsys.readouterr().err


def test_run_a_batch_of_samples_in_one_invoke(tmp_path, capsys):
    path = tinyrt.examples.KWS_TINY
    rng = np.random.default_rng(5)
    samples = rng.integers(-128, 128, (5, 1, 49, 10, 1)).astype(np.int8)
    batch = tmp_path / "batch.npy"
    np.save(batch, samples.reshape(5, 49, 10, 1))
    r = run_json(["run", path, "--input", str(batch), "--output", str(tmp_path / "y.npz")],
                 capsys)
    assert r["inputs"][0]["shape"] == [5, 49, 10, 1]
    got = np.array(r["outputs"][0]["values"], np.int8)
    assert got.shape == (5, 12)
    it = tinyrt.Interpreter(model_path=path)
    it.allocate_tensors()
    for k in range(5):
        it.set_input(samples[k], 0)
        it.invoke()
        np.testing.assert_array_equal(got[k:k + 1], it.get_output(0))
    with np.load(tmp_path / "y.npz") as z:
        np.testing.assert_array_equal(z["probabilities"], got)
    raw = tmp_path / "batch.bin"                       # raw bytes of whole samples work too
    raw.write_bytes(samples.tobytes())
    assert run_json(["run", path, "--input", str(raw)], capsys)["inputs"][0]["shape"][0] == 5
    raw.write_bytes(samples.tobytes()[:-3])            # not whole samples: refused
    assert main(["run", path, "--input", str(raw)]) == 2
    assert "or a batch of such samples" in capsys.readouterr().err
