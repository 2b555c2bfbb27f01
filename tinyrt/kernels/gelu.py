"""GELU, which TFLM's pip build lacks: float32, int8 and int16 as TensorFlow Lite's reference
kernel (the oracle here is LiteRT with its reference op resolver).

int8 is a 256-entry table filled in prepare exactly as LiteRT fills it (dequantize in float32,
transform, round, requantize); int16 is LiteRT's 513-entry interpolated table; float32
evaluates the same transform vectorised.
"""
import math

import numpy as np

from .. import quant
from ..native.elementwise import native_lookup, native_unary_f32
from .base import Kernel, register

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# the C library's erfc in double, element by element: Python's math.erfc is that function, as
# the compiled core's GELU calls it, so both give the same bits
_erfc = np.frompyfunc(math.erfc, 1, 1)


def erfc(z):
    """erfc in float64, element by element (the C library's)."""
    return np.asarray(_erfc(np.asarray(z, np.float64)), np.float64)


def gelu_float(x, approximate):
    """LiteRT's float GELU. It evaluates tanh and erfc with Eigen's vectorised float
    approximations; here they are the C library's, in float64, rounded, which differs from
    LiteRT by a few ulps (the approximate form) or up to 8 ulps (the erfc form)."""
    f = np.float32
    x = np.asarray(x, f)
    if approximate:
        inner = f(SQRT_2_OVER_PI) * (x + f(0.044715) * x * x * x)
        t = np.tanh(inner.astype(np.float64)).astype(f)
        return f(0.5) * x * (f(1) + t)
    e = erfc((x * f(-math.sqrt(0.5))).astype(np.float64)).astype(f)
    return f(0.5) * x * e


@register("GELU")
class Gelu(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape or \
                x.dtype not in (np.float32, np.int8, np.int16):
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.approximate = bool(self.options["approximate"])
        self.kind = x.dtype.name
        if self.kind == "float32":
            # the same steps in C (double erfc and tanh from the C library)
            self.native = native_unary_f32(ctx, "GELU_TANH" if self.approximate else "GELU")
            return
        if x.quantization is None or y.quantization is None:
            self.fail(f"{self.kind} GELU needs quantization parameters")
        # LiteRT fills its tables with the same transforms, through the C library's tanhf and
        # erfcf
        def transform(d):
            return gelu_float(d, self.approximate)
        make = quant.int8_lookup_table if self.kind == "int8" else quant.int16_lookup_table
        self.lut = make(transform, x.quantization.scale[0], int(x.quantization.zero_point[0]),
                        y.quantization.scale[0], int(y.quantization.zero_point[0]))
        if self.kind == "int8":
            self.native = native_lookup(ctx, self.lut, 128)
        elif ctx.native is not None:
            # the interpolated int16 table read at every input value: one plain table for C
            every = np.arange(-(1 << 15), 1 << 15).astype(np.int16)
            self.native = native_lookup(ctx, quant.int16_lookup(every, self.lut).astype(np.int16),
                                        1 << 15)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.kind == "float32":
            outputs[0][...] = gelu_float(x, self.approximate)
        elif self.kind == "int8":
            np.take(self.lut, x.astype(np.intp) + 128, out=outputs[0])
        else:
            outputs[0][...] = quant.int16_lookup(x, self.lut)
