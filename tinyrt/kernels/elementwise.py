"""DIV, MAXIMUM, MINIMUM, FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE (element-wise binary ops
with broadcasting) and ADD_N."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import activation, check_broadcast, clip, same_types


@register("DIV")
class Div(Kernel):
    dtypes = ("float32", "int32")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int32))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.float = dt == np.float32
        self.lo, self.hi = (quant.activation_range_float(act) if self.float
                            else quant.activation_range_int(act, dt))

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.float:
            clip(a / b, self.lo, self.hi, out=outputs[0])
            return
        if not b.all():
            # C integer division by zero traps on the device; say so instead.
            self.fail("integer division by zero")
        q = np.abs(a) // np.abs(b)            # C division truncates towards zero
        q = np.where((a < 0) != (b < 0), -q, q)
        clip(q, self.lo, self.hi, out=outputs[0], casting="unsafe")


class _MinMax(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64")
    fn = None

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32, np.int64))
        check_broadcast(self, a, b, y)

    def eval(self, inputs, outputs):
        type(self).fn(inputs[0], inputs[1], out=outputs[0])


@register("MAXIMUM")
class Maximum(_MinMax):
    fn = staticmethod(np.maximum)


@register("MINIMUM")
class Minimum(_MinMax):
    fn = staticmethod(np.minimum)


class _FloorOp(Kernel):
    dtypes = ("float32",)        # tflite-micro's FLOOR_DIV / FLOOR_MOD take float32 only

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        same_types(self, [a, b, y], (np.float32,))
        check_broadcast(self, a, b, y)

    def eval(self, inputs, outputs):
        outputs[0][...] = self.compute(*inputs)


@register("FLOOR_DIV")
class FloorDiv(_FloorOp):
    def compute(self, a, b):
        return np.floor(a / b)


@register("FLOOR_MOD")
class FloorMod(_FloorOp):
    def compute(self, a, b):
        # TFLM: the truncated remainder, moved by b when the signs differ
        r = np.fmod(a, b)
        return np.where((r != 0) & ((b < 0) != (r < 0)), r + b, r)


@register("SQUARED_DIFFERENCE")
class SquaredDifference(Kernel):
    """float32, int32, and int8 / int16 through TFLM's rescaling (inputs to a common scale with a
    left shift of 7 (int8) or 0 (int16), difference squared, requantized)."""
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32))
        check_broadcast(self, a, b, y)
        self.quantized = dt in (np.int8, np.int16)
        if not self.quantized:
            return
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized inputs and output need quantization parameters")
        sa, sb, so = (t.quantization.scale[0] for t in (a, b, y))
        self.left = 7 if dt == np.int8 else 0
        twice = 2.0 * float(max(sa, sb))
        self.qa = quant.Requantizer(*quant.quantize_multiplier(float(sa) / twice))
        self.qb = quant.Requantizer(*quant.quantize_multiplier(float(sb) / twice))
        # the C code multiplies 1 << 2*left by the float scale in float
        den = float(np.float32(1 << (2 * self.left)) * np.float32(so))
        self.qo = quant.Requantizer(*quant.quantize_multiplier(twice * twice / den),
                                    offset=int(y.quantization.zero_point[0]))
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        self.range = quant.dtype_range(dt)

    def eval(self, inputs, outputs):
        if not self.quantized:
            d = np.subtract(inputs[0], inputs[1])
            np.multiply(d, d, out=outputs[0])
            return
        sa = self.qa((inputs[0].astype(np.int64) - self.za) << self.left)
        sb = self.qb((inputs[1].astype(np.int64) - self.zb) << self.left)
        d = sa - sb
        clip(self.qo(d * d), *self.range, out=outputs[0], casting="unsafe")


@register("ADD_N")
class AddN(Kernel):
    dtypes = ("float32", "int32")

    def prepare(self, ctx):
        same_types(self, list(ctx.inputs) + [ctx.outputs[0]], (np.float32, np.int32))
        if any(t.shape != ctx.outputs[0].shape for t in ctx.inputs):
            self.fail("all inputs must have the output's shape")

    def eval(self, inputs, outputs):
        out = outputs[0]
        out[...] = inputs[0]
        for x in inputs[1:]:      # in input order, as TFLM adds them
            out += x
