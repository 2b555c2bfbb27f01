"""MUL: float32, int32, and int8 / int16 (product of offset inputs, requantized by
s1 * s2 / s_out)."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import activation, check_broadcast, clamp_range, clip, same_types


@register("MUL")
class Mul(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.kind = dt.name
        if dt == np.float32:
            self.lo, self.hi = quant.activation_range_float(act)
            return
        if dt == np.int32:
            self.lo, self.hi = quant.activation_range_int(act, dt)
            return
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized inputs and output need quantization parameters")
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        if dt == np.int16 and (self.za or self.zb or int(y.quantization.zero_point[0])):
            self.fail("int16 MUL needs zero points of 0")
        real = (float(a.quantization.scale[0]) * float(b.quantization.scale[0])
                / float(y.quantization.scale[0]))
        self.requant = quant.Requantizer(*quant.quantize_multiplier(real),
                                         offset=int(y.quantization.zero_point[0]))
        self.lo, self.hi = clamp_range(act, y)

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.kind == "float32":
            clip(a * b, self.lo, self.hi, out=outputs[0])
            return
        if self.kind == "int32":
            clip(np.multiply(a, b), self.lo, self.hi, out=outputs[0])
            return
        r = self.requant((a.astype(np.int64) - self.za) * (b.astype(np.int64) - self.zb))
        clip(r, self.lo, self.hi, out=outputs[0], casting="unsafe")
