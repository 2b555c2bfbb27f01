"""A picture of the arena plan: every planned buffer as a rectangle (node steps across, arena
offset up), the peak step, the head and tail bands, and a second panel comparing TFLM's greedy
plan with the compact one. Needs matplotlib (the ``plot`` extra)."""
from ..errors import TinyrtError


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TinyrtError("drawing the plan needs matplotlib: pip install 'tinyrt[plot]'") \
            from None
    return plt


def live_bytes(buffers, steps):
    """Bytes of the buffers alive at each step (their sizes, before any reuse)."""
    live = [0] * max(steps, 1)
    for b in buffers:
        for s in range(max(b.first_use, 0), min(b.last_use, steps - 1) + 1):
            live[s] += b.size
    return live


def reach(buffers, steps):
    """The highest arena byte in use at each step: what the plan needs up to that step."""
    top = [0] * max(steps, 1)
    for b in buffers:
        for s in range(max(b.first_use, 0), min(b.last_use, steps - 1) + 1):
            top[s] = max(top[s], b.offset + b.size)
    return top


def _report_for(interpreter, planner):
    if interpreter.memory_report().planner == planner:
        return interpreter.memory_report()
    from ..interpreter import Interpreter
    other = Interpreter(model_content=bytes(interpreter.model.data), planner=planner,
                        plan_unresolved=True, native=False,
                        max_model_bytes=interpreter.max_model_bytes)
    other.allocate_tensors()
    return other.memory_report()


def plot_plan(interpreter, path, dpi=100, title=None):
    """Draw ``interpreter``'s plan to ``path`` (.png, .svg, ... as matplotlib knows them);
    returns the matplotlib Figure. The first panel has one rectangle (gid "buffer") per planned
    buffer."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle
    rep = interpreter.memory_report()
    steps = max(rep.steps, 1)
    fig, (ax, cmp) = plt.subplots(2, 1, figsize=(11, 9), height_ratios=(3, 2))
    fig.subplots_adjust(left=0.09, right=0.97, top=0.95, bottom=0.06, hspace=0.25)
    colors = {"tensor": "#4c78a8", "scratch": "#f58518"}
    for b in rep.buffers:
        r = Rectangle((b.first_use, b.offset), b.last_use - b.first_use + 1, b.size,
                      facecolor=colors.get(b.kind, "#999999"), edgecolor="white",
                      linewidth=0.5, alpha=0.85, gid="buffer")
        ax.add_patch(r)
    head, tail = rep.head, rep.tail
    ax.axhspan(0, head, facecolor="#4c78a8", alpha=0.06, gid="head band")
    ax.axhspan(head, head + tail, facecolor="#54a24b", alpha=0.25, gid="tail band")
    ax.text(steps, head / 2, f" head {head} B", va="center", fontsize=8)
    if tail:
        ax.text(steps, head + tail / 2, f" tail {tail} B", va="center", fontsize=8)
    top = reach(rep.buffers, steps)
    peak = max(range(len(top)), key=top.__getitem__) if rep.buffers else 0
    ax.axvline(peak + 0.5, color="#e45756", linestyle="--", linewidth=1, gid="peak")
    ax.text(peak + 0.5, head + tail, f"peak: step {peak}", color="#e45756", fontsize=8,
            ha="center", va="bottom")
    ax.set_xlim(0, steps + max(1, steps // 8))
    ax.set_ylim(0, max(head + tail, 1) * 1.08)
    ax.set_xlabel("node step")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title(f"{title or 'model'}: {rep.planner} plan, {len(rep.buffers)} buffers "
                 f"(head {head} B, tail {tail} B)")
    # second panel: TFLM's greedy plan against the compact one, step by step
    for planner, style in (("greedy", "-"), ("compact", "-")):
        other = _report_for(interpreter, planner)
        y = reach(other.buffers, steps)
        label = ("TFLM greedy" if planner == "greedy" else "compact") + f" (head {other.head} B)"
        cmp.step([s + 0.5 for s in range(len(y))], y, where="mid", linestyle=style,
                 label=label)
    cmp.plot([s + 0.5 for s in range(steps)], live_bytes(rep.buffers, steps), color="#999999",
             linewidth=0.8, linestyle=":", label="bytes of the tensors alive (no reuse)")
    cmp.set_xlim(ax.get_xlim())
    cmp.set_xlabel("node step")
    cmp.set_ylabel("highest arena byte in use")
    cmp.legend(fontsize=8, loc="upper right")
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return fig
