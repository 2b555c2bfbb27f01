"""Which tensors the arena plans, and when each is alive (TFLM's allocation info, with the
interpreter's rules for subgraph calls)."""
from dataclasses import dataclass

from ..errors import OpError


@dataclass
class TensorPlan:
    """Where one planned tensor or scratch buffer lives in the arena head."""
    kind: str            # "tensor" or "scratch"
    index: int           # tensor index, or scratch number
    name: str
    size: int            # bytes, before alignment
    first_use: int
    last_use: int
    offset: int = None
    node: int = None     # the node that requested a scratch buffer
    subgraph: int = 0


class Lifetimes:
    """TFLM's allocation info: which tensors are planned, and when each is alive.

    Every op is one step of a single timeline. An op's outputs start at its step and each input
    lives until the last step that reads it; subgraph inputs start when the subgraph starts,
    its outputs live until it ends. A node that calls subgraphs (IF, WHILE, CALL_ONCE) spans the
    steps of the subgraphs it calls, and their inputs and outputs live across that whole span.
    Subgraphs no node calls get their own steps after the main one.
    """

    def __init__(self, graphs):
        self.graphs = graphs
        self.first = {}
        self.last = {}
        self.step = 0
        self.visiting = set()
        self.done = set()
        self.scratch = []

    def touch(self, key, step):
        if key not in self.first or step < self.first[key]:
            self.first[key] = step
        if key not in self.last or step > self.last[key]:
            self.last[key] = step

    def walk(self, g, span_start=None):
        if g.index in self.visiting:
            return  # recursion through subgraphs: the outer walk already covers it
        self.visiting.add(g.index)
        sg = g.subgraph
        start = self.step if span_start is None else span_start
        for i in sg.inputs:
            self.touch((g.index, i), start)
        for k, ctx in zip(g.kernels, g.contexts):
            op_start = self.step
            for sgi in ctx.subgraph_calls:
                self.walk(self.graphs[sgi], op_start)
            op_end = max(self.step, op_start)
            for i in list(k.node.inputs):
                if i >= 0:
                    self.touch((g.index, i), op_start)
                    self.touch((g.index, i), op_end)
            for i in k.node.intermediates:
                t = sg.tensors[i] if 0 <= i < len(sg.tensors) else None
                if t is not None and t.nbytes:
                    # TFLM's allocation refuses them too: no kernel it has reads one
                    raise OpError(k.node.op_name, k.node_index,
                                  f"intermediate tensor {i} ({t.name!r}) has {t.nbytes} bytes; "
                                  "only empty intermediate tensors are supported", g.index)
            for i in list(k.node.outputs) + list(k.node.intermediates):
                if i >= 0:
                    self.touch((g.index, i), op_start)
                    self.touch((g.index, i), op_end)
            for size in ctx.scratch_requests:
                self.scratch.append((g.index, k, size, op_start, op_end))
            self.step = op_end + 1
        end = max(self.step - 1, start)
        for i in sg.outputs:
            self.touch((g.index, i), end)
        if span_start is not None:
            # A called subgraph may run many times (WHILE): its inputs and outputs carry values
            # between runs, so they stay alive across the calling node's whole span.
            for i in list(sg.inputs) + list(sg.outputs):
                self.touch((g.index, i), start)
                self.touch((g.index, i), end)
        self.visiting.discard(g.index)
        self.done.add(g.index)

    def plans(self):
        for g in self.graphs:
            if g.index not in self.done:
                self.walk(g)
        plans = []
        for g in self.graphs:
            for t in g.subgraph.tensors:
                if t.data is not None or t.is_variable or t.dtype is None or t.nbytes == 0:
                    continue
                key = (g.index, t.index)
                if key in self.first:
                    f, lst = self.first[key], self.last[key]
                else:  # used by no node: alive throughout, sharing nothing
                    f, lst = 0, max(self.step - 1, 0)
                plans.append(TensorPlan("tensor", t.index, t.name, t.nbytes, f, lst,
                                        subgraph=g.index))
        for n, (gi, k, size, f, lst) in enumerate(self.scratch):
            plans.append(TensorPlan("scratch", n, f"scratch {n} ({k.node.op_name}, node "
                                    f"{k.node_index})", size, f, lst, node=k.node_index,
                                    subgraph=gi))
        return plans
