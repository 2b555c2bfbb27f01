"""MEAN and SUM: float32 (summed in input order, as TFLM), int8 and int16 (int32 sum, one
requantization whose multiplier absorbs the 1/count for MEAN, as TFLM's QuantizedMeanOrSum).
REDUCE_MAX and REDUCE_MIN: float32, and int8/int16 with the input's quantization."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import clip


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
        if self.float:
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

    def eval(self, inputs, outputs):
        x = inputs[0].transpose(self.perm).reshape(self.kept + (self.count,))
        out = outputs[0].reshape(self.kept)
        if self.float:
            # + 0.0: TFLM's sum starts from +0.0, so an all-(-0.0) input sums to +0.0
            total = np.add.accumulate(x, axis=-1, dtype=np.float32)[..., -1] + np.float32(0) \
                if self.count else np.zeros(self.kept, np.float32)
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
