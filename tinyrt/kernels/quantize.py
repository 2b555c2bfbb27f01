"""QUANTIZE (float32 -> int8/int16/int32, and requantization between int8, int16, int32) and
DEQUANTIZE (int8/int16/uint8 -> float32), as TFLM's reference kernels.

An 8- or 16-bit input has few possible values, so its outputs are tabulated in prepare (with the
same arithmetic) and eval is one lookup. The table is indexed by the value modulo 2^bits, which
is how numpy's take wraps a signed index, so the input indexes it as it is. In C, 8-bit inputs
look their table up too; wider ones are computed value by value (csrc/kernels/requantize.c),
as a 64K-entry table would not fit a microcontroller's flash.
"""
import numpy as np

from .. import quant
from ..native.core import OutOfRange, prepares_native, requantization
from ..native.elementwise import native_lookup
from .base import Kernel, register
from .common import clip


def value_table(dtype, fn):
    """fn (a function of an array of every value of the 8- or 16-bit ``dtype``) tabulated so
    that entry v mod 2^bits is the output of value v; None for other types."""
    if dtype.kind not in "iu" or dtype.itemsize > 2:
        return None
    info = np.iinfo(dtype)
    return np.roll(fn(np.arange(info.min, info.max + 1, dtype=dtype)), -int(info.min))


@prepares_native
def native_quantize(ctx, scale, zero_point, out_range):
    """The quantize_f32 node of a float32 QUANTIZE to int8, int16 or int32."""
    y = ctx.outputs[0]
    if y.dtype not in (np.int8, np.int16, np.int32):
        raise OutOfRange(f"no C kernel quantizes to {y.dtype}")
    return ctx.native_node("quantize_f32", n=int(np.prod(y.shape, dtype=np.int64)),
                           out_bytes=y.dtype.itemsize, scale=scale, zero_point=zero_point,
                           out_min=out_range[0], out_max=out_range[1])


@prepares_native
def native_requantize(ctx, requant, zx, out_range):
    """The requantize node of an int16 or int32 QUANTIZE to an integer type."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    if x.dtype not in (np.int16, np.int32) or y.dtype not in (np.int8, np.uint8, np.int16,
                                                                np.int32):
        raise OutOfRange("not a requantization the C kernel takes")
    if x.dtype == np.int32 and zx:
        raise OutOfRange("int32 input with a zero point: the difference could wrap")
    m, left, right = requantization(requant.multiplier, requant.shift, 1)
    return ctx.native_node("requantize_int", n=int(np.prod(y.shape, dtype=np.int64)),
                           in_bytes=x.dtype.itemsize,
                           out_bytes=0 if y.dtype == np.uint8 else y.dtype.itemsize,
                           input_zp=zx, output_zp=int(requant.offset), mult=m[0],
                           left=left[0], right=right[0], out_min=out_range[0],
                           out_max=out_range[1])


@prepares_native
def native_dequantize(ctx, scale, zx):
    """The dequantize node of an int16 DEQUANTIZE."""
    x = ctx.inputs[0]
    if x.dtype != np.int16:
        raise OutOfRange("8-bit inputs look their table up")
    return ctx.native_node("dequantize_int", n=int(np.prod(x.shape, dtype=np.int64)), in_bytes=2,
                           zero_point=zx,
                           scale_bits=int(np.array(scale, np.float64).view(np.int64)))


_REQUANTIZE = {("int16", "int8"), ("int8", "int8"), ("int8", "uint8"), ("uint8", "int8"),
               ("int8", "int16"), ("int8", "int32"), ("int16", "int16"), ("int16", "int32"),
               ("int32", "int8"), ("int32", "int16")}


@register("QUANTIZE")
class Quantize(Kernel):
    dtypes = ("float32", "int8", "int16", "int32", "uint8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if y.quantization is None or len(y.quantization.scale) != 1:
            self.fail("output needs one quantization scale")
        if int(np.prod(x.shape)) != int(np.prod(y.shape)):
            self.fail(f"input {list(x.shape)} and output {list(y.shape)} differ in size")
        self.out_range = quant.dtype_range(y.dtype) if y.dtype.kind in "iu" else None
        self.zy = int(y.quantization.zero_point[0])
        if x.dtype == np.float32 and y.dtype.name in ("int8", "int16", "int32", "uint8"):
            self.kind = "float"
            # TFLM divides by the scale in float32 and rounds half away from zero
            self.scale = np.float32(y.quantization.scale[0])
            self.native = native_quantize(ctx, self.scale, self.zy, self.out_range)
            return
        if (x.dtype.name, y.dtype.name) not in _REQUANTIZE:
            self.fail(f"{x.dtype} -> {y.dtype} is not supported")
        if x.quantization is None:
            self.fail("a quantized input needs quantization parameters")
        self.kind = "requantize"
        self.zx = int(x.quantization.zero_point[0])
        real = float(x.quantization.scale[0]) / float(y.quantization.scale[0])
        m, s = quant.quantize_multiplier(real)
        self.requant = quant.Requantizer(m, s, self.zy)
        self.table = value_table(x.dtype, lambda v: self._requantize(v).astype(y.dtype))
        if x.dtype.itemsize == 1:
            self.native = native_lookup(ctx, self.table)
        else:
            self.native = native_requantize(ctx, self.requant, self.zx, self.out_range)

    def _requantize(self, x):
        r = self.requant(x.astype(np.int64) - self.zx)
        return clip(r, *self.out_range, out=r)

    def eval(self, inputs, outputs):
        x = inputs[0].reshape(outputs[0].shape)
        if self.kind == "requantize":
            if self.table is not None:
                np.take(self.table, x, out=outputs[0], mode="wrap")
            else:
                outputs[0][...] = self._requantize(x)
            return
        q = x / self.scale
        # static_cast<int32_t>(round(v)): NaN and out-of-range values become INT32_MIN on
        # the x86 and Arm cores TFLM runs on; keep that instead of numpy's warning.
        with np.errstate(invalid="ignore"):
            r = quant.float_to_int32(quant.round_half_away_array(q))
        r += self.zy
        r = (r + (1 << 31)) % (1 << 32) - (1 << 31)     # TFLM's int32 sum wraps
        clip(r, *self.out_range, out=r)
        outputs[0][...] = r


@register("DEQUANTIZE")
class Dequantize(Kernel):
    dtypes = ("int8", "int16", "uint8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if x.dtype not in (np.int8, np.int16, np.uint8) or y.dtype != np.float32:
            self.fail(f"{x.dtype} -> {y.dtype} is not supported")
        if x.quantization is None:
            self.fail("input needs quantization parameters")
        scale = np.float64(x.quantization.scale[0])
        zx = int(x.quantization.zero_point[0])
        # TFLM: static_cast<float>(double scale * (value - zero_point))
        self.table = value_table(x.dtype,
                                 lambda v: ((v.astype(np.int64) - zx) * scale).astype(np.float32))
        self.native = native_lookup(ctx, self.table) if x.dtype.itemsize == 1 else \
            native_dequantize(ctx, scale, zx)

    def eval(self, inputs, outputs):
        np.take(self.table, inputs[0].reshape(outputs[0].shape), out=outputs[0], mode="wrap")
