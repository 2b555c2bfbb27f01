"""LOGISTIC and TANH: float32 and int8 (gemmlowp fixed point, as TFLM's reference).

An int8 input has 256 values, so prepare evaluates the exact fixed-point function on all of them
and eval is one table lookup.
"""
import math

import numpy as np

from .. import libm, quant
from .base import Kernel, register
from .common import clip

INPUT_INTEGER_BITS = 4


def _int8_input_rescale(scale):
    """TFLM's int8 LOGISTIC/TANH input scaling: (multiplier, left shift, input radius)."""
    real = float(scale) * (1 << (31 - INPUT_INTEGER_BITS))
    q, shift = math.frexp(real)
    multiplier = int(quant.round_half_away(q * (1 << 31)))
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1)
                        * (1 << (31 - INPUT_INTEGER_BITS)) / (1 << shift)) if shift >= 0 else \
        math.floor(((1 << INPUT_INTEGER_BITS) - 1) * (1 << (31 - INPUT_INTEGER_BITS))
                   * (1 << -shift))
    return multiplier, shift, radius


# C's float exp as tflite-micro's build computes it (one implementation for every kernel)
expf = libm.expf


class _Sigmoidal(Kernel):
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape:
            self.fail(f"output must match the input ({x.dtype} {list(x.shape)})")
        self.float = x.dtype == np.float32
        if self.float:
            return
        if x.dtype != np.int8:
            self.fail(f"type {x.dtype} is not supported")
        if x.quantization is None or y.quantization is None:
            self.fail("quantized input and output need quantization parameters")
        self.check_output(y)
        m, shift, radius = _int8_input_rescale(x.quantization.scale[0])
        zx = int(x.quantization.zero_point[0])
        values = np.arange(-128, 128, dtype=np.int64) - zx
        inside = quant.multiply_by_quantized_multiplier(values, m, shift)
        table = self.table(inside)
        table = np.where(values <= -radius, -128, np.where(values >= radius, 127, table))
        self.lut = table.astype(np.int8)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.float:
            outputs[0][...] = self.float_fn(x)
            return
        np.take(self.lut, x.astype(np.intp) + 128, out=outputs[0])


@register("LOGISTIC")
class Logistic(_Sigmoidal):
    def check_output(self, y):
        if int(y.quantization.zero_point[0]) != -128 or float(y.quantization.scale[0]) != 1 / 256:
            self.fail("int8 output must have scale 1/256 and zero point -128")

    def table(self, q4):
        r = quant.rounding_divide_by_pot(quant.logistic_fixed(q4, INPUT_INTEGER_BITS), 23) - 128
        return clip(r, -128, 127)

    @staticmethod
    def float_fn(x):
        # TFLM: 1 above 16.619..., exp(x) below -9, else 1 / (1 + exp(-x)), in float32
        with np.errstate(over="ignore"):
            mid = np.float32(1) / (np.float32(1) + expf(-x))
            return np.where(x > np.float32(16.619047164916992), np.float32(1),
                            np.where(x < np.float32(-9), expf(x), mid))


@register("TANH")
class Tanh(_Sigmoidal):
    def check_output(self, y):
        if int(y.quantization.zero_point[0]) != 0 or float(y.quantization.scale[0]) != 1 / 128:
            self.fail("int8 output must have scale 1/128 and zero point 0")

    def table(self, q4):
        r = quant.rounding_divide_by_pot(quant.tanh_fixed(q4, INPUT_INTEGER_BITS), 24)
        return clip(r, -128, 127)

    @staticmethod
    def float_fn(x):
        return libm.tanhf(x)
