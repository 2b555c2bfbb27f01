"""TFLM's allocation info (micro_allocation_info.cc): which buffers its planner gets, and the
lifetime of each, exactly as TFLM marks them.

One counter of "allocation scopes" runs through the main subgraph. Each operator opens a scope;
its outputs are created there; an IF, WHILE or CALL_ONCE node then walks the subgraphs it
calls, each in a new scope, before its inputs and outputs are marked used at the current scope.
Subgraph inputs are created and used at the scope where the walk enters the subgraph, outputs
at the scope where it leaves. A scratch buffer lives from its node's scope to the end of that
node (after any subgraphs it called). Subgraphs that no node calls are never walked: their
tensors keep the lifetime (-1, -1), which TFLM plans as one more instant.

tinyrt's interpreter plans its own arena more conservatively around subgraph calls (see
memory.lifetimes); this module is for predicting TFLM's figures.
"""
from dataclasses import dataclass

UNSET = -1


@dataclass
class TflmBuffer:
    kind: str        # "tensor" or "scratch"
    subgraph: int
    index: int       # tensor index, or scratch request number
    size: int
    first: int = UNSET
    last: int = UNSET


def subgraph_calls(op):
    """The subgraphs an operator calls, in TFLM's order (then/else, cond/body, init)."""
    o = op.options or {}
    if op.op_name == "IF":
        return [o.get("then_subgraph_index", 0), o.get("else_subgraph_index", 0)]
    if op.op_name == "WHILE":
        return [o.get("cond_subgraph_index", 0), o.get("body_subgraph_index", 0)]
    if op.op_name == "CALL_ONCE":
        return [o.get("init_subgraph_index", 0)]
    return []


class TflmLifetimes:
    """``buffers``: every tensor TFLM plans (no constant data, not a variable, some bytes) in
    subgraph then tensor order, then the scratch requests in request order."""

    def __init__(self, model, scratch_requests, bound=()):
        """``scratch_requests``: (subgraph, node index, bytes) in the order kernels made them;
        ``bound``: (subgraph, tensor) pairs a kernel's prepare pointed at memory of its own."""
        self.model = model
        self.tensors = {}
        self.buffers = []
        for sg in model.subgraphs:
            for t in sg.tensors:
                if t.data is None and not t.is_variable and t.nbytes > 0 \
                        and (sg.index, t.index) not in bound:
                    b = TflmBuffer("tensor", sg.index, t.index, t.nbytes)
                    self.buffers.append(b)
                    self.tensors[(sg.index, t.index)] = b
        self.scratch = [TflmBuffer("scratch", sgi, n, size)
                        for n, (sgi, _, size) in enumerate(scratch_requests)]
        self.scratch_nodes = [(sgi, node) for sgi, node, _ in scratch_requests]
        self.buffers += self.scratch
        self.scope = 0
        self._walk(0)

    def _created(self, sgi, index):
        b = self.tensors.get((sgi, index))
        if b is not None and b.first == UNSET:
            b.first = self.scope

    def _used(self, sgi, index):
        b = self.tensors.get((sgi, index))
        if b is not None:
            b.last = self.scope

    def _walk(self, sgi):
        sg = self.model.subgraphs[sgi]
        for i in sg.inputs:
            self._created(sgi, i)
            self._used(sgi, i)
        for op in sg.operators:
            self.scope += 1
            for i in op.outputs:
                self._created(sgi, i)
            start = self.scope
            for called in subgraph_calls(op):
                self.scope += 1
                self._walk(called)
            for i in op.inputs:
                if i >= 0:
                    self._used(sgi, i)
            for i in op.outputs:
                self._used(sgi, i)
            for b, (s, node) in zip(self.scratch, self.scratch_nodes):
                if s == sgi and node == op.index:
                    if b.first == UNSET:
                        b.first = start
                    b.last = self.scope
        for i in sg.outputs:
            self._created(sgi, i)
            self._used(sgi, i)
