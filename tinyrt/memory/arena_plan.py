"""From lifetimes to offsets: hand the planned buffers (and, for a planner that can use them,
the overlaps operators allow) to a planner, and keep the interpreter exact where a plan lets an
output overlap an input."""

from .arena import align_up
from .streaming import overlap_gaps


def plan_arena(planner_cls, plans, model, graphs):
    """Give every TensorPlan in ``plans`` its offset. Returns (head bytes, the (subgraph, node)
    pairs whose output overlaps an input in the plan)."""
    planner = planner_cls()
    offline = model.offline_plan or {}
    for p in plans:
        off = None
        sg_offline = offline.get(p.subgraph)
        if p.kind == "tensor" and sg_offline is not None and sg_offline[p.index] >= 0:
            off = int(sg_offline[p.index])
        planner.add_buffer(align_up(p.size), p.first_use, p.last_use, off)
    pairs = []
    if hasattr(planner, "add_overlap"):
        pairs = _overlap_pairs(plans, model, graphs)
        for node, out, inp, gap in pairs:
            planner.add_overlap(out, inp, gap)
    for p, off in zip(plans, planner.plan()):
        p.offset = off
    overlapping = set()
    for node, out, inp, _ in pairs:
        a, b = plans[out], plans[inp]
        if a.offset < b.offset + align_up(b.size) and b.offset < a.offset + align_up(a.size):
            overlapping.add(node)
    return planner.head_size, sorted(overlapping)


def _overlap_pairs(plans, model, graphs):
    """(node, output plan, input plan, gap) for every operator whose output may overlap an
    input it reads for the last time. Only for a single subgraph without an offline plan: with
    subgraph calls a tensor's last reader is not simply the node that reads it last."""
    if len(model.subgraphs) != 1 or model.offline_plan:
        return []
    index = {p.index: n for n, p in enumerate(plans) if p.kind == "tensor"}
    sg = model.subgraphs[0]
    outputs = set(sg.outputs)
    pairs = []
    for step, k in enumerate(graphs[0].kernels):
        op = k.node
        if not op.outputs or op.outputs[0] not in index:
            continue
        out = index[op.outputs[0]]
        if plans[out].first_use != step:
            continue
        for pos, gap in overlap_gaps(op, sg.tensors).items():
            i = op.inputs[pos]
            if i not in index or i in outputs or i in op.outputs:
                continue
            inp = index[i]
            if plans[inp].last_use == step:
                pairs.append(((0, op.index), out, inp, gap))
    return pairs


def compute_then_copy(fn, private):
    """A step computing ``fn`` into private outputs, then copying them into the arena: for a
    node whose output the plan lets overlap an input. tinyrt's kernels (numpy or C) do not
    promise the writing order the overlap relies on, so the interpreter keeps every bit of
    every input until the node is done. A device kernel that writes in order needs no copy."""
    def step(ins, outs):
        fn(ins, private)
        for dst, src in zip(outs, private):
            if dst is not None:
                dst[...] = src
    return step
