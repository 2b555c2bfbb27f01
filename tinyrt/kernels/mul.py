"""MUL: float32, int32 (wrapping, then the activation clamp), and int8 / int16 (product of
offset inputs, requantized by s1 * s2 / s_out). In the compiled core: binary_f32, mul_s8 (or
binary_s8's pair table), binary_s16 and binary_s32."""
import numpy as np

from .. import quant
from ..native.core import OutOfRange, prepares_native, requantization
from ..native.elementwise import native_binary, native_binary_s16
from ..native.walk import broadcast_walk
from .base import Kernel, register
from .common import (Int8PairTable, activation, check_broadcast, clamp_range, clip,
                     defined_shifts, same_types)


@prepares_native
def native_mul_s8(ctx, za, zb, requant, lo, hi):
    """The mul_s8 node of an int8 MUL: TFLM's arithmetic, vectorised where the core has
    SIMD; the portable core reads the pair table instead (the same bytes, faster there)."""
    if ctx.native.level == "portable":
        raise OutOfRange("the pair table is faster without SIMD")
    a, b, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
    rank, geometry = broadcast_walk(y.shape, a.shape, b.shape)
    m, left, right = requantization(requant.multiplier, requant.shift, 1)
    return ctx.native_node("mul_s8", keep=(geometry,), inputs=("input1", "input2"),
                           geometry=geometry, rank=rank, input1_offset=-za, input2_offset=-zb,
                           multiplier=m[0], left=left[0], right=right[0],
                           output_zp=int(requant.offset), act_min=lo, act_max=hi)


@register("MUL")
class Mul(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")
    pairs = None          # the int8 pair table

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.kind = dt.name
        if dt == np.float32:
            self.lo, self.hi = quant.activation_range_float(act)
            self.native = native_binary(ctx, "MUL", self.lo, self.hi)
            return
        if dt == np.int32:
            self.lo, self.hi = quant.activation_range_int(act, dt)
            self.native = native_binary(ctx, "MUL", self.lo, self.hi)
            return
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized inputs and output need quantization parameters")
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        if dt == np.int16 and (self.za or self.zb or int(y.quantization.zero_point[0])):
            self.fail("int16 MUL needs zero points of 0")
        real = (float(a.quantization.scale[0]) * float(b.quantization.scale[0])
                / float(y.quantization.scale[0]))
        self.requant = quant.Requantizer(*defined_shifts(self, *quant.quantize_multiplier(real)),
                                         offset=int(y.quantization.zero_point[0]))
        self.lo, self.hi = clamp_range(act, y)
        self.pairs = Int8PairTable(self._quantized) if dt == np.int8 else None
        if dt == np.int8:
            self.native = native_mul_s8(ctx, self.za, self.zb, self.requant, self.lo, self.hi) \
                or native_binary(ctx, "MUL", pairs=self.pairs)
        else:
            self.native = native_binary_s16(ctx, "MUL", self.za, self.zb, self.lo, self.hi,
                                            self.requant)

    def _quantized(self, a, b):
        """TFLM's integer path on int64 input values."""
        return np.clip(self.requant((a - self.za) * (b - self.zb)), self.lo, self.hi)

    def eval(self, inputs, outputs):
        a, b = inputs
        if self.kind in ("float32", "int32"):
            clip(np.multiply(a, b), self.lo, self.hi, out=outputs[0])
        elif self.pairs is not None:
            self.pairs(a, b, outputs[0])
        else:
            r = self._quantized(a.astype(np.int64), b.astype(np.int64))
            np.copyto(outputs[0], r, casting="unsafe")
