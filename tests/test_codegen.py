"""tinyrt codegen: the generated C program's outputs equal tflite-micro's, bit for bit, on the
host and on QEMU's Cortex-M4 (mps2-an386) and Cortex-M55 (mps3-an547) boards; errors for ops
without C kernels and for models too big for the part; the CLI around it."""
import shutil

import numpy as np
import pytest

import tinyrt
from tinyrt import codegen
from tinyrt.cli import main as cli
from tinyrt.builder import ModelBuilder
from oracle import random_inputs, shared_model, tflm_interpreter

SHARED = ["hello_world_int8", "hello_world_float", "micro_speech_quantized", "person_detect",
          "keyword_scrambled", "mlperf_tiny_kws_int8", "mlperf_tiny_vww_int8",
          # beyond the list above: TFLM's Signal ops (int8 and float), int8 SVDF state
          "audio_preprocessor_int8", "audio_preprocessor_float", "keyword_scrambled_8bit",
          "simple_add_model"]
TRIALS = 3


def _lstm_int8():
    from kernels.test_lstm_int import lstm_model
    return lstm_model(np.random.default_rng(6), np.int8, 2, 12, 8, 16)[0]


def _model(name):
    if name == "lstm_int8":
        return _lstm_int8()
    return shared_model(f"{name}.tflite").read_bytes()


def _tflm_outputs(data, src, xs, oracle=None):
    """tflite-micro's outputs of model ``data`` (generated as ``src``) for inputs ``xs``: on
    ``oracle``, or on a fresh interpreter (as a fresh program start) when it is None."""
    oracle = oracle or tflm_interpreter(data)
    for i, x in enumerate(xs):
        oracle.set_input(x, i)
    oracle.invoke()
    return [oracle.get_output(i) for i in range(len(src.outputs))]


def _needs(target):
    missing = codegen.TARGETS[target].missing_tools()
    if missing:
        pytest.skip(f"{target} needs {', '.join(missing)}")


def _check(name, target, tmp_path, planner="greedy"):
    """Generate, build and run ``name`` for ``target`` on random inputs; each run is one fresh
    program start, so each is compared with a fresh tflite-micro interpreter."""
    data = _model(name)
    src = codegen.generate(data, tmp_path / "gen", target, planner=planner)
    codegen.build(tmp_path / "gen", target)
    details = src.interpreter.get_input_details()
    rng = np.random.default_rng(len(name))
    for _ in range(TRIALS):
        xs = random_inputs(details, rng)
        out, console, _ = codegen.run(tmp_path / "gen", xs, target, workdir=tmp_path)
        got = codegen.split_outputs(out, src)
        for i, (y, want) in enumerate(zip(got, _tflm_outputs(data, src, xs))):
            assert y.dtype == want.dtype and y.shape == want.shape
            assert y.tobytes() == want.tobytes(), f"{name} on {target}: output {i} differs"
    return src, console


@pytest.mark.parametrize("name", SHARED + ["lstm_int8"])
def test_host_program_equals_tflite_micro(name, tmp_path):
    _needs("host")
    _check(name, "host", tmp_path)


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
@pytest.mark.parametrize("name", SHARED + ["lstm_int8"])
def test_cortex_m_program_equals_tflite_micro(name, target, tmp_path):
    _needs(target)
    src, console = _check(name, target, tmp_path)
    stack = codegen.measure.stack_bytes(console)
    assert stack is not None and 0 < stack < codegen.TARGETS[target].stack


COMPACT = [("person_detect", "host"), ("mlperf_tiny_vww_int8", "host"),
           ("mlperf_tiny_kws_int8", "host"), ("micro_speech_quantized", "host"),
           ("keyword_scrambled", "host"), ("person_detect", "cortex-m4"),
           ("mlperf_tiny_kws_int8", "cortex-m4"), ("mlperf_tiny_kws_int8", "cortex-m55")]


@pytest.mark.parametrize("name,target", COMPACT)
def test_compact_plan_in_generated_code(name, target, tmp_path):
    """The compact plan's overlapping buffers with the firmware kernels writing in place (no
    private outputs, as the interpreter's kernels need): still tflite-micro's bits, in a
    smaller arena than TFLM's head."""
    _needs(target)
    src, _ = _check(name, target, tmp_path, planner="compact")
    greedy = codegen.prepare(_model(name), target)._arena.bytes.nbytes
    assert src.arena.nbytes <= greedy
    if name in ("person_detect", "mlperf_tiny_vww_int8", "mlperf_tiny_kws_int8"):
        assert src.arena.nbytes < 0.8 * greedy


def test_generated_project_is_self_contained(tmp_path):
    src = codegen.generate(shared_model("person_detect.tflite"), tmp_path, "cortex-m4")
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    # only the kernels the model uses, and the headers they include
    kernel_files = {f for f in files if f.startswith("tinyrt/kernels/") and f.endswith(".c")}
    assert kernel_files == {"tinyrt/kernels/avgpool_s8.c", "tinyrt/kernels/movement.c",
                            "tinyrt/kernels/softmax_s8.c"}
    assert {"tinyrt/mcu/conv_s8.c", "tinyrt/mcu/depthwise_s8.c", "Makefile", "link.ld",
            "startup.c", "main.c", "tinyrt_model.c", "tinyrt_model.h"} <= files
    source = (tmp_path / "tinyrt_model.c").read_text()
    assert "malloc" not in source and "Python" not in source
    # the arena is TFLM's head for this model, as planned by TFLM's greedy planner
    assert src.arena.nbytes == 55296
    assert src.scratch_bytes <= 2048 and src.state_bytes == 0


def _arg_max_model():
    """A model of one op (ARG_MAX) that the C kernels lack."""
    b = ModelBuilder()
    x = b.add_input("x", (1, 8), np.float32)
    axis = b.add_constant("axis", np.array([1], np.int32))
    y = b.add_tensor("y", (1,), np.int32)
    b.add_operator("ARG_MAX", [x, axis], [y], output_type=2)
    b.mark_output(y)
    return b.build()


def test_unsupported_op_names_the_op_and_node(tmp_path):
    with pytest.raises(codegen.CodegenError, match=r"ARG_MAX \(node 0\).*supports.*CONV_2D"):
        codegen.generate(_arg_max_model(), tmp_path, "host")


def _add_model(side):
    b = ModelBuilder()
    x1 = b.add_input("x1", (1, side, side, 1), np.int8, scale=0.1, zero_point=0)
    x2 = b.add_input("x2", (1, side, side, 1), np.int8, scale=0.1, zero_point=0)
    y = b.add_tensor("y", (1, side, side, 1), np.int8, scale=0.2, zero_point=0)
    b.add_operator("ADD", [x1, x2], [y])
    b.mark_output(y)
    return b.build()


def test_model_too_big_for_the_part_fails_the_build_with_sizes(tmp_path):
    _needs("cortex-m4")
    codegen.generate(_add_model(400), tmp_path, "cortex-m4")   # 3 x 160 KB of activations
    with pytest.raises(codegen.BuildError, match=r"320 KB SRAM.*RAM.*over"):
        codegen.build(tmp_path, "cortex-m4")


def test_failing_node_returns_a_status(tmp_path):
    """A kernel's failure (here GATHER's index out of range) is the program's exit status and
    message, never a hang."""
    _needs("host")
    b = ModelBuilder()
    params = b.add_input("params", (4, 3), np.float32)
    idx = b.add_input("idx", (2,), np.int32)
    y = b.add_tensor("y", (2, 3), np.float32)
    b.add_operator("GATHER", [params, idx], [y], axis=0)
    b.mark_output(y)
    src = codegen.generate(b.build(), tmp_path / "gen", "host")
    codegen.build(tmp_path / "gen", "host")
    params_value = np.arange(12, dtype=np.float32).reshape(4, 3)
    out, _, _ = codegen.run(tmp_path / "gen", [params_value, np.array([3, 0], np.int32)], "host")
    np.testing.assert_array_equal(codegen.split_outputs(out, src)[0], params_value[[3, 0]])
    with pytest.raises(codegen.CodegenError, match="exited with 3.*node 0"):
        codegen.run(tmp_path / "gen", [params_value, np.array([7, 0], np.int32)], "host")


def test_wrong_input_size_is_refused(tmp_path):
    _needs("host")
    codegen.generate(shared_model("mlperf_tiny_kws_int8.tflite"), tmp_path / "gen", "host")
    codegen.build(tmp_path / "gen", "host")
    with pytest.raises(codegen.CodegenError, match="exited with 2.*input.bin"):
        codegen.run(tmp_path / "gen", [np.zeros(5, np.int8)], "host")


def test_cli_codegen_run_saves_outputs_by_tensor_name(tmp_path, capsys):
    _needs("host")
    model = shared_model("hello_world_int8.tflite")
    x = np.array([[37]], np.int8)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "y.npz"
    assert cli(["codegen", str(model), "-o", str(tmp_path / "gen"), "--run", "--input",
                str(tmp_path / "x.npy"), "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "equal tinyrt's interpreter on the same inputs: yes" in text
    it = tinyrt.Interpreter(model_path=str(model))
    it.allocate_tensors()
    it.set_input(x, 0)
    it.invoke()
    saved = np.load(out)
    name = it.get_output_details()[0]["name"]
    assert list(saved.keys()) == [name]
    np.testing.assert_array_equal(saved[name], it.get_output(0))


def test_cli_codegen_json_reports_sizes(tmp_path, capsys):
    _needs("cortex-m4")
    import json
    model = shared_model("mlperf_tiny_kws_int8.tflite")
    assert cli(["codegen", str(model), "-o", str(tmp_path), "--target", "cortex-m4", "--build",
                "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["target"] == "cortex-m4" and r["arena_bytes"] == 16000
    s = r["sizes"]
    # flash holds the weights once, int8, plus a small program
    assert s["model_constants_bytes"] < model.stat().st_size
    assert s["flash_bytes"] <= model.stat().st_size + 24 * 1024
    assert s["bss_bytes"] <= r["arena_bytes"] + 2048


def test_cli_codegen_unknown_op_exits_2(tmp_path, capsys):
    path = tmp_path / "m.tflite"
    path.write_bytes(_arg_max_model())
    assert cli(["codegen", str(path), "-o", str(tmp_path / "gen")]) == 2
    assert "ARG_MAX (node 0)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["person_detect", "keyword_scrambled", "hello_world_float",
                                  "lstm_int8"])
def test_generated_code_compiles_without_warnings(name, tmp_path):
    _needs("host")
    codegen.generate(_model(name), tmp_path, "host")
    codegen.build(tmp_path, "host", extra_cflags="-Wall -Wextra -Werror")


def test_prepared_for_firmware_does_not_invoke_on_the_host():
    it = codegen.prepare(shared_model("hello_world_int8.tflite"), "cortex-m4")
    with pytest.raises(tinyrt.errors.StateError, match="cortex-m4 firmware"):
        it.invoke()


def test_plan_reports_the_generated_programs_ram(capsys):
    import json
    model = shared_model("person_detect.tflite")
    assert cli(["plan", str(model), "--planner", "compact", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    gen = r["generated_c_ram"]
    src = codegen.ModelSource(codegen.prepare(model, "cortex-m4", "compact"))
    assert gen["arena_bytes"] == src.arena.nbytes == r["arena_size"]
    assert gen["total_bytes"] == src.arena.nbytes + src.scratch_bytes + src.state_bytes
    # below TFLM's own head (greedy) + 2 KB, far below the arena TFLM needs on the part
    assert gen["total_bytes"] < r["tflm"]["head_bytes"] + 2048 < r["tflm_arena_bytes"]["cortex_m"]


@pytest.mark.parametrize("name", ["person_detect", "mlperf_tiny_kws_int8", "keyword_scrambled",
                                  "micro_speech_quantized", "hello_world_float"])
@pytest.mark.parametrize("planner", ["greedy", "compact"])
def test_host_program_under_sanitizers(name, planner, tmp_path):
    """The generated program and the firmware kernels' portable C under AddressSanitizer and
    UBSan: no out-of-bounds access, no undefined behaviour, still tflite-micro's bits."""
    _needs("host")
    data = _model(name)
    src = codegen.generate(data, tmp_path / "gen", "host", planner=planner)
    try:
        codegen.build(tmp_path / "gen", "host",
                      extra_cflags="-fsanitize=address,undefined -fno-sanitize-recover=all -g")
    except codegen.BuildError as e:
        pytest.skip(f"no sanitizer runtime here: {str(e)[:200]}")
    xs = random_inputs(src.interpreter.get_input_details(), np.random.default_rng(1))
    out, console, _ = codegen.run(tmp_path / "gen", xs, "host", workdir=tmp_path)
    assert "runtime error" not in console
    for y, want in zip(codegen.split_outputs(out, src), _tflm_outputs(data, src, xs)):
        assert y.tobytes() == want.tobytes()


def test_control_flow_is_refused(tmp_path):
    from kernels.test_ops import _counter_model
    with pytest.raises(codegen.CodegenError, match=r"subgraphs \(called by IF, WHILE\)"):
        codegen.generate(_counter_model(), tmp_path, "host")


@pytest.mark.parametrize("target", ["host", "cortex-m4"])
@pytest.mark.parametrize("name", ["keyword_scrambled", "audio_preprocessor_int8",
                                  "audio_preprocessor_float", "lstm_int8"])
def test_state_carries_across_invokes(name, target, tmp_path):
    """Several input sets in one input.bin: one invoke each, in turn, in one program run; the
    models' state (SVDF memory, Signal noise estimates, LSTM state) carries over as in one
    tflite-micro interpreter invoked as often."""
    _needs(target)
    data = _model(name)
    src = codegen.generate(data, tmp_path / "gen", target)
    codegen.build(tmp_path / "gen", target)
    rng = np.random.default_rng(7)
    sets = [random_inputs(src.interpreter.get_input_details(), rng) for _ in range(4)]
    out, _, _ = codegen.run(tmp_path / "gen", sets, target, workdir=tmp_path)
    runs = codegen.split_outputs(out, src, sets=len(sets))
    oracle = tflm_interpreter(data)
    carried = False
    for xs, got in zip(sets, runs):
        for y, want in zip(got, _tflm_outputs(data, src, xs, oracle)):
            assert y.tobytes() == want.tobytes()
        alone = _tflm_outputs(data, src, xs)
        carried |= any(y.tobytes() != a.tobytes() for y, a in zip(got, alone))
    # the state matters for these (keyword_scrambled's saturated outputs hide it)
    assert carried or name == "keyword_scrambled"
