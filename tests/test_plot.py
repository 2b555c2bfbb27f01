"""tinyrt plan --plot: the picture is written, with one rectangle per planned buffer."""
import pytest

import tinyrt
from oracle import shared_models
from tinyrt.cli import main

MODELS = shared_models("**/*.tflite")


@pytest.mark.skipif(not MODELS, reason="../shared/models absent")
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_plot_has_a_rectangle_per_planned_buffer(path, tmp_path):
    pytest.importorskip("matplotlib")
    from tinyrt.memory.plot import plot_plan
    it = tinyrt.Interpreter(model_path=str(path), plan_unresolved=True, native=False)
    it.allocate_tensors()
    out = tmp_path / "plan.png"
    fig = plot_plan(it, out, dpi=30)      # small: the test is about what is drawn
    assert out.stat().st_size > 1000
    plan_ax = fig.axes[0]
    rects = [p for p in plan_ax.patches if p.get_gid() == "buffer"]
    assert len(rects) == len(it.memory_report().buffers)
    assert sorted((r.get_x(), r.get_y(), r.get_height()) for r in rects) == sorted(
        (b.first_use, b.offset, b.size) for b in it.memory_report().buffers)
    assert len(fig.axes[1].get_lines()) >= 2      # greedy and compact, step by step


def test_plot_from_the_command_line_as_svg(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = shared_models("person_detect.tflite")
    if not path:
        pytest.skip("../shared/models absent")
    out = tmp_path / "plan.svg"
    assert main(["plan", str(path[0]), "--plot", str(out)]) == 0
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "plot written to" in capsys.readouterr().out


def test_plot_without_matplotlib_names_the_extra(monkeypatch, tmp_path, capsys):
    import builtins
    path = shared_models("hello_world_int8.tflite")
    if not path:
        pytest.skip("../shared/models absent")
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["plan", str(path[0]), "--plot", str(tmp_path / "p.png")]) == 2
    assert "tinyrt[plot]" in capsys.readouterr().err
