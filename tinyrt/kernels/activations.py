"""LOGISTIC and TANH: float32, int8 (gemmlowp fixed point, as TFLM's reference) and int16
(TFLite's interpolated sigmoid table, reference_integer_ops).

A quantized input has 256 (int8) or 65536 (int16) values, so prepare evaluates the exact
fixed-point function on all of them and eval is one table lookup.
"""
import math

import numpy as np

from .. import libm, quant
from ..int16_activations import (INT16_MIN, checked_log2, int16_logistic, int16_table, int16_tanh,
                                log2_is_integer)
from ..native.elementwise import native_lookup, native_unary_f32
from .base import Kernel, register
from .common import clip

INPUT_INTEGER_BITS = 4
# int16: the table functions read Q3.12 inputs and write Q0.15 outputs
INT16_INPUT_INTEGER_BITS = 3
INT16_OUTPUT_FRACTIONAL_BITS = 15


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


def _int16_input_rescale(scale, pot_shifts):
    """TFLM's int16 LOGISTIC/TANH input scaling, as (multiplier, left shift) for the int16 table
    functions. A power-of-two scale whose shift to Q3.12 is in ``pot_shifts`` gets multiplier 0
    (the functions then multiply by 3 << shift); any other scale gets a multiplier to the
    functions' internal input scale 1 / (3 * 4096), widened to just above 2^14 by doubling
    (and shifting back) at most 31 times, then truncated."""
    if log2_is_integer(scale):
        shift = 15 - INT16_INPUT_INTEGER_BITS + checked_log2(scale)
        if shift in pot_shifts:
            return 0, shift
    multiplier, shift = float(scale) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        multiplier *= 2.0
        shift += 1
    return int(multiplier), shift


# C's float exp as tflite-micro's build computes it (one implementation for every kernel)
expf = libm.expf


class _Sigmoidal(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape:
            self.fail(f"output must match the input ({x.dtype} {list(x.shape)})")
        self.float = x.dtype == np.float32
        if self.float:
            self.native = native_unary_f32(ctx, self.node.op_name)
            return
        if x.dtype not in (np.int8, np.int16):
            self.fail(f"type {x.dtype} is not supported")
        if x.quantization is None or y.quantization is None:
            self.fail("quantized input and output need quantization parameters")
        if x.dtype == np.int16:
            self.prepare_int16(x, y)
            self.native = native_lookup(ctx, self.lut, self.offset)
            return
        self.check_output(y)
        m, shift, radius = _int8_input_rescale(x.quantization.scale[0])
        zx = int(x.quantization.zero_point[0])
        values = np.arange(-128, 128, dtype=np.int64) - zx
        inside = quant.multiply_by_quantized_multiplier(values, m, shift)
        table = self.table(inside)
        table = np.where(values <= -radius, -128, np.where(values >= radius, 127, table))
        self.lut = table.astype(np.int8)
        self.offset = 128
        self.native = native_lookup(ctx, self.lut, self.offset)

    def prepare_int16(self, x, y):
        # The fixed-point functions know neither zero points nor other output scales.
        if int(x.quantization.zero_point[0]) != 0 or int(y.quantization.zero_point[0]) != 0:
            self.fail("int16 input and output must have zero point 0")
        out_scale = float(y.quantization.scale[0])
        if not (log2_is_integer(out_scale)
                and checked_log2(out_scale) == -INT16_OUTPUT_FRACTIONAL_BITS):
            self.fail(f"int16 output scale must be 2^-{INT16_OUTPUT_FRACTIONAL_BITS}, "
                      f"not {out_scale}")
        scale = float(x.quantization.scale[0])
        # TFLM accepts these, but its result then comes from undefined C arithmetic
        # (a float-to-int cast out of range, or a shift into the sign bit).
        if not (math.isfinite(scale) and scale > 0):
            self.fail(f"int16 input scale must be positive, not {scale}")
        multiplier, shift = _int16_input_rescale(scale, self.int16_pot_shifts)
        if multiplier > quant.INT32_MAX:
            self.fail(f"int16 input scale {scale} is too large")
        self.lut = int16_table(self.int16_fn, multiplier, shift)
        self.offset = -INT16_MIN

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.float:
            outputs[0][...] = self.float_fn(x)
            return
        np.take(self.lut, x.astype(np.intp) + self.offset, out=outputs[0])


@register("LOGISTIC")
class Logistic(_Sigmoidal):
    int16_fn = staticmethod(int16_logistic)
    int16_pot_shifts = (0,)

    def check_output(self, y):
        # TFLM checks only the zero point; its outputs are in 1/256 units whatever the scale says
        if int(y.quantization.zero_point[0]) != -128:
            self.fail("int8 output must have zero point -128")

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
    int16_fn = staticmethod(int16_tanh)
    # TFLM's TANH skips the multiplier for Q3.12 and Q4.11 inputs, LOGISTIC for Q3.12 only
    int16_pot_shifts = (0, 1)

    def check_output(self, y):
        """TFLM checks nothing: its outputs are in 1/128 units around 0 whatever the output
        quantization says, and so are these."""

    def table(self, q4):
        r = quant.rounding_divide_by_pot(quant.tanh_fixed(q4, INPUT_INTEGER_BITS), 24)
        return clip(r, -128, 127)

    @staticmethod
    def float_fn(x):
        return libm.tanhf(x)
