"""Allocation of a prepared model, as TFLM's MicroAllocator does it: lifetimes of every
tensor and scratch buffer on one timeline through all subgraphs, their offsets in the head
(the planner's), the tail (variable tensors, then the kernels' persistent buffers), and a
view into the arena for every tensor, persistent buffer and scratch buffer."""
from dataclasses import dataclass

import numpy as np

from .arena import Arena, align_up
from .arena_plan import plan_arena
from .lifetimes import Lifetimes
from .report import MemoryReport


@dataclass
class Allocation:
    arena: Arena
    plans: list            # TensorPlan per planned tensor and scratch buffer, with offsets
    variables: list        # (graph, tensor) of every variable tensor, in the tail
    overlapping: set       # (subgraph, node position) whose output the plan lays over an input
    report: MemoryReport


def allocate(graphs, model, planner_cls, planner_name, arena_buffer=None, arena_size=None,
             preserve_all_tensors=False):
    """Plan and place everything the prepared ``graphs`` (interpreter Graphs, their kernels
    and prepare contexts) need; set each graph's ``arrays`` and each kernel's ``persistent``
    and ``scratch`` views. ``preserve_all_tensors``: every tensor alive for the whole invoke."""
    plans = Lifetimes(graphs).plans()
    if preserve_all_tensors:
        # every tensor alive from the first step to the last: nothing shares memory, so
        # every intermediate still holds its value after invoke
        end = max([p.last_use for p in plans] + [0])
        for p in plans:
            if p.kind == "tensor":
                p.first_use, p.last_use = 0, end
    head, overlapping = plan_arena(planner_cls, plans, model, graphs)

    # the tail: variable tensors, then kernels' persistent buffers
    variables = [(g, t) for g in graphs for t in g.subgraph.tensors
                 if t.is_variable and t.dtype is not None]
    persistent = [n for g in graphs for ctx in g.contexts for n in ctx.persistent_requests]
    tail_sizes = [t.nbytes for _, t in variables] + persistent
    arena = Arena.create(arena_buffer, arena_size, head, tail_sizes)

    # views
    for g in graphs:
        g.arrays = [t.data if t.data is not None and t.dtype is not None
                    and not t.is_variable else None for t in g.subgraph.tensors]
    for p in plans:
        if p.kind == "tensor":
            t = model.subgraphs[p.subgraph].tensors[p.index]
            graphs[p.subgraph].arrays[p.index] = arena.view(p.offset, t.shape, t.dtype)
    for (g, t), off in zip(variables, arena.tail_offsets):
        g.arrays[t.index] = arena.view(off, t.shape, t.dtype)
    tail = iter(zip(persistent, arena.tail_offsets[len(variables):]))
    for g in graphs:
        for k, ctx in zip(g.kernels, g.contexts):
            # the request list first: zip must not pull an extra item from the iterator
            k.persistent = [arena.view(off, (n,), np.uint8)
                            for _, (n, off) in zip(ctx.persistent_requests, tail)]
    for g in graphs:  # zero-sized tensors and the like: empty arrays, no arena bytes
        for t in g.subgraph.tensors:
            if g.arrays[t.index] is None and t.dtype is not None:
                g.arrays[t.index] = empty_array(t.shape, t.dtype)
    scratch = iter([p for p in plans if p.kind == "scratch"])
    for g in graphs:
        for k, ctx in zip(g.kernels, g.contexts):
            k.scratch = [arena.view(p.offset, (p.size,), np.uint8)
                         for _, p in zip(ctx.scratch_requests, scratch)]

    report = MemoryReport(
        arena_size=arena.size, head=align_up(head), tail=arena.tail_size,
        planned_tensors=sum(p.size for p in plans if p.kind == "tensor"),
        scratch=sum(p.size for p in plans if p.kind == "scratch"),
        persistent_buffers=sum(align_up(n) for n in persistent),
        variable_tensors=sum(align_up(t.nbytes) for _, t in variables), buffers=plans,
        planner=planner_name, steps=max((p.last_use for p in plans), default=-1) + 1,
        model=model)
    return Allocation(arena, plans, variables, overlapping, report)


def empty_array(shape, dtype):
    """An array for a tensor that holds no arena bytes. A shape such as (0, 2^31-1, 2^31-1,
    2^31-1) holds nothing, but numpy cannot represent it (its other dimensions' product
    overflows); it gets a stand-in of no elements, the zero dimensions kept and the others
    set to 1. TFLM runs a model with such a tensor as long as no op reads it."""
    try:
        return np.zeros(shape, dtype)
    except ValueError:
        return np.zeros(tuple(min(int(d), 1) for d in shape), dtype)


__all__ = ["Allocation", "allocate", "empty_array"]
