"""A large batch run in cache-sized sub-batches.

A batch of N runs each layer over all N samples before the next layer starts. Once N samples'
activations outgrow the CPU's caches, every layer streams its tensors from main memory, and a
batch can cost more per sample than single invokes (MobileNetV3-small float: 1.6 MB of
activations a sample, 26 MB at N=16). A second interpreter of the same model, planned for a
batch of k whose activations fit, then runs the N samples k at a time: the batch's inputs are
copied in k samples at a time and its outputs copied back. Kernels compute samples
independently, so the outputs are the same bits either way.

Only plain batches are split: no variable tensors or resources (state would see the samples
in a different order), no preserve-all-tensors (the intermediates of the whole batch are
wanted), and every output must carry the batch.
"""
import numpy as np

# activation bytes (the arena's head) a sub-batch may take: a few MB, the size of a server
# core's L2 and the nearby part of its L3, where the next layer still finds its input
SUB_BATCH_BYTES = 4 << 20


def sub_batch_size(n, head, budget=None):
    """The k <= n samples of a sub-batch for a batch of n whose arena head is ``head`` bytes:
    the largest divisor of n whose share of the head fits ``budget``, at least 1."""
    budget = SUB_BATCH_BYTES if budget is None else budget
    per_sample = max(1, head // n)
    fits = max(1, budget // per_sample)
    return max(k for k in range(1, min(n, fits) + 1) if n % k == 0)


class SubBatches:
    """Runs ``outer``'s batch through ``inner``, the same model planned for ``k`` samples.
    ``axes``: {tensor index: batch axis} of the outer model's main subgraph."""

    def __init__(self, outer, inner, n, k, axes):
        self.inner, self.n, self.k = inner, n, k
        main = outer.model.main
        # (outer array, a private copy of it, inner array, batch axis or None): the outputs
        # written back may overwrite the outer inputs, whose arena memory the plan reuses
        self.inputs = []
        for t in main.inputs:
            if main.tensors[t].data is None:
                big = outer._arrays[t]
                self.inputs.append((big, np.empty_like(big), inner._arrays[t], axes.get(t)))
        self.outputs = [(outer._arrays[t], inner._arrays[t], axes[t]) for t in main.outputs]

    @classmethod
    def plan(cls, outer, axes, budget=None):
        """A SubBatches for ``outer`` (just allocated), or None when its batch runs whole."""
        model = outer.model
        main = model.main
        batch_inputs = [t for t in main.inputs if axes.get(t) == 0]
        if not batch_inputs or outer.preserve_all_tensors or len(model.subgraphs) > 1 or \
                outer.firmware_target is not None or outer._variables or \
                any(t not in axes for t in main.outputs) or \
                any(_keeps_state(k) for k in outer.kernels):
            return None
        n = main.tensors[batch_inputs[0]].shape[0]
        k = sub_batch_size(n, outer.memory_report().head, budget)
        if k == n:
            return None
        inner = outer._with_batch(k)
        return cls(outer, inner, n, k, axes)

    def run(self):
        for big, copy, _, _ in self.inputs:
            copy[...] = big
        for s in range(0, self.n, self.k):
            for _, big, small, axis in self.inputs:
                small[...] = big if axis is None else big[_along(axis, s, self.k)]
            self.inner._invoke()
            for big, small, axis in self.outputs:
                big[_along(axis, s, self.k)] = small


def _keeps_state(kernel):
    """Whether a kernel carries values from one invoke to the next: its own state (it
    overrides reset) or a resource variable."""
    from .kernels.base import Kernel
    return type(kernel).reset is not Kernel.reset or \
        kernel.node.op_name in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")


def _along(axis, start, count):
    return (slice(None),) * axis + (slice(start, start + count),)


__all__ = ["SUB_BATCH_BYTES", "SubBatches", "sub_batch_size"]
