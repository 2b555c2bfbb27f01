"""Per-op timing, like TFLM's MicroProfiler: a begin/end event around every node's eval.

    prof = tinyrt.Profiler()
    it.profiler = prof
    it.invoke()
    print(prof.table(it))
"""
import time
from dataclasses import dataclass

from .stats import node_macs


@dataclass
class Event:
    node: int
    op_name: str
    start: float
    end: float = None

    @property
    def seconds(self):
        return self.end - self.start


class Profiler:
    """Records one event per node per invoke; ``clear()`` forgets them."""

    def __init__(self, clock=time.perf_counter):
        self.clock = clock
        self.events = []
        self.invokes = []       # (invoke seconds, seconds inside kernels) per invoke

    def begin_event(self, kernel):
        self.events.append(Event(kernel.node_index, kernel.node.op_name, self.clock()))
        return len(self.events) - 1

    def end_event(self, handle):
        """Ends the event; returns its seconds."""
        e = self.events[handle]
        e.end = self.clock()
        return e.end - e.start

    def record(self, kernel, seconds):
        """An event timed elsewhere (by the compiled core's executor)."""
        self.events.append(Event(kernel.node_index, kernel.node.op_name, 0.0, seconds))

    def record_invoke(self, seconds, kernel_seconds):
        self.invokes.append((seconds, kernel_seconds))

    def overhead(self):
        """The interpreter's share of invoke time: time outside kernels / total, over all
        recorded invokes (TFLM reports < 0.1% on VWW); None before any."""
        total = sum(t for t, _ in self.invokes)
        if not total:
            return None
        return max(0.0, total - sum(k for _, k in self.invokes)) / total

    def clear(self):
        self.events = []
        self.invokes = []

    def per_node(self):
        """{node index: (op name, list of seconds)} over all recorded invokes."""
        out = {}
        for e in self.events:
            out.setdefault(e.node, (e.op_name, []))[1].append(e.seconds)
        return out

    def rows(self, interpreter):
        """One dict per node: op, node, output shape, MACs, median time (s), share of total,
        and code ("C" for tinyrt's native kernels, else "numpy")."""
        sg = interpreter.model.main
        stats = self.per_node()
        kernels = {k.node_index: k for k in interpreter.kernels if k.subgraph_index == 0}
        rows = []
        for op in sg.operators:
            name, times = stats.get(op.index, (op.op_name, []))
            times = sorted(times)
            med = times[len(times) // 2] if times else 0.0
            out_shape = sg.tensors[op.outputs[0]].shape if op.outputs and op.outputs[0] >= 0 else ()
            k = kernels.get(op.index)
            rows.append({"node": op.index, "op": name, "output_shape": tuple(out_shape),
                         "macs": node_macs(op, sg.tensors), "seconds": med,
                         "code": "C" if k is not None and k.native is not None else "numpy"})
        total = sum(r["seconds"] for r in rows) or 1.0
        for r in rows:
            r["share"] = r["seconds"] / total
        return rows

    def table(self, interpreter):
        rows = self.rows(interpreter)
        shapes = ["x".join(map(str, r["output_shape"])) or "scalar" for r in rows]
        # columns as wide as their longest entry (custom op names can be long)
        w_op = max([22] + [len(r["op"]) for r in rows])
        w_shape = max([16] + [len(s) for s in shapes])
        lines = [f"{'node':>4}  {'op':<{w_op}} {'output':<{w_shape}} {'MACs':>12} {'time us':>10} "
                 f"{'share':>6}  code"]
        for r, shape in zip(rows, shapes):
            lines.append(f"{r['node']:>4}  {r['op']:<{w_op}} {shape:<{w_shape}} {r['macs']:>12,} "
                         f"{r['seconds'] * 1e6:>10.1f} {r['share'] * 100:>5.1f}%  {r['code']}")
        total = sum(r["seconds"] for r in rows)
        macs = sum(r["macs"] for r in rows)
        lines.append(f"{'':>4}  {'total':<{w_op}} {'':<{w_shape}} {macs:>12,} {total * 1e6:>10.1f} "
                     "100.0%")
        overhead = self.overhead()
        if overhead is not None:
            lines.append(f"interpreter overhead: {overhead * 100:.2f}% of invoke time (time "
                         "outside kernels / total)")
        return "\n".join(lines)
