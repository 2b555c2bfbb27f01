"""More data movement: PACK, UNPACK, SPLIT, SPLIT_V, SLICE, GATHER, GATHER_ND,
EMBEDDING_LOOKUP, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH, BROADCAST_TO, BROADCAST_ARGS, FILL,
SHAPE, ARG_MAX, ARG_MIN.

Index and shape inputs that TFLM requires constant are read in prepare; every output shape is
checked against the model's (tinyrt, like TFLM, runs static shapes). In the compiled core,
PACK, UNPACK, SPLIT, SPLIT_V, SLICE, GATHER, GATHER_ND, EMBEDDING_LOOKUP (but hybrid),
REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH and BROADCAST_TO are byte copies (shape_ops.py has
the shared copy kernels' builders), for every type."""
import numpy as np

from ..native.core import prepares_native
from .base import Kernel, register
from .shape_ops import ANY, _const_ints, byte_strides, native_concat, native_strided_copy


def _axis(kernel, axis, rank):
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < max(rank, 1):
        kernel.fail(f"axis {axis} is out of range for rank {rank}")
    return a


def _expect(kernel, tensor, shape, what="output"):
    if tuple(tensor.shape) != tuple(shape):
        kernel.fail(f"{what} shape {list(tensor.shape)} should be {list(shape)}")


@register("PACK")
class Pack(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        ins, y = ctx.inputs, ctx.outputs[0]
        first = ins[0]
        if any(t.shape != first.shape or t.dtype != y.dtype for t in ins):
            self.fail("inputs must share one shape and the output's type")
        self.axis = _axis(self, self.options["axis"], len(first.shape) + 1)
        shape = list(first.shape)
        shape.insert(self.axis, len(ins))
        _expect(self, y, shape)
        self.native = native_concat(ctx, ins, y, self.axis)

    def eval(self, inputs, outputs):
        outputs[0][...] = np.stack(inputs, axis=self.axis)


@register("UNPACK")
class Unpack(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        x = ctx.inputs[0]
        self.axis = _axis(self, self.options["axis"], len(x.shape))
        if x.shape[self.axis] != len(ctx.outputs):
            self.fail(f"axis {self.axis} has {x.shape[self.axis]} values for "
                      f"{len(ctx.outputs)} outputs")
        shape = x.shape[:self.axis] + x.shape[self.axis + 1:]
        for y in ctx.outputs:
            _expect(self, y, shape)
        self.native = native_concat(ctx, ctx.outputs, x, self.axis, split_input=0)

    def eval(self, inputs, outputs):
        for i, out in enumerate(outputs):
            out[...] = np.take(inputs[0], i, axis=self.axis)


class _Split(Kernel):
    dtypes = ANY

    def _setup(self, ctx, x, axis, sizes, outputs):
        self.axis = _axis(self, axis, len(x.shape))
        if sum(sizes) != x.shape[self.axis] or any(s < 0 for s in sizes):
            self.fail(f"sizes {sizes} do not split {x.shape[self.axis]} values")
        self.bounds = list(np.cumsum(sizes)[:-1])
        for y, s in zip(outputs, sizes):
            shape = list(x.shape)
            shape[self.axis] = s
            _expect(self, y, shape)
        self.native = native_concat(ctx, outputs, x, self.axis,
                                    split_input=self.data_input)

    def eval(self, inputs, outputs):
        parts = np.split(inputs[self.data_input], self.bounds, axis=self.axis)
        for out, part in zip(outputs, parts):
            out[...] = part


@register("SPLIT")
class Split(_Split):
    data_input = 1

    def prepare(self, ctx):
        axis = _const_ints(self, ctx.inputs[0], "axis")[0]
        x = ctx.inputs[1]
        n = len(ctx.outputs)
        a = _axis(self, axis, len(x.shape))
        if x.shape[a] % n:
            self.fail(f"{x.shape[a]} values do not split into {n} equal parts")
        self._setup(ctx, x, axis, [x.shape[a] // n] * n, ctx.outputs)


@register("SPLIT_V")
class SplitV(_Split):
    data_input = 0

    def prepare(self, ctx):
        x = ctx.inputs[0]
        sizes = _const_ints(self, ctx.inputs[1], "size_splits")
        axis = _const_ints(self, ctx.inputs[2], "axis")[0]
        if sizes.count(-1) == 1:
            a = _axis(self, axis, len(x.shape))
            sizes[sizes.index(-1)] = x.shape[a] - (sum(sizes) + 1)
        self._setup(ctx, x, axis, sizes, ctx.outputs)


@register("SLICE")
class Slice(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        begin = _const_ints(self, ctx.inputs[1], "begin")
        size = _const_ints(self, ctx.inputs[2], "size")
        if len(begin) != len(x.shape) or len(size) != len(x.shape):
            self.fail("begin and size need one value per input dimension")
        size = [d - b if s == -1 else s for d, b, s in zip(x.shape, begin, size)]
        if any(b < 0 or s < 0 or b + s > d for d, b, s in zip(x.shape, begin, size)):
            self.fail(f"slice begin {begin} size {size} leaves the input {list(x.shape)}")
        _expect(self, y, size)
        self.index = tuple(slice(b, b + s) for b, s in zip(begin, size))
        xs = byte_strides(x.shape, x.dtype.itemsize)
        self.native = native_strided_copy(ctx, x, y, size, xs, byte_strides(size, y.dtype.itemsize),
                                          in_offset=sum(b * s for b, s in zip(begin, xs)))

    def eval(self, inputs, outputs):
        outputs[0][...] = inputs[0][self.index]


@prepares_native
def native_gather(ctx, gather, x, idx, y):
    """GATHER in the compiled core: TFLM's row copies; an index outside the axis fails the
    node."""
    batch, outer, axis_size, inner = gather.x4
    return ctx.native_node("gather", inputs=("input", "indices"), batch=batch, outer=outer,
                           coords=gather.idx2[1], axis_size=axis_size,
                           inner_bytes=inner * np.dtype(y.dtype).itemsize,
                           index_bytes=np.dtype(idx.dtype).itemsize)


@prepares_native
def _native_rows(ctx, count, rows, row_bytes):
    """EMBEDDING_LOOKUP in the compiled core: GATHER's copy of ``count`` whole rows by id."""
    return ctx.native_node("gather", inputs=("indices", "input"), batch=1, outer=1, coords=count,
                           axis_size=rows, inner_bytes=row_bytes, index_bytes=4)


@register("GATHER")
class Gather(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        x, idx = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if idx.dtype not in (np.int32, np.int64):
            self.fail("indices must be int32 or int64")
        rank, idx_rank = len(x.shape), len(idx.shape)
        self.axis = _axis(self, self.options["axis"], rank)
        bd = self.options["batch_dims"]
        bd = bd + idx_rank if bd < 0 else bd
        if not (0 <= bd <= self.axis and bd < rank and bd <= idx_rank) or \
                tuple(x.shape[:bd]) != tuple(idx.shape[:bd]):
            self.fail(f"batch_dims {self.options['batch_dims']} does not fit input "
                      f"{list(x.shape)}, indices {list(idx.shape)} and axis {self.axis}")
        _expect(self, y, x.shape[:self.axis] + idx.shape[bd:] + x.shape[self.axis + 1:])
        self.limit = x.shape[self.axis]
        prod = lambda dims: int(np.prod(dims, dtype=np.int64))       # noqa: E731
        # [batch, outer, axis, inner] x [batch, coords] -> [batch, outer, coords, inner]
        self.x4 = (prod(x.shape[:bd]), prod(x.shape[bd:self.axis]), self.limit,
                   prod(x.shape[self.axis + 1:]))
        self.idx2 = (self.x4[0], prod(idx.shape[bd:]))
        self.batch_dims = bd
        self.native = native_gather(ctx, self, x, idx, y)

    def eval(self, inputs, outputs):
        idx = inputs[1]
        if idx.size and (idx.min() < 0 or idx.max() >= self.limit):
            self.fail(f"an index is outside [0, {self.limit})")
        if self.batch_dims == 0:
            outputs[0][...] = np.take(inputs[0], idx, axis=self.axis)
            return
        b, o = self.x4[:2]
        x4 = inputs[0].reshape(self.x4)
        rows = idx.reshape(self.idx2)[:, None, :]
        outputs[0].reshape(b, o, self.idx2[1], self.x4[3])[...] = \
            x4[np.arange(b)[:, None, None], np.arange(o)[None, :, None], rows]


@register("REVERSE_V2")
class ReverseV2(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        x = ctx.inputs[0]
        self.axes = tuple(sorted(_axis(self, a, len(x.shape))
                                 for a in _const_ints(self, ctx.inputs[1], "axis")))
        # TFLM reverses one run of adjacent axes (given in any order), nothing else
        if not self.axes or any(b != a + 1 for a, b in zip(self.axes, self.axes[1:])):
            self.fail(f"axes {list(self.axes)} are not one run of adjacent axes (as TFLM)")
        _expect(self, ctx.outputs[0], x.shape)
        # read backwards along the reversed axes, from their last element
        xs = byte_strides(x.shape, x.dtype.itemsize)
        self.native = native_strided_copy(
            ctx, x, ctx.outputs[0], x.shape,
            [-s if a in self.axes else s for a, s in enumerate(xs)], xs,
            in_offset=sum((x.shape[a] - 1) * xs[a] for a in self.axes))

    def eval(self, inputs, outputs):
        outputs[0][...] = np.flip(inputs[0], self.axes)


def _native_block_transpose(ctx, x, y, shape6):
    """DEPTH_TO_SPACE and SPACE_TO_DEPTH: the input seen as ``shape6`` with its axes 2 and 3
    swapped, as one strided copy."""
    xs = byte_strides(shape6, x.dtype.itemsize)
    order = (0, 1, 3, 2, 4, 5)
    counts = [shape6[a] for a in order]
    return native_strided_copy(ctx, x, y, counts, [xs[a] for a in order],
                               byte_strides(counts, y.dtype.itemsize))


@register("DEPTH_TO_SPACE")
class DepthToSpace(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x = ctx.inputs[0]
        bs = self.options["block_size"]
        if len(x.shape) != 4 or bs < 1 or x.shape[3] % (bs * bs):
            self.fail(f"needs a 4-D input with depth divisible by {bs}^2")
        n, h, w, c = x.shape
        self.shapes = (n, h, w, bs, bs, c // (bs * bs))
        _expect(self, ctx.outputs[0], (n, h * bs, w * bs, c // (bs * bs)))
        self.native = _native_block_transpose(ctx, x, ctx.outputs[0], self.shapes)

    def eval(self, inputs, outputs):
        n, h, w, b1, b2, c = self.shapes
        v = inputs[0].reshape(n, h, w, b1, b2, c).transpose(0, 1, 3, 2, 4, 5)
        outputs[0][...] = v.reshape(outputs[0].shape)


@register("SPACE_TO_DEPTH")
class SpaceToDepth(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x = ctx.inputs[0]
        bs = self.options["block_size"]
        if len(x.shape) != 4 or bs < 1 or x.shape[1] % bs or x.shape[2] % bs:
            self.fail(f"needs a 4-D input with height and width divisible by {bs}")
        n, h, w, c = x.shape
        self.shapes = (n, h // bs, bs, w // bs, bs, c)
        _expect(self, ctx.outputs[0], (n, h // bs, w // bs, c * bs * bs))
        self.native = _native_block_transpose(ctx, x, ctx.outputs[0], self.shapes)

    def eval(self, inputs, outputs):
        v = inputs[0].reshape(self.shapes).transpose(0, 1, 3, 2, 4, 5)
        outputs[0][...] = v.reshape(outputs[0].shape)


@register("BROADCAST_TO")
class BroadcastTo(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        shape = _const_ints(self, ctx.inputs[1], "shape")
        try:
            np.broadcast_shapes(ctx.inputs[0].shape, tuple(shape))
        except ValueError:
            self.fail(f"{list(ctx.inputs[0].shape)} does not broadcast to {shape}")
        _expect(self, ctx.outputs[0], shape)
        # the input's strides, 0 along the dimensions it is repeated in
        x, y = ctx.inputs[0], ctx.outputs[0]
        padded = (1,) * (len(shape) - len(x.shape)) + tuple(x.shape)
        xs = byte_strides(padded, x.dtype.itemsize)
        if x.dtype == y.dtype and len(x.shape) <= len(shape):
            self.native = native_strided_copy(
                ctx, x, y, shape, [0 if d == 1 else s for d, s in zip(padded, xs)],
                byte_strides(shape, y.dtype.itemsize))

    def eval(self, inputs, outputs):
        outputs[0][...] = inputs[0]


@register("FILL")
class Fill(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64", "bool")

    def prepare(self, ctx):
        _expect(self, ctx.outputs[0], _const_ints(self, ctx.inputs[0], "dims"))
        if ctx.inputs[1].dtype != ctx.outputs[0].dtype or int(np.prod(ctx.inputs[1].shape)) != 1:
            self.fail("value must be one value of the output's type")

    def eval(self, inputs, outputs):
        outputs[0][...] = inputs[1].reshape(-1)[0]


@register("SHAPE")
class Shape(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        y = ctx.outputs[0]
        if y.dtype not in (np.int32, np.int64):
            self.fail("output must be int32 or int64")
        _expect(self, y, (len(ctx.inputs[0].shape),))
        self.value = np.array(ctx.inputs[0].shape, y.dtype)

    def eval(self, inputs, outputs):
        outputs[0][...] = self.value


class _ArgMinMax(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")
    fn = None

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        (axis,) = _const_ints(self, ctx.inputs[1], "axis")[:1] or [0]
        self.axis = _axis(self, axis, len(x.shape))
        if y.dtype != np.int32:
            self.fail("output must be int32 (tflite-micro fails on int64 outputs)")
        _expect(self, y, x.shape[:self.axis] + x.shape[self.axis + 1:])

    def eval(self, inputs, outputs):
        outputs[0][...] = type(self).fn(inputs[0], axis=self.axis)   # first of equal values


register("ARG_MAX")(type("ArgMax", (_ArgMinMax,), {"fn": staticmethod(np.argmax)}))
register("ARG_MIN")(type("ArgMin", (_ArgMinMax,), {"fn": staticmethod(np.argmin)}))


@register("GATHER_ND")
class GatherNd(Kernel):
    """Slices picked by index rows, as TFLM: each row's flat position sum index[d] x (values per
    step of axis d) is checked against the whole input only, not index by index."""
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        x, idx = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if idx.dtype != np.int32 or not idx.shape or idx.shape[-1] > len(x.shape):
            self.fail("indices must be int32 with a last dimension no larger than the rank")
        self.depth = idx.shape[-1]
        _expect(self, y, idx.shape[:-1] + x.shape[self.depth:])
        numel = lambda dims: int(np.prod(dims, dtype=np.int64))        # noqa: E731
        self.counts = np.array([numel(x.shape[d + 1:]) for d in range(self.depth)], np.int64)
        self.slice = numel(x.shape[self.depth:])
        self.flat = numel(x.shape)
        self.native = native_gather_nd(ctx, self, x, idx, y)

    def eval(self, inputs, outputs):
        start = inputs[1].reshape(-1, self.depth).astype(np.int64) @ self.counts
        if start.size and ((start < 0).any() or (start > self.flat - self.slice).any()):
            self.fail("an index is out of range")
        rows = inputs[0].reshape(-1)[start[:, None] + np.arange(self.slice)]
        outputs[0].reshape(rows.shape)[...] = rows


@prepares_native
def native_gather_nd(ctx, gather, x, idx, y):
    """GATHER_ND in the compiled core: TFLM's slice copies and flat bounds check."""
    return ctx.native_node("gather_nd", keep=(gather.counts,), inputs=("input", "indices"),
                           counts=gather.counts, n_slices=int(np.prod(idx.shape[:-1])),
                           slice_elems=gather.slice, flat_elems=gather.flat,
                           depth=gather.depth, elem_bytes=np.dtype(y.dtype).itemsize)


@register("EMBEDDING_LOOKUP")
class EmbeddingLookup(Kernel):
    """Rows of the value table picked by id. int8 values with a float32 output are the hybrid
    lookup: each row dequantized with the values' scale (zero point 0), as TFLM does."""
    dtypes = ("float32", "int8", "hybrid")

    def prepare(self, ctx):
        ids, table = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if ids.dtype != np.int32 or len(ids.shape) != 1:
            self.fail("lookup ids must be a 1-D int32 tensor")
        if len(table.shape) < 2:
            self.fail(f"values must have at least 2 dimensions, got {list(table.shape)}")
        self.scale = None
        if table.dtype == np.int8 and y.dtype == np.float32:
            q = table.quantization
            if q is None or int(q.zero_point[0]) != 0:
                self.fail("int8 values looked up into float32 need zero point 0")
            self.scale = np.float32(q.scale[0])
        elif table.dtype != y.dtype or table.dtype not in (np.float32, np.int8):
            self.fail(f"values are {table.dtype} and the output {y.dtype}: supported are float32, "
                      "int8, and int8 values with a float32 output")
        _expect(self, y, ids.shape + table.shape[1:])
        self.rows = table.shape[0]
        if self.scale is None:
            # a GATHER of whole rows (an id outside the table fails the node)
            row_bytes = int(np.prod(table.shape[1:], dtype=np.int64)) * table.dtype.itemsize
            self.native = _native_rows(ctx, ids.shape[0], self.rows, row_bytes)

    def eval(self, inputs, outputs):
        ids = inputs[0]
        if ids.size and (ids.min() < 0 or ids.max() >= self.rows):
            self.fail(f"an id is outside [0, {self.rows})")
        rows = np.take(inputs[1], ids, axis=0)
        if self.scale is None:
            outputs[0][...] = rows
        else:
            np.multiply(rows, self.scale, out=outputs[0], dtype=np.float32)


@register("BROADCAST_ARGS")
class BroadcastArgs(Kernel):
    dtypes = ("int32", "int64")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        if not (a.dtype == b.dtype == y.dtype) or a.dtype not in (np.int32, np.int64):
            self.fail("shapes must be int32 or int64, all alike")
        _expect(self, y, (max(int(np.prod(a.shape)), int(np.prod(b.shape))),))

    def eval(self, inputs, outputs):
        try:
            outputs[0][...] = np.broadcast_shapes(tuple(int(v) for v in inputs[0]),
                                                  tuple(int(v) for v in inputs[1]))
        except ValueError:
            self.fail("the shapes do not broadcast")
