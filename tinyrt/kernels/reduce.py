"""MEAN and SUM: float32 (summed in input order, as TFLM), int8 and int16 (int32 sum, one
requantization whose multiplier absorbs the 1/count for MEAN, as TFLM's QuantizedMeanOrSum).
REDUCE_MAX and REDUCE_MIN: float32, and int8/int16 with the input's quantization."""
import numpy as np

from .. import quant
from ..native.core import OutOfRange, prepares_native, requantization
from ..native.walk import reduce_walk
from .base import Kernel, register
from .common import clip


@prepares_native
def native_reduce(ctx, axes, outputs, mean, count, zx=0, requant=None, lo=0, hi=0):
    """The reduce_f32 or reduce_s8 node summing ``count`` inputs into each of ``outputs``
    (MEAN divides; int8 requantizes with ``requant``)."""
    x = ctx.inputs[0]
    if count <= 0 or outputs <= 0 or x.dtype not in (np.float32, np.int8):
        raise OutOfRange("not a reduction the C kernels take")
    rank, geometry = reduce_walk(x.shape, axes)
    io = dict(inputs=("input", None), geometry=geometry, rank=rank, out_size=outputs)
    if x.dtype == np.float32:
        acc = np.zeros(outputs, np.float32)
        ctx.workspace(acc.nbytes, "MEAN accumulators")
        return ctx.native_node("reduce_f32", keep=(geometry, acc), acc=acc, mean=int(mean),
                               count=np.float32(count), **io)
    m, left, right = requantization(requant.multiplier, requant.shift, 1)
    acc = np.zeros(outputs, np.uint32)
    ctx.workspace(acc.nbytes, "MEAN accumulators")
    offset = (zx * count + (1 << 31)) % (1 << 32) - (1 << 31)      # wrapped as int32
    return ctx.native_node("reduce_s8", keep=(geometry, acc), acc=acc, offset=offset,
                           multiplier=m[0], left=left[0], right=right[0],
                           output_zp=int(requant.offset), act_min=lo, act_max=hi, **io)


@register("MEAN")
class Mean(Kernel):
    dtypes = ("float32", "int8", "int16")
    mean = True

    def prepare(self, ctx):
        x, axis_t = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        rank = len(x.shape)
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int16):
            self.fail(f"unsupported types: input {x.dtype}, output {y.dtype}")
        if axis_t is None or axis_t.data is None:
            self.fail("axis must be a constant tensor")
        axes = []
        for a in np.asarray(axis_t.data).reshape(-1):
            a = int(a) + rank if int(a) < 0 else int(a)
            if not 0 <= a < rank:
                self.fail(f"axis {int(a)} is out of range for rank {rank}")
            if a not in axes:
                axes.append(a)
        keep = [d for d in range(rank) if d not in axes]
        out_shape = tuple(1 if d in axes else x.shape[d] for d in range(rank)) \
            if self.options["keep_dims"] else tuple(x.shape[d] for d in keep)
        if int(np.prod(out_shape)) != int(np.prod(y.shape)):
            self.fail(f"output shape {list(y.shape)} should be {list(out_shape)}")
        self.perm = keep + sorted(axes)
        self.count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        self.kept = tuple(x.shape[d] for d in keep)
        self.float = x.dtype == np.float32
        outputs = int(np.prod(self.kept, dtype=np.int64))
        if self.float:
            if type(self) in (Mean, Sum):
                self.native = native_reduce(ctx, axes, outputs, self.mean, self.count)
            return
        if x.quantization is None or y.quantization is None:
            self.fail("quantized MEAN needs quantization parameters")
        m, s = quant.quantize_multiplier(float(x.quantization.scale[0])
                                         / float(y.quantization.scale[0]))
        n = self.count
        if n > 0 and self.mean:
            shift = min(n.bit_length() - 1, 32, 31 + s)
            m = ((m << shift) // n) if shift >= 0 else m
            s = s - shift
        self.zx = int(x.quantization.zero_point[0])
        self.requant = quant.Requantizer(m, s, int(y.quantization.zero_point[0]))
        self.range = quant.dtype_range(y.dtype)
        ctx.request_scratch(4 * int(np.prod(y.shape)))   # TFLM's int32 accumulator
        if type(self) in (Mean, Sum):
            self.native = native_reduce(ctx, axes, outputs, self.mean, self.count, self.zx,
                                        self.requant, *self.range)

    def eval(self, inputs, outputs):
        x = inputs[0].transpose(self.perm).reshape(self.kept + (self.count,))
        out = outputs[0].reshape(self.kept)
        if self.float:
            total = np.add.accumulate(x, axis=-1, dtype=np.float32)[..., -1] if self.count \
                else np.zeros(self.kept, np.float32)
            total += np.float32(0)      # TFLM's sums start from +0.0 (all -0.0 sum to +0.0)
            out[...] = total / np.float32(self.count) if self.mean else total
            return
        total = x.sum(axis=-1, dtype=np.int64)
        # the int32 sum wraps as in C before the zero point is taken off
        shifted = (total - self.zx * self.count).astype(np.int32).astype(np.int64)
        clip(self.requant(shifted), *self.range, out=out, casting="unsafe")


@register("SUM")
class Sum(Mean):
    mean = False


class _ReduceExtreme(Mean):
    fn = None

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.float32 and (x.quantization is None or y.quantization is None or
                                      float(x.quantization.scale[0]) != float(y.quantization.scale[0]) or
                                      int(x.quantization.zero_point[0]) != int(y.quantization.zero_point[0])):
            self.fail("quantized input and output must share scale and zero point")
        super().prepare(ctx)
        if self.count == 0:
            self.fail("cannot reduce an empty axis")

    def eval(self, inputs, outputs):
        x = inputs[0].transpose(self.perm).reshape(self.kept + (self.count,))
        outputs[0].reshape(self.kept)[...] = type(self).fn(x, axis=-1)


@register("REDUCE_MAX")
class ReduceMax(_ReduceExtreme):
    fn = staticmethod(np.max)


@register("REDUCE_MIN")
class ReduceMin(_ReduceExtreme):
    fn = staticmethod(np.min)


@register("REDUCE_ALL")
class ReduceAll(Kernel):
    dtypes = ("bool",)

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.bool_ or y.dtype != np.bool_:
            self.fail("input and output must be bool")
        rank = len(x.shape)
        axes = sorted({int(a) + rank if int(a) < 0 else int(a)
                       for a in np.asarray(ctx.inputs[1].data).reshape(-1)}) \
            if ctx.inputs[1].data is not None else self.fail("axis must be constant")
        if any(not 0 <= a < rank for a in axes):
            self.fail("axis out of range")
        self.axes = tuple(axes)
        kept = [1 if d in axes else x.shape[d] for d in range(rank)] if self.options["keep_dims"] \
            else [x.shape[d] for d in range(rank) if d not in axes]
        if tuple(kept) != tuple(y.shape):
            self.fail(f"output shape {list(y.shape)} should be {kept}")

    def eval(self, inputs, outputs):
        np.all(inputs[0], axis=self.axes, keepdims=self.options["keep_dims"], out=outputs[0])
