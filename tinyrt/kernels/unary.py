"""Element-wise math: ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, SIN, COS, EXP, LOG on
float32, and the quantized ABS (int8, int16) and RSQRT (int8, int16) of TFLM. SIN, COS, EXP and
LOG follow the C library's sinf, cosf, expf and logf (tinyrt.libm) to the bit."""
import math

import numpy as np

from .. import libm, quant
from ..native.elementwise import native_lookup, native_unary_f32
from .base import Kernel, register
from .common import clip, scale_of, zero_point_of


def _rsqrt(x):
    return np.float32(1) / np.sqrt(x)


def _round(x):
    """TFLM's RoundToNearest: halves to even, as numpy; but it returns floor(x) + 1 for
    x in [-0.5, 0), which is +0.0 where numpy gives -0.0 (only -0.0 itself stays -0.0)."""
    r = np.asarray(np.round(x))                 # an array even for a scalar x
    np.add(r, np.float32(0), out=r, where=x != 0)
    return r


_FUNCTIONS = {
    "NEG": np.negative, "CEIL": np.ceil, "FLOOR": np.floor,
    "ROUND": _round,
    "SQRT": np.sqrt, "SQUARE": np.square,
    "SIN": libm.sinf, "COS": libm.cosf, "EXP": libm.expf, "LOG": libm.logf,
}


class _Unary(Kernel):
    dtypes = ("float32",)
    fn = None

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != np.float32 or y.dtype != np.float32:
            self.fail(f"only float32 is supported, got {x.dtype} -> {y.dtype}")
        if x.shape != y.shape:
            self.fail(f"output shape {list(y.shape)} differs from input {list(x.shape)}")

    def eval(self, inputs, outputs):
        outputs[0][...] = type(self).fn(inputs[0])


for _name, _fn in _FUNCTIONS.items():
    register(_name)(type(_name.title(), (_Unary,), {"fn": staticmethod(_fn)}))


@register("ABS")
class Abs(Kernel):
    """float32; int8 and quantized int16 with requantization when the output scale differs;
    int16 without quantization parameters as plain integers (TFLM)."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int16) or \
                x.shape != y.shape:
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        # int16 |-32768| wraps to -32768 as the C cast does
        self.plain = x.dtype == np.float32 or (x.dtype == np.int16 and x.quantization is None)
        if self.plain:
            return
        if x.quantization is None or y.quantization is None:
            self.fail("quantized ABS needs quantization parameters")
        self.zx = int(x.quantization.zero_point[0])
        zy = int(y.quantization.zero_point[0])
        if x.dtype == np.int16 and (self.zx or zy):
            self.fail("int16 ABS needs zero points of 0")
        sx, sy = np.float32(x.quantization.scale[0]), np.float32(y.quantization.scale[0])
        self.zy = zy
        # the ratio of the scales in double (a float32 quotient is off by one on some int16
        # values next to a rounding boundary)
        self.requant = None if sx == sy else \
            quant.Requantizer(*quant.quantize_multiplier(float(sx) / float(sy)), offset=zy)
        self.range = quant.dtype_range(y.dtype)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.plain:
            np.abs(x, out=outputs[0])
            return
        v = np.abs(x.astype(np.int64) - self.zx)
        r = v + self.zy if self.requant is None else self.requant(v)
        clip(r, *self.range, out=outputs[0], casting="unsafe")


@register("RSQRT")
class Rsqrt(Kernel):
    """float32, and int8 / quantized int16 through TFLM's fixed-point inverse square root,
    tabulated in prepare over every input value that is not below the zero point."""
    dtypes = ("float32", "int8", "int16")
    K_SHIFT = 20        # TFLM keeps 1/sqrt(v) as an integer scaled by 2^20 in between

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape or \
                x.dtype not in (np.float32, np.int8, np.int16):
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.lut = None
        if x.dtype == np.float32:
            self.native = native_unary_f32(ctx, "RSQRT")
            return
        if x.quantization is None or y.quantization is None:
            # tflite-micro would run an unquantized int16 RSQRT with parameters never set
            self.fail(f"{x.dtype} RSQRT needs quantization parameters")
        self.zx, zy = zero_point_of(x), zero_point_of(y)
        if x.dtype == np.int16 and (self.zx or zy):
            self.fail("int16 RSQRT needs zero points of 0")
        sx, sy = np.float32(scale_of(x)), np.float32(scale_of(y))
        # 1 / (sqrt(input scale) * output scale), all in double as tflite-micro computes it
        m, s = quant.quantize_multiplier(1.0 / (math.sqrt(float(sx)) * float(sy)))
        lo, hi = quant.dtype_range(x.dtype)
        self.base = lo
        v = np.arange(lo, hi + 1, dtype=np.int64) - self.zx
        im, ish = quant.inv_sqrt_multiplier_exp(np.maximum(v, 1))
        data = quant.multiply_by_quantized_multiplier(np.ones_like(v), im, ish + self.K_SHIFT)
        out = quant.multiply_by_quantized_multiplier(data, m, s - self.K_SHIFT) + zy
        # values at the zero point give the largest output; those below it are refused in eval
        out = np.where(v == 0, hi, np.where(v < 0, 0, out))
        self.lut = np.clip(out, lo, hi).astype(x.dtype)
        # inputs below the zero point fail the op, as in eval
        self.native = native_lookup(ctx, self.lut, -lo, in_min=self.zx)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.lut is None:
            outputs[0][...] = _rsqrt(x)
            return
        if x.size and int(x.min()) < self.zx:
            self.fail("RSQRT is only defined for values not below the zero point")
        np.take(self.lut, x.astype(np.intp) - self.base, out=outputs[0])
