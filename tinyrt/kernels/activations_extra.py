"""ELU, HARD_SWISH and PRELU: float32 as TFLM's reference loops compute them, and the quantized
paths of TFLM's kernels (ELU int8 through TFLite's lookup table, HARD_SWISH int8 through its
16-bit fixed-point algorithm, PRELU int8 / int16 with two requantizations).

An int8 input has 256 values, so prepare evaluates ELU and HARD_SWISH on all of them and eval
is one table lookup.
"""
import numpy as np

from .. import libm, quant
from ..native.elementwise import native_lookup, native_unary_f32
from .base import Kernel, register
from .common import Int8TableKernel, clip


def _elu_table(x):
    """The transform of TFLite's int8 ELU table: expf(x) - 1 in float32 for negative x."""
    return np.where(x < 0, libm.expf(x) - np.float32(1), x)


def _elu_float(x):
    """TFLM's float ELU: expm1f for negative x."""
    return np.where(x < 0, libm.expm1f(x), x)


@register("ELU")
class Elu(Int8TableKernel, Kernel):
    """float32, and int8 through TFLite's lookup table of the float function."""
    dtypes = ("float32", "int8")
    float_fn = staticmethod(_elu_float)

    def prepare(self, ctx):
        super().prepare(ctx)
        if self.lut is not None:
            self.native = native_lookup(ctx, self.lut, 128)

    def make_table(self, xq, yq):
        return quant.int8_lookup_table(_elu_table, xq.scale[0], int(xq.zero_point[0]),
                                       yq.scale[0], int(yq.zero_point[0]))


@register("HARD_SWISH")
class HardSwish(Int8TableKernel, Kernel):
    """float32, and int8 through TFLM's 16-bit fixed-point algorithm (tabulated over the 256
    input values in prepare)."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        super().prepare(ctx)
        self.native = native_unary_f32(ctx, "HARD_SWISH") if self.lut is None else \
            native_lookup(ctx, self.lut, 128)

    @staticmethod
    def float_fn(x):
        # TFLM: in * min(6, max(0, in + 3)) / 6, in that order
        return x * np.minimum(np.float32(6), np.maximum(np.float32(0), x + np.float32(3))) \
            / np.float32(6)

    def make_table(self, xq, yq):
        table = _hard_swish_table(xq, yq)
        if table is None:
            self.fail("output scale too small for TFLM's HARD_SWISH (output exponent > 0)")
        return table


def _i16(v):
    return (int(v) + (1 << 15)) % (1 << 16) - (1 << 15)


def _srdhm16(a, b):
    if a == b == -(1 << 15):
        return (1 << 15) - 1
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    v = ab + nudge
    return _i16(abs(v) // (1 << 15) * (1 if v >= 0 else -1))


def _sdhm16(a, b):  # SaturatingDoublingHighMul: no rounding, C division
    if a == b == -(1 << 15):
        return (1 << 15) - 1
    ab = a * b
    return _i16(abs(ab) // (1 << 15) * (1 if ab >= 0 else -1))


def _sat_left16(v, amount):
    return max(min(v * (1 << amount), (1 << 15) - 1), -(1 << 15))


def _rdbpot(x, e):
    return int(quant.rounding_divide_by_pot(np.int64(x), e))


def _to_int16_multiplier(m32):
    """TFLM DownScaleInt32ToInt16Multiplier."""
    if m32 >= (1 << 31) - 1 - (1 << 15):
        return (1 << 15) - 1
    return (m32 + (1 << 15)) >> 16


def _hard_swish_table(qin, qout):
    f32 = np.float32
    in_scale, out_scale = f32(qin.scale[0]), f32(qout.scale[0])
    zx, zy = int(qin.zero_point[0]), int(qout.zero_point[0])
    hires = f32(1.0 / 128.0) * in_scale
    # the quotients in double, as tflite-micro's build rounds them (the source reads float)
    out_m32, out_exp = quant.quantize_multiplier(float(hires) / float(out_scale))
    rel_m32, rel_exp = quant.quantize_multiplier(float(hires) / float(f32(3.0 / 32768.0)))
    if out_exp > 0:
        return None
    out_m, rel_m = _to_int16_multiplier(out_m32), _to_int16_multiplier(rel_m32)
    table = []
    for q in range(-128, 128):
        v = _i16(q - zx)
        hires_v = _i16(v * (1 << 7))
        pre_out = _srdhm16(hires_v, out_m)
        r = hires_v
        if rel_exp > 0:
            r = _sat_left16(r, rel_exp - 1)
        r = _srdhm16(r, rel_m)
        if rel_exp > 0:
            r = _sat_left16(r, 1)
        if rel_exp < 0:
            r = _rdbpot(r, -rel_exp)
        r = _i16((r + (1 << 15)) >> 1)
        out = _i16(_rdbpot(_sdhm16(r, pre_out), -out_exp) + zy)
        table.append(min(max(out, -128), 127))
    return np.array(table, np.int8)


@register("PRELU")
class Prelu(Kernel):
    """float32; int8 and int16 (with int8 alpha) requantized as TFLM's reference."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, alpha = ctx.inputs[0], ctx.inputs[1]
        y = ctx.outputs[0]
        try:
            if np.broadcast_shapes(x.shape, alpha.shape) != tuple(y.shape):
                self.fail("input and alpha do not broadcast to the output")
        except ValueError:
            self.fail("input and alpha do not broadcast")
        self.float = x.dtype == np.float32
        if self.float:
            if not alpha.dtype == y.dtype == np.float32:
                self.fail("float32 input needs float32 alpha and output")
            return
        if x.dtype not in (np.int8, np.int16) or y.dtype != x.dtype or alpha.dtype != np.int8:
            self.fail(f"unsupported types: input {x.dtype}, alpha {alpha.dtype}, output {y.dtype}")
        if any(t.quantization is None for t in (x, alpha, y)):
            self.fail("quantized PRELU needs quantization parameters")
        sx, sa, sy = (float(t.quantization.scale[0]) for t in (x, alpha, y))
        self.zx = int(x.quantization.zero_point[0])
        self.za = int(alpha.quantization.zero_point[0])
        zy = int(y.quantization.zero_point[0])
        self.q1 = quant.Requantizer(*quant.quantize_multiplier(sx / sy), offset=zy)
        self.q2 = quant.Requantizer(*quant.quantize_multiplier(sx * sa / sy), offset=zy)
        self.range = quant.dtype_range(y.dtype)

    def eval(self, inputs, outputs):
        x, alpha = inputs[0], inputs[1]
        if self.float:
            outputs[0][...] = np.where(x >= 0, x, x * alpha)
            return
        v = x.astype(np.int64) - self.zx
        neg = self.q2(v * (alpha.astype(np.int64) - self.za))
        r = np.where(v >= 0, self.q1(v), neg)
        clip(r, *self.range, out=outputs[0], casting="unsafe")
