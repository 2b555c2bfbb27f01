"""IF, WHILE and CALL_ONCE: nodes that run other subgraphs.

Values move between a node and its subgraphs by copy, as in TFLM (CopyOpInputsToSubgraphInputs
and friends); every subgraph's tensors live in the same planned arena.
"""
import numpy as np

from .base import Kernel, register


class AbortInvoke(Exception):
    """Raised by a kernel to end the current invoke early, successfully (TFLM's kTfLiteAbort:
    the remaining nodes do not run this time)."""


def _copy(dst_arrays, src_arrays):
    for d, s in zip(dst_arrays, src_arrays):
        np.copyto(d, s.reshape(d.shape))


def _check_signature(kernel, what, tensors, graph_tensors):
    """Node tensors and subgraph tensors must agree in count, dtype and element count."""
    if len(tensors) != len(graph_tensors):
        kernel.fail(f"passes {len(tensors)} {what} but the subgraph takes {len(graph_tensors)}")
    for n, (a, b) in enumerate(zip(tensors, graph_tensors)):
        if a is None or b is None or a.dtype != b.dtype or a.nbytes != b.nbytes:
            kernel.fail(f"{what} {n} ({getattr(a, 'name', None)!r}) does not match the subgraph's "
                        f"({getattr(b, 'name', None)!r}: {getattr(b, 'dtype', None)}, "
                        f"shape {list(getattr(b, 'shape', ()))})")


def _graph_tensors(graph, which):
    sg = graph.subgraph
    return [sg.tensors[i] for i in (sg.inputs if which == "inputs" else sg.outputs)]


@register("IF")
class If(Kernel):
    dtypes = ("any",)
    def prepare(self, ctx):
        cond = ctx.inputs[0] if ctx.inputs else None
        if cond is None or cond.dtype != np.bool_ or int(np.prod(cond.shape)) != 1:
            self.fail("the condition (input 0) must be a single bool")
        self.branches = [ctx.call_subgraph(self.options["then_subgraph_index"]),
                         ctx.call_subgraph(self.options["else_subgraph_index"])]
        for g in self.branches:
            _check_signature(self, "inputs", ctx.inputs[1:], _graph_tensors(g, "inputs"))
            _check_signature(self, "outputs", ctx.outputs, _graph_tensors(g, "outputs"))

    def eval(self, inputs, outputs):
        g = self.branches[0 if inputs[0].reshape(-1)[0] else 1]
        _copy(g.inputs, inputs[1:])
        g.invoke()
        _copy(outputs, g.outputs)


@register("WHILE")
class While(Kernel):
    dtypes = ("any",)
    # A loop that never ends would hang the host; devices would hang too, but a tool should not.
    max_iterations = 1 << 24

    def prepare(self, ctx):
        self.cond = ctx.call_subgraph(self.options["cond_subgraph_index"])
        self.body = ctx.call_subgraph(self.options["body_subgraph_index"])
        _check_signature(self, "inputs", ctx.inputs, _graph_tensors(self.cond, "inputs"))
        _check_signature(self, "inputs", ctx.inputs, _graph_tensors(self.body, "inputs"))
        _check_signature(self, "outputs", ctx.outputs, _graph_tensors(self.body, "outputs"))
        _check_signature(self, "outputs", ctx.outputs, ctx.inputs)
        cout = _graph_tensors(self.cond, "outputs")
        if len(cout) != 1 or cout[0].dtype != np.bool_:
            self.fail("the condition subgraph must have one bool output")

    def eval(self, inputs, outputs):
        _copy(outputs, inputs)
        cond, body = self.cond, self.body
        for _ in range(self.max_iterations):
            _copy(cond.inputs, outputs)
            cond.invoke()
            if not cond.outputs[0].reshape(-1)[0]:
                return
            _copy(body.inputs, outputs)
            body.invoke()
            _copy(outputs, body.outputs)
        self.fail(f"loop ran {self.max_iterations} iterations without ending")


@register("CALL_ONCE")
class CallOnce(Kernel):
    """Runs its subgraph on the first invoke only (TFLM: until the interpreter is rebuilt)."""
    dtypes = ("any",)

    def prepare(self, ctx):
        self.init_graph = ctx.call_subgraph(self.options["init_subgraph_index"])
        sg = self.init_graph.subgraph
        if sg.inputs or sg.outputs:
            self.fail("the init subgraph must have no inputs and no outputs")
        self.has_run = False

    def eval(self, inputs, outputs):
        if not self.has_run:
            self.init_graph.invoke()
            self.has_run = True
