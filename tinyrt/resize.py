"""Batch resizing: a model whose inputs take N samples at once instead of one.

TFLM never resizes (its shapes are fixed in the flatbuffer), so tinyrt's kernels check shapes
rather than infer them. A batch is the one resize that needs no shape inference: the batch
dimension of each input is followed through the graph, every activation tensor that carries it
gets the new size there, and every kernel prepares again on the new shapes — its own checks
refuse a node that would mix samples (a reshape folding the batch into another dimension, a
slice across it). Each sample's values are then exactly those of running it alone.
"""
import dataclasses

import numpy as np

from .errors import ArgumentError

# nodes that run other subgraphs: the batch would have to be followed into them
_CALLS_SUBGRAPHS = {"IF", "WHILE", "CALL_ONCE"}


def _int_shape(shape, what):
    try:
        arr = np.asarray(shape)
        if arr.dtype.kind not in "iu":
            arr = arr.astype(np.int64)
        return tuple(int(d) for d in arr.reshape(-1))
    except (TypeError, ValueError) as e:
        raise ArgumentError(f"{what}: {e}") from None


def _batch(requests, tensors, strict):
    """The (old, new) batch size the requested input shapes ask for, checking that only the
    batch dimension (axis 0) changes and that every input changes it alike."""
    change = None
    for index, shape in requests.items():
        t = tensors[index]
        old = tuple(t.shape)
        if shape == old:
            continue
        if len(shape) != len(old) or shape[1:] != old[1:] or not old:
            raise ArgumentError(
                f"cannot resize input {index} ({t.name!r}) from {list(old)} to {list(shape)}: "
                "tinyrt resizes the batch (first) dimension only")
        if shape[0] < 1:
            raise ArgumentError(f"cannot resize input {index} ({t.name!r}) to batch {shape[0]}")
        sig = t.shape_signature
        if strict and (sig is None or sig[0] != -1):
            raise ArgumentError(f"input {index} ({t.name!r}) has a fixed batch dimension "
                                f"(shape signature {list(sig if sig is not None else old)}); "
                                "strict=True resizes only dimensions marked -1")
        if change is not None and change != (old[0], shape[0]):
            raise ArgumentError("every resized input must change its batch alike; got "
                                f"{change[0]} -> {change[1]} and {old[0]} -> {shape[0]}")
        change = (old[0], shape[0])
    return change


def _carry(sg, axis_of, old, new):
    """Follow the batch axis from the inputs through the nodes, in order. Returns
    {tensor index: new shape}; ``axis_of`` ends up giving each such tensor's batch axis."""
    shapes = {}
    for i, ax in axis_of.items():
        s = list(sg.tensors[i].shape)
        s[ax] = new
        shapes[i] = tuple(s)
    for op in sg.operators:
        axes = {axis_of[i] for i in op.inputs if i in axis_of}
        if not axes:
            continue
        where = f"{op.op_name} (node {op.index})"
        if op.op_name in _CALLS_SUBGRAPHS:
            raise ArgumentError(f"cannot resize the batch through {where}: it runs subgraphs")
        if len(axes) > 1:
            raise ArgumentError(f"cannot resize the batch through {where}: its inputs carry "
                                "the batch on different axes")
        ax = axes.pop()
        if op.op_name == "TRANSPOSE" and len(op.inputs) > 1:
            perm = sg.tensors[op.inputs[1]].data
            if perm is None:
                raise ArgumentError(f"cannot resize the batch through {where}: its permutation "
                                    "is not a constant")
            ax = [int(p) for p in np.asarray(perm).reshape(-1)].index(ax)
        for o in op.outputs:
            if o < 0:
                continue
            t = sg.tensors[o]
            if ax >= len(t.shape) or t.shape[ax] != old:
                raise ArgumentError(
                    f"cannot resize the batch through {where}: its output {o} ({t.name!r}) of "
                    f"shape {list(t.shape)} does not carry the batch ({old}) on axis {ax}")
            s = list(t.shape)
            s[ax] = new
            shapes[o] = tuple(s)
            axis_of[o] = ax
    return shapes


def resize_inputs(model, requests, strict=False):
    """A copy of ``model`` whose main-subgraph inputs have the shapes in ``requests``
    ({tensor index: shape}) and whose activations carry the new batch; ``model`` itself when
    nothing changes. Raises ArgumentError (a ValueError) for what cannot be resized."""
    resized, _ = resize_batch(model, requests, strict)
    return resized


def resize_batch(model, requests, strict=False):
    """resize_inputs, and {tensor index: batch axis} of the main subgraph's tensors that carry
    the batch (empty when nothing changes)."""
    sg = model.main
    change = _batch(requests, sg.tensors, strict)
    if change is None or change[0] == change[1]:
        return model, {}
    old, new = change
    axis_of = {i: 0 for i, s in requests.items() if s != tuple(sg.tensors[i].shape)}
    shapes = _carry(sg, axis_of, old, new)
    tensors = [dataclasses.replace(t, shape=shapes[t.index]) if t.index in shapes else t
               for t in sg.tensors]
    main = dataclasses.replace(sg, tensors=tensors)
    return dataclasses.replace(model, subgraphs=[main] + list(model.subgraphs[1:])), axis_of


def requested_shape(tensor_size, what):
    return _int_shape(tensor_size, what)


__all__ = ["resize_inputs", "resize_batch", "requested_shape"]
