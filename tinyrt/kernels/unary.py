"""Element-wise float32 math: ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, SIN, COS, EXP,
LOG. Transcendentals are evaluated in float64 and rounded once to float32, which gives the
correctly rounded result that C's float functions return in all but rare cases."""
import numpy as np

from .. import quant
from .base import Kernel, register
from .common import clip


def _f64(fn):
    return lambda x: fn(x.astype(np.float64)).astype(np.float32)


def _rsqrt(x):
    return np.float32(1) / np.sqrt(x)


_FUNCTIONS = {
    "NEG": np.negative, "CEIL": np.ceil, "FLOOR": np.floor,
    "ROUND": np.round,            # TFLM rounds halves to even, as numpy does
    "SQRT": np.sqrt, "SQUARE": np.square,
    "SIN": _f64(np.sin), "COS": _f64(np.cos), "EXP": _f64(np.exp), "LOG": _f64(np.log),
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
    """float32, and int8 / int16 with requantization when the output scale differs (TFLM)."""
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int16) or \
                x.shape != y.shape:
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.float = x.dtype == np.float32
        if self.float:
            return
        if x.quantization is None or y.quantization is None:
            self.fail("quantized ABS needs quantization parameters")
        self.zx = int(x.quantization.zero_point[0])
        zy = int(y.quantization.zero_point[0])
        if x.dtype == np.int16 and (self.zx or zy):
            self.fail("int16 ABS needs zero points of 0")
        sx, sy = np.float32(x.quantization.scale[0]), np.float32(y.quantization.scale[0])
        self.zy = zy
        self.requant = None if sx == sy else \
            quant.Requantizer(*quant.quantize_multiplier(float(sx / sy)), offset=zy)
        self.range = quant.dtype_range(y.dtype)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.float:
            np.abs(x, out=outputs[0])
            return
        v = np.abs(x.astype(np.int64) - self.zx)
        r = v + self.zy if self.requant is None else self.requant(v)
        clip(r, *self.range, out=outputs[0], casting="unsafe")


@register("RSQRT")
class Rsqrt(Kernel):
    """float32, and int8 through TFLM's fixed-point inverse square root (tabulated in prepare
    over the 256 input values)."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype != y.dtype or x.shape != y.shape or x.dtype not in (np.float32, np.int8):
            self.fail(f"unsupported types or shapes: {x.dtype} -> {y.dtype}")
        self.lut = None
        if x.dtype == np.float32:
            return
        if x.quantization is None or y.quantization is None:
            self.fail("int8 RSQRT needs quantization parameters")
        self.zx = int(x.quantization.zero_point[0])
        zy = int(y.quantization.zero_point[0])
        sx, sy = np.float32(x.quantization.scale[0]), np.float32(y.quantization.scale[0])
        m, s = quant.quantize_multiplier(1.0 / float(np.sqrt(sx) * sy))
        k_shift = 20
        table = []
        for q in range(-128, 128):
            v = q - self.zx
            if v < 0:
                table.append(0)       # refused at eval, as TFLM does
                continue
            if v == 0:
                table.append(127)     # TFLM: values near 0 give the largest output
                continue
            im, ish = quant.inv_sqrt_multiplier_exp(v)
            data = int(quant.multiply_by_quantized_multiplier(np.int64(1), im, ish + k_shift))
            out = int(quant.multiply_by_quantized_multiplier(np.int64(data), m, s - k_shift)) + zy
            table.append(min(max(out, -128), 127))
        self.lut = np.array(table, np.int8)

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.lut is None:
            outputs[0][...] = _rsqrt(x)
            return
        if x.size and int(x.min()) < self.zx:
            self.fail("RSQRT is only defined for non-negative values")
        np.take(self.lut, x.astype(np.intp) + 128, out=outputs[0])
