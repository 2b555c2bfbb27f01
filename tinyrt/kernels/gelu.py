"""GELU, which TFLM's pip build lacks: float32, int8 and int16 as TensorFlow Lite's reference
kernel (the oracle here is LiteRT with its reference op resolver).

int8 is a 256-entry table filled in prepare exactly as LiteRT fills it (dequantize in float32,
transform, round, requantize); int16 is LiteRT's 513-entry interpolated table; float32
evaluates the same transform vectorised.
"""
import math

import numpy as np

from .. import quant
from .base import Kernel, register

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _erf(x):
    """erf in float64, vectorised (Abramowitz & Stegun 7.1.26: |error| < 1.5e-7)."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def gelu_float(x, approximate):
    x = np.asarray(x, np.float32)
    if approximate:
        f = np.float32
        inner = f(SQRT_2_OVER_PI) * (x + f(0.044715) * x * x * x)
        t = np.tanh(inner.astype(np.float64)).astype(np.float32)
        return f(0.5) * x * (f(1) + t)
    e = _erf(x.astype(np.float64) * math.sqrt(0.5)).astype(np.float32)
    return np.float32(0.5) * x * (np.float32(1) + e)


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
            return
        if x.quantization is None or y.quantization is None:
            self.fail(f"{self.kind} GELU needs quantization parameters")
        if self.approximate:
            def transform(d):
                return gelu_float(d, True)
        else:
            def transform(d):  # exact erf per table sample (at most 1537 values), once
                return np.array([np.float32(0.5) * v * (np.float32(1) + np.float32(
                    math.erf(float(v) * math.sqrt(0.5)))) for v in d], np.float32)
        make = quant.int8_lookup_table if self.kind == "int8" else quant.int16_lookup_table
        self.lut = make(transform, x.quantization.scale[0], int(x.quantization.zero_point[0]),
                        y.quantization.scale[0], int(y.quantization.zero_point[0]))

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.kind == "float32":
            outputs[0][...] = gelu_float(x, self.approximate)
        elif self.kind == "int8":
            np.take(self.lut, x.astype(np.intp) + 128, out=outputs[0])
        else:
            outputs[0][...] = quant.int16_lookup(x, self.lut)
