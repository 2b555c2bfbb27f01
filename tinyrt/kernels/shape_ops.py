"""Data movement: PAD, PADV2, STRIDED_SLICE, TRANSPOSE, CONCATENATION, CAST.

Where the movement is fixed by constant inputs, prepare turns it into a gather index or a set
of slices so eval is a single numpy call. In the compiled core, PAD, STRIDED_SLICE, TRANSPOSE
(and SLICE) are one N-D strided byte copy with per-op counts, strides and offsets, and
CONCATENATION a row-by-row copy of its inputs; both move bytes, so they serve every type.
CAST between 8-, 16- and 32-bit integers and float32 is the core's cast kernel.
"""
import numpy as np

from ..native.core import OutOfRange, prepares_native
from ..native.elementwise import native_cast
from .base import Kernel, register

ANY = ("float32", "int8", "int16", "int32", "int64", "uint8", "bool")


def _const_ints(kernel, tensor, what):
    if tensor is None or tensor.data is None:
        kernel.fail(f"{what} must be a constant tensor")
    return [int(v) for v in np.asarray(tensor.data).reshape(-1)]


def _numel(shape):
    return int(np.prod(shape, dtype=np.int64))


def byte_strides(shape, itemsize):
    """C-order strides in bytes of a tensor of ``shape``."""
    out, step = [], itemsize
    for d in reversed(tuple(shape)):
        out.append(step)
        step *= int(d)
    return out[::-1]


MAX_COPY_RANK = 8     # the C kernel's limit after merging dimensions


@prepares_native
def native_strided_copy(ctx, x, y, counts, in_strides, out_strides, in_offset=0, out_offset=0,
                        fill=None, inputs=("input",)):
    """The compiled core's N-D copy: y[out_offset + sum i_d * out_strides[d]] =
    x[in_offset + sum i_d * in_strides[d]] for 0 <= i_d < counts[d] (bytes), after filling the
    whole output with ``fill`` (a one-element array, or a field name in ``inputs`` taking the
    value from a tensor) when given. Dimensions of one value are dropped and dimensions
    contiguous on both sides merged; every position reached is checked to stay inside x and y."""
    eb = np.dtype(y.dtype).itemsize
    dims = []
    if all(int(c) > 0 for c in counts):
        for c, i, o in zip(counts, in_strides, out_strides):
            c, i, o = int(c), int(i), int(o)
            if c == 1:
                continue
            if dims and dims[-1][1] == i * c and dims[-1][2] == o * c:
                dims[-1] = (dims[-1][0] * c, i, o)
            else:
                dims.append((c, i, o))
        dims = dims or [(1, eb, eb)]
    # The copy's order is free. When the last dimension reads with a stride and another reads
    # contiguously (a transposition), that one goes second-last and the two are copied in tiles
    # (measured faster for 4- and 8-byte elements only).
    tile = 0
    if eb >= 4 and len(dims) >= 2 and dims[-1][1] != eb and dims[-1][0] > 1:
        k = next((k for k, d in enumerate(dims[:-1]) if d[1] == eb and d[0] > 1), None)
        if k is not None:
            dims.append(dims.pop(k))
            dims[-2:] = dims[-1:] + dims[-2:-1]
            tile = 1
    if len(dims) > MAX_COPY_RANK:
        raise OutOfRange(f"{len(dims)} dimensions to copy")
    for base, k, tensor in ((in_offset, 1, x), (out_offset, 2, y)):
        lo = base + sum(min(0, (d[0] - 1) * d[k]) for d in dims)
        hi = base + sum(max(0, (d[0] - 1) * d[k]) for d in dims)
        if dims and (lo < 0 or hi + eb > _numel(tensor.shape) * eb):
            raise OutOfRange("a copied position leaves its tensor")
    table = np.array(dims or [(0, 0, 0)], np.int64).T.copy()     # counts, in, out strides
    fields = {}
    if isinstance(fill, np.ndarray):
        fields["fill"] = fill
    return ctx.native_node("copy_nd", keep=(table, fill), inputs=inputs, counts=table[0],
                           in_strides=table[1], out_strides=table[2], in_offset=in_offset,
                           out_offset=out_offset, elem_bytes=eb, rank=len(dims), tile=tile,
                           fill_count=_numel(y.shape) if fill is not None else 0, **fields)


@prepares_native
def native_concat(ctx, parts, whole, axis, split_input=None):
    """CONCATENATION of the node's inputs ``parts`` into ``whole`` in the compiled core, or,
    with ``split_input`` (the position of the split tensor among the node's inputs), SPLIT of
    ``whole`` into the node's outputs ``parts``: for each row of the dimensions before
    ``axis``, each part's row in turn."""
    if not 1 <= len(parts) <= 10:
        raise OutOfRange(f"{len(parts)} parts (TFLM's limit is 10)")
    eb = np.dtype(whole.dtype).itemsize
    sizes = np.array([_numel(t.shape[axis:]) * eb for t in parts], np.int64)
    names = tuple(f"part{i}" for i in range(len(parts)))
    if split_input is None:
        kernel, inputs, outputs = "concat", names, ("whole",)
    else:
        inputs = tuple("whole" if i == split_input else None for i in range(split_input + 1))
        kernel, outputs = "split", names
    return ctx.native_node(kernel, keep=(sizes,), inputs=inputs, outputs=outputs, sizes=sizes,
                           outer=_numel(whole.shape[:axis]), parts=len(parts))


def _same_quantization(a, b):
    qa, qb = a.quantization, b.quantization
    if qa is None or qb is None:
        return qa is None and qb is None or a.dtype.kind == "f"
    return (float(qa.scale[0]) == float(qb.scale[0])
            and int(qa.zero_point[0]) == int(qb.zero_point[0]))


@register("PAD", "PADV2")
class Pad(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        x, paddings = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int16, np.int32):
            self.fail(f"unsupported types: input {x.dtype}, output {y.dtype}")
        rank = len(x.shape)
        if rank > 5:
            self.fail("inputs of rank above 5 are not supported")
        pads = _const_ints(self, paddings, "paddings")
        if len(pads) != 2 * rank:
            self.fail(f"paddings hold {len(pads)} values; a rank-{rank} input needs {2 * rank}")
        pads = [(pads[2 * i], pads[2 * i + 1]) for i in range(rank)]
        if any(p < 0 for pair in pads for p in pair):
            self.fail("paddings must be non-negative")
        want = tuple(d + a + b for d, (a, b) in zip(x.shape, pads))
        if want != y.shape:
            self.fail(f"output shape {list(y.shape)} should be {list(want)}")
        value = ctx.inputs[2] if len(ctx.inputs) > 2 else None
        if value is not None:
            if value.dtype != x.dtype:
                self.fail(f"constant value is {value.dtype}, input is {x.dtype}")
            self.value = None if value.data is None else value.data.reshape(-1)[0]
        elif x.dtype != np.float32 and y.quantization is not None:
            self.value = y.quantization.zero_point[0]   # a quantized zero
        else:
            self.value = 0
        self.interior = tuple(slice(a, a + d) for d, (a, _) in zip(x.shape, pads))
        if self.value is not None:
            fill, inputs = np.array([self.value], y.dtype), ("input",)
        else:
            fill, inputs = "fill", ("input", None, "fill")
        ys = byte_strides(y.shape, y.dtype.itemsize)
        self.native = native_strided_copy(
            ctx, x, y, x.shape, byte_strides(x.shape, x.dtype.itemsize), ys,
            out_offset=sum(a * st for (a, _), st in zip(pads, ys)), fill=fill, inputs=inputs)

    def eval(self, inputs, outputs):
        out = outputs[0]
        out[...] = self.value if self.value is not None else inputs[2].reshape(-1)[0]
        out[self.interior] = inputs[0]


@register("STRIDED_SLICE")
class StridedSlice(Kernel):
    """TFLM's strided slice: begin/end/strides constant; the ellipsis and new-axis masks are
    ignored as TFLM does."""
    dtypes = ANY

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype:
            self.fail(f"input is {x.dtype} but output is {y.dtype}")
        rank = len(x.shape)
        begin = _const_ints(self, ctx.inputs[1], "begin")
        end = _const_ints(self, ctx.inputs[2], "end")
        strides = _const_ints(self, ctx.inputs[3], "strides")
        if not len(begin) == len(end) == len(strides) == rank:
            self.fail(f"begin, end and strides need {rank} values each")
        o = self.options
        out_shape, ranges = [], []
        for ax in range(rank):
            size, stride = x.shape[ax], strides[ax]
            if stride == 0:
                self.fail("stride value has to be non-zero")
            start = _start_for_axis(o["begin_mask"] & (1 << ax), begin[ax], stride, size)
            shrink = bool(o["shrink_axis_mask"] & (1 << ax))
            stop = start + 1 if shrink or size == 0 else \
                _stop_for_axis(o["end_mask"] & (1 << ax), end[ax], stride, size)
            if size == 0:
                start = stop = 0
            count = max(0, -(-(stop - start) // stride))
            if count and not (0 <= start < size and 0 <= start + (count - 1) * stride < size):
                self.fail(f"axis {ax} slice [{start}:{stop}:{stride}] leaves the input")
            ranges.append((start, count, stride))
            if not shrink:
                out_shape.append(count)
        if tuple(out_shape) != y.shape:
            self.fail(f"output shape {list(y.shape)} should be {out_shape}")
        xs = byte_strides(x.shape, x.dtype.itemsize)
        counts = [c for _, c, _ in ranges]
        self.native = native_strided_copy(
            ctx, x, y, counts, [st * s for (_, _, st), s in zip(ranges, xs)],
            byte_strides(counts, y.dtype.itemsize),
            in_offset=sum(start * s for (start, _, _), s in zip(ranges, xs)))
        if self.native is not None:
            return
        # Flat input offsets of every output element, built from the (bounded) output extent
        # only, never from the input's.
        if int(np.prod([c for _, c, _ in ranges])) == 0:
            self.gather = np.zeros(0, np.int64)
            return
        elem_strides = np.cumprod((list(x.shape[1:]) + [1])[::-1])[::-1]
        gather = np.zeros((), np.int64)
        for ax, (start, count, stride) in enumerate(ranges):
            idx = (start + stride * np.arange(count, dtype=np.int64)) * int(elem_strides[ax])
            gather = np.add.outer(gather, idx)
        self.gather = gather.reshape(-1)

    def eval(self, inputs, outputs):
        # a shrunk axis with a negative stride selects nothing: TFLM then writes nothing
        if self.gather.size:
            np.take(inputs[0].reshape(-1), self.gather, out=outputs[0].reshape(-1))


INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def _clamp_axis(v, stride, size):
    if v < 0:
        v += size
    lo, hi = (0, size) if stride > 0 else (-1, size - 1)
    return min(max(v, lo), hi)


def _start_for_axis(masked, start, stride, size):
    """TFLM StartForAxis: ``masked`` is begin_mask's bit for the axis."""
    if masked:
        start = INT_MIN if stride > 0 else INT_MAX
    return _clamp_axis(start, stride, size)


def _stop_for_axis(masked, stop, stride, size):
    """TFLM StopForAxis (without shrink, handled by the caller)."""
    if masked:
        stop = INT_MAX if stride > 0 else INT_MIN
    return _clamp_axis(stop, stride, size)


@register("TRANSPOSE")
class Transpose(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        perm = _const_ints(self, ctx.inputs[1], "perm")
        rank = len(x.shape)
        if rank > 6:
            self.fail("inputs of rank above 6 are not supported")
        if sorted(perm) != list(range(rank)):
            self.fail(f"perm {perm} is not a permutation of {rank} axes")
        if x.dtype != y.dtype or tuple(x.shape[p] for p in perm) != y.shape:
            self.fail(f"output must be {x.dtype} {[x.shape[p] for p in perm]}")
        self.perm = perm
        xs = byte_strides(x.shape, x.dtype.itemsize)
        self.native = native_strided_copy(ctx, x, y, y.shape, [xs[p] for p in perm],
                                          byte_strides(y.shape, y.dtype.itemsize))

    def eval(self, inputs, outputs):
        outputs[0][...] = inputs[0].transpose(self.perm)


@register("CONCATENATION")
class Concatenation(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        y = ctx.outputs[0]
        ins = ctx.inputs
        if not ins or any(t is None for t in ins):
            self.fail("needs at least one input")
        rank = len(y.shape)
        axis = self.options["axis"]
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < max(rank, 1):
            self.fail(f"axis {self.options['axis']} is out of range for rank {rank}")
        for t in ins:
            if t.dtype != y.dtype or len(t.shape) != rank:
                self.fail(f"input {t.name!r} must be {y.dtype} of rank {rank}")
            if any(a != b for i, (a, b) in enumerate(zip(t.shape, y.shape)) if i != axis):
                self.fail(f"input {t.name!r} shape {list(t.shape)} does not fit output "
                          f"{list(y.shape)}")
            if y.dtype in (np.int8, np.int16) and not _same_quantization(t, y):
                self.fail("quantized inputs must share the output's scale and zero point")
        if sum(t.shape[axis] for t in ins) != y.shape[axis]:
            self.fail(f"inputs do not add up to the output's {y.shape[axis]} along axis {axis}")
        if self.options["fused_activation_function"] not in (0,):
            self.fail("fused activations are not supported")
        self.axis = axis
        self.native = native_concat(ctx, ins, y, axis)

    def eval(self, inputs, outputs):
        np.concatenate(inputs, axis=self.axis, out=outputs[0])


@register("CAST")
class Cast(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64", "uint8", "uint32", "bool")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if int(np.prod(x.shape)) != int(np.prod(y.shape)):
            self.fail("input and output differ in size")
        ok = {"float32", "int8", "int16", "int32", "int64", "uint8", "uint32", "uint16",
              "bool", "float64"}
        if x.dtype.name not in ok or y.dtype.name not in ok:
            self.fail(f"{x.dtype} -> {y.dtype} is not supported")
        self.native = native_cast(ctx)

    def eval(self, inputs, outputs):
        # static_cast: integers wrap; floats truncate towards zero, and out of range values
        # saturate with NaN going to 0 (C leaves it undefined; tflite-micro's build and Arm's
        # VCVT both saturate)
        x, y = inputs[0].reshape(-1), outputs[0].reshape(-1)
        if x.dtype.kind == "f" and y.dtype.kind in "iu":
            info = np.iinfo(y.dtype)
            with np.errstate(invalid="ignore"):
                x = np.nan_to_num(np.clip(np.trunc(x.astype(np.float64)), info.min, info.max),
                                  nan=0.0)
        with np.errstate(invalid="ignore", over="ignore"):
            y[...] = x.astype(y.dtype)
