"""A large batch run in cache-sized sub-batches.

A batch of N runs each layer over all N samples before the next layer starts. Once N samples'
activations outgrow the CPU's caches, every layer streams its tensors from main memory, and a
batch can cost more per sample than single invokes (MobileNetV3-small float: 1.6 MB of
activations a sample, 26 MB at N=16). The nodes then run in two parts:

- the head, up to where the activations become small, in a second interpreter of those nodes
  planned for a batch of k whose activations fit: the batch's inputs are copied in k samples
  at a time, and what the head hands on is gathered;
- the tail, whose activations for the whole batch fit (a classifier after its pooling), in a
  third interpreter planned for all N samples at once, so that its weights are read once for
  the batch rather than once per sample.

Kernels compute samples independently, so the outputs are the same bits either way. Only plain
batches are split: one subgraph, no variable tensors, resources or kernels that keep state
(state would see the samples in a different order), no preserve-all-tensors (the
intermediates of the whole batch are wanted), no arena the caller sized or gave (the parts'
arenas would lie outside it), no firmware target, and every output must carry the batch. When
no tail is found, the head is the whole graph. The parts' arenas are host memory beyond the
whole batch's plan.
"""
import dataclasses

import numpy as np

from .resize import resize_batch

# activation bytes a sub-batch may take (the arena's head), and the tail's nodes (their inputs
# and outputs for the whole batch): about a core's L2 cache, where the next layer still finds
# its input
SUB_BATCH_BYTES = 2 << 20


def sub_batch_size(n, head, budget=None):
    """The k <= n samples of a sub-batch for a batch of n whose arena head is ``head`` bytes:
    the largest divisor of n whose share of the head fits ``budget``, at least 1."""
    budget = SUB_BATCH_BYTES if budget is None else budget
    per_sample = max(1, head // n)
    fits = max(1, budget // per_sample)
    return max(k for k in range(1, min(n, fits) + 1) if n % k == 0)


class SubBatches:
    """Runs ``outer``'s batch of ``n`` through ``head`` (its first nodes, for ``k`` samples)
    and ``tail`` (the other nodes, for all n; None when the head runs every node)."""

    def __init__(self, outer, head, tail, n, k, axes):
        self.head, self.tail, self.n, self.k = head, tail, n, k
        main = outer.model.main
        self.inputs = [(outer._arrays[t], head._arrays[t], axes.get(t))
                       for t in main.inputs if main.tensors[t].data is None]
        # what the head hands on, (gathered array, head array, batch axis): gathered in the
        # tail's inputs, or else in private arrays that reach the outer outputs at the end,
        # since the outer plan may place an output over an input whose later samples are still
        # to be read
        handed = head.model.main.outputs
        self.gathered = [(tail._arrays[t] if tail is not None else
                          np.empty_like(outer._arrays[t]), head._arrays[t], axes[t])
                         for t in handed]
        # (outer output, where its value is at the end)
        self.outputs = [(outer._arrays[t], tail._arrays[t] if tail is not None else
                         self.gathered[handed.index(t)][0]) for t in main.outputs]

    @classmethod
    def plan(cls, outer, axes, budget=None):
        """A SubBatches for ``outer`` (just allocated), or None when its batch runs whole."""
        budget = SUB_BATCH_BYTES if budget is None else budget
        model = outer.model
        main = model.main
        batch_inputs = [t for t in main.inputs if axes.get(t) == 0]
        # never for an arena the caller sized or gave: the parts' arenas would lie outside it
        if not batch_inputs or outer.preserve_all_tensors or len(model.subgraphs) > 1 or \
                outer.arena_size is not None or outer._arena_buffer is not None or \
                outer.firmware_target is not None or outer._variables or \
                any(t not in axes for t in main.outputs) or \
                any(_keeps_state(k) for k in outer.kernels):
            return None
        n = main.tensors[batch_inputs[0]].shape[0]
        k = sub_batch_size(n, outer.memory_report().head, budget)
        if k == n:
            return None
        loaded = outer._loaded_model
        cut = _tail_start(main, axes, budget)
        if cut is None:
            head_model, tail = loaded, None
        else:
            start, handed = cut
            head_model = _part(loaded, 0, start, main.inputs, handed)
            tail_model = _part(loaded, start, len(main.operators), handed, main.outputs)
            tail = outer._sibling(_resized(tail_model, handed, n))
        head = outer._sibling(_resized(head_model, batch_inputs, k))
        return cls(outer, head, tail, n, k, axes)

    def run(self):
        for s in range(0, self.n, self.k):
            for big, small, axis in self.inputs:
                small[...] = big if axis is None else big[_along(axis, s, self.k)]
            self.head._invoke()
            for gathered, small, axis in self.gathered:
                gathered[_along(axis, s, self.k)] = small
        if self.tail is not None:
            self.tail._invoke()
        for big, result in self.outputs:
            big[...] = result


def _tail_start(sg, axes, budget):
    """(first node, tensors handed to it) of the longest run of last nodes whose activations
    (inputs and outputs that are not constants, for the whole batch) each fit ``budget`` and
    where every tensor handed over carries the batch on its first axis; None if none does."""
    ops = sg.operators

    def activation_bytes(op):
        return sum(sg.tensors[i].nbytes for i in list(op.inputs) + list(op.outputs)
                   if i >= 0 and sg.tensors[i].data is None)
    start = len(ops)
    while start > 0 and activation_bytes(ops[start - 1]) <= budget:
        start -= 1
    for s in range(max(start, 1), len(ops)):
        made = set(sg.inputs) | {o for op in ops[:s] for o in op.outputs}
        read = {i for op in ops[s:] for i in op.inputs} | set(sg.outputs)
        handed = sorted(i for i in made & read if i >= 0 and sg.tensors[i].data is None)
        if handed and all(axes.get(i) == 0 for i in handed):
            return s, tuple(handed)
    return None


def _part(model, start, stop, inputs, outputs):
    """``model`` with main-subgraph nodes [start, stop) only, taking ``inputs`` and giving
    ``outputs`` (tensor indices)."""
    sg = model.main
    part = dataclasses.replace(sg, operators=sg.operators[start:stop], inputs=tuple(inputs),
                               outputs=tuple(outputs))
    return dataclasses.replace(model, subgraphs=[part] + list(model.subgraphs[1:]),
                               signatures=[], offline_plan=None)


def _resized(model, inputs, batch):
    """``model`` with the batch of ``inputs`` (their first axis) set to ``batch``."""
    sg = model.main
    resized, _ = resize_batch(model, {i: (batch,) + tuple(sg.tensors[i].shape[1:])
                                      for i in inputs})
    return resized


def _keeps_state(kernel):
    """Whether a kernel carries values from one invoke to the next: its own state (it
    overrides reset) or a resource variable."""
    from .kernels.base import Kernel
    return type(kernel).reset is not Kernel.reset or \
        kernel.node.op_name in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")


def _along(axis, start, count):
    return (slice(None),) * axis + (slice(start, start + count),)


__all__ = ["SUB_BATCH_BYTES", "SubBatches", "sub_batch_size"]
