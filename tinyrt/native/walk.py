"""The geometry of broadcast.h's walk: a contiguous tensor visited row by row while up to two
other operands follow it with their own strides (0 along a dimension they broadcast or, for a
reduction's accumulators, along a reduced one). Computed once in prepare; dimensions of size 1
are dropped and neighbours that step alike are merged, so rows are as long as they can be."""
import numpy as np

from .core import OutOfRange

MAX_RANK = 8       # TINYRT_WALK_MAX_RANK


def _strides(shape, rank):
    """Element strides of a contiguous tensor of ``shape`` aligned right to ``rank`` dims; 0
    along a dimension of size 1 (which then repeats)."""
    shape = (1,) * (rank - len(shape)) + tuple(shape)
    out, step = [], 1
    for d in reversed(shape):
        out.append(step if d != 1 else 0)
        step *= d
    return out[::-1]


def walk(dims, strides0, strides1):
    """(rank, geometry): int64 [dims; strides0; strides1] with size-1 dimensions dropped and
    mergeable neighbours merged. OutOfRange when a row's steps are not 0 or 1 or the walk is
    empty or too deep."""
    kept = [(int(n), int(a), int(b)) for n, a, b in zip(dims, strides0, strides1) if n != 1]
    if any(n == 0 for n, _, _ in kept):
        raise OutOfRange("an empty tensor")
    merged = []
    for n, a, b in kept:
        if merged:
            pn, pa, pb = merged[-1]
            if pa == a * n and pb == b * n:
                merged[-1] = (pn * n, a, b)
                continue
        merged.append((n, a, b))
    if not merged:
        merged = [(1, 0, 0)]
    if len(merged) > MAX_RANK or merged[-1][1] not in (0, 1) or merged[-1][2] not in (0, 1):
        raise OutOfRange("not a walk broadcast.h takes")
    geometry = np.ascontiguousarray(np.array(merged, np.int64).T)
    return len(merged), geometry


def broadcast_walk(out_shape, a_shape, b_shape):
    """The walk of a binary op's output with its two inputs broadcast (numpy's rules)."""
    rank = len(out_shape)
    return walk(out_shape, _strides(a_shape, rank), _strides(b_shape, rank))


def reduce_walk(in_shape, axes):
    """The walk of a reduction's input with its accumulators (one per output, in the kept
    axes' order) following: stride 0 along the reduced ``axes``."""
    acc_shape = [1 if d in axes else n for d, n in enumerate(in_shape)]
    acc = _strides(acc_shape, len(in_shape))
    return walk(in_shape, [0 if d in axes else s for d, s in enumerate(acc)],
                [0] * len(in_shape))
