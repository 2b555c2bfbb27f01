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

    def begin_event(self, kernel):
        self.events.append(Event(kernel.node_index, kernel.node.op_name, self.clock()))
        return len(self.events) - 1

    def end_event(self, handle):
        self.events[handle].end = self.clock()

    def clear(self):
        self.events = []

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
        return "\n".join(lines)
