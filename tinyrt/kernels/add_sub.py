"""ADD and SUB: float32, int32, and int8 / int16 through TFLM's general rescaling path (both
inputs brought to a common scale with a left shift of 20 bits (int8) or 15 (int16), summed,
then requantized). Broadcasting as numpy (TFLM broadcasts the same way, up to 6-D). Int32 ADD
wraps and, as TFLM's, ignores its fused activation. In the compiled core: binary_f32,
binary_s8 (int8 through the pair table), binary_s16 and binary_s32 (int32 ADD)."""
import numpy as np

from .. import quant
from ..native.elementwise import native_binary, native_binary_s16
from .base import Kernel, register
from .common import Int8PairTable, activation, check_broadcast, clamp_range, clip, same_types


class _AddSub(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "int64")
    sign = 1
    pairs = None          # the int8 pair table

    def prepare(self, ctx):
        a, b = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        dt = same_types(self, [a, b, y], (np.float32, np.int8, np.int16, np.int32, np.int64))
        check_broadcast(self, a, b, y)
        act = activation(self.options)
        self.kind = dt.name
        if dt == np.float32:
            self.lo, self.hi = quant.activation_range_float(act)
            self.native = native_binary(ctx, self.node.op_name, self.lo, self.hi)
            return
        if dt == np.int32 and self.sign > 0:
            # TFLM's int32 ADD ignores the fused activation
            self.lo, self.hi = quant.dtype_range(dt)
            self.native = native_binary(ctx, "ADD", self.lo, self.hi)
            return
        if dt in (np.int32, np.int64):
            self.lo, self.hi = quant.activation_range_int(act, dt)
            return
        if any(t.quantization is None for t in (a, b, y)):
            self.fail("quantized inputs and output need quantization parameters")
        sa, sb, so = (t.quantization.scale[0] for t in (a, b, y))
        self.za = int(a.quantization.zero_point[0])
        self.zb = int(b.quantization.zero_point[0])
        left = 15 if dt == np.int16 else 20
        # Ratios in double: the seanet SUB goldens (and tflite-micro) need it, although
        # sub_common.cc reads as if SUB divided in float.
        twice = 2 * float(max(sa, sb))
        ra, rb = float(sa) / twice, float(sb) / twice
        ro = twice / ((1 << left) * float(so))
        if not (0 < ro < 1 and 0 < ra < 1 and 0 < rb < 1):
            # TFLM's QuantizeMultiplierSmallerThanOneExp aborts the program on these
            self.fail(f"input scales {float(sa)}, {float(sb)} and output scale {float(so)} "
                      f"give a multiplier of {ro} (input ones {ra}, {rb}); TFLM needs them "
                      "all in (0, 1) and aborts otherwise")
        self.left = left
        self.qa = quant.Requantizer(*quant.quantize_multiplier(ra))
        self.qb = quant.Requantizer(*quant.quantize_multiplier(rb))
        self.qo = quant.Requantizer(*quant.quantize_multiplier(ro),
                                    offset=int(y.quantization.zero_point[0]))
        self.lo, self.hi = clamp_range(act, y)
        self.pairs = Int8PairTable(self._quantized) if dt == np.int8 else None
        self.native = native_binary(ctx, self.node.op_name, pairs=self.pairs) if self.pairs \
            else native_binary_s16(ctx, self.node.op_name, self.za, self.zb, self.lo, self.hi,
                                   self.qo, self.qa, self.qb, left)

    def _quantized(self, a, b):
        """TFLM's integer path on int64 input values."""
        sa = self.qa((a - self.za) << self.left)
        sb = self.qb((b - self.zb) << self.left)
        return np.clip(self.qo(sa + sb if self.sign > 0 else sa - sb), self.lo, self.hi)

    def eval(self, inputs, outputs):
        a, b = inputs
        kind = self.kind
        if self.pairs is not None:
            self.pairs(a, b, outputs[0])
            return
        if kind == "float32":
            r = a + b if self.sign > 0 else a - b
            clip(r, self.lo, self.hi, out=outputs[0])
            return
        if kind in ("int32", "int64"):
            r = np.add(a, b) if self.sign > 0 else np.subtract(a, b)  # wraps as C does
            clip(r, self.lo, self.hi, out=outputs[0])
            return
        r = self._quantized(a.astype(np.int64), b.astype(np.int64))
        np.copyto(outputs[0], r, casting="unsafe")


@register("ADD")
class Add(_AddSub):
    sign = 1


@register("SUB")
class Sub(_AddSub):
    sign = -1
