"""MIRROR_PAD, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, RESIZE_NEAREST_NEIGHBOR, CUMSUM,
DYNAMIC_UPDATE_SLICE."""
import math

import numpy as np

from .. import quant
from .base import Kernel, register
from .common import clip, scale_of, zero_point_of
from .movement import _axis, _expect
from .shape_ops import ANY, _const_ints


@register("MIRROR_PAD")
class MirrorPad(Kernel):
    dtypes = ("float32", "int8", "int16", "int32")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        pads = _const_ints(self, ctx.inputs[1], "paddings")
        rank = len(x.shape)
        if len(pads) != 2 * rank:
            self.fail(f"paddings need {2 * rank} values")
        self.pads = [(pads[2 * i], pads[2 * i + 1]) for i in range(rank)]
        self.mode = "reflect" if self.options["mode"] == 0 else "symmetric"
        limit = 1 if self.mode == "reflect" else 0
        for d, (a, b) in zip(x.shape, self.pads):
            if a < 0 or b < 0 or max(a, b) > d - limit:
                self.fail(f"padding {a, b} is too large for a dimension of {d}")
        _expect(self, y, [d + a + b for d, (a, b) in zip(x.shape, self.pads)])

    def eval(self, inputs, outputs):
        outputs[0][...] = np.pad(inputs[0], self.pads, mode=self.mode)


@register("SPACE_TO_BATCH_ND")
class SpaceToBatchND(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        block = _const_ints(self, ctx.inputs[1], "block_shape")
        pads = _const_ints(self, ctx.inputs[2], "paddings")
        m = len(block)
        if len(x.shape) < m + 1 or len(pads) != 2 * m or min(block, default=1) < 1:
            self.fail("block_shape and paddings do not fit the input")
        self.pad_width = [(0, 0)] + [(pads[2 * i], pads[2 * i + 1]) for i in range(m)] + \
            [(0, 0)] * (len(x.shape) - 1 - m)
        padded = [d + a + b for d, (a, b) in zip(x.shape, self.pad_width)]
        if any(padded[1 + i] % block[i] for i in range(m)):
            self.fail("padded spatial dimensions must be multiples of the block")
        self.block = block
        self.padded = padded
        n = x.shape[0]
        out = [n * int(np.prod(block))] + [padded[1 + i] // block[i] for i in range(m)] + \
            padded[1 + m:]
        _expect(self, y, out)
        # Pad with zero (the quantized zero). tflite-micro leaves its pad value uninitialised,
        # so its padded outputs vary from run to run; there is nothing to match there.
        self.fill = int(x.quantization.zero_point[0]) if x.quantization is not None else 0

    def eval(self, inputs, outputs):
        x = np.pad(inputs[0], self.pad_width, constant_values=self.fill)
        m, b = len(self.block), self.block
        n = x.shape[0]
        shape = [n]
        for i in range(m):
            shape += [self.padded[1 + i] // b[i], b[i]]
        shape += self.padded[1 + m:]
        v = x.reshape(shape)
        # [n, s1, b1, s2, b2, rest] -> [b1, b2, n, s1, s2, rest]
        perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
            list(range(1 + 2 * m, len(shape)))
        outputs[0][...] = v.transpose(perm).reshape(outputs[0].shape)


@register("BATCH_TO_SPACE_ND")
class BatchToSpaceND(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        block = _const_ints(self, ctx.inputs[1], "block_shape")
        crops = _const_ints(self, ctx.inputs[2], "crops")
        m = len(block)
        prod = int(np.prod(block)) if block else 1
        if len(x.shape) < m + 1 or len(crops) != 2 * m or min(block, default=1) < 1 or \
                x.shape[0] % prod:
            self.fail("block_shape and crops do not fit the input")
        self.block, self.m = block, m
        full = [x.shape[1 + i] * block[i] for i in range(m)]
        self.crop = tuple(slice(crops[2 * i], full[i] - crops[2 * i + 1]) for i in range(m))
        out = [x.shape[0] // prod] + [full[i] - crops[2 * i] - crops[2 * i + 1]
                                      for i in range(m)] + list(x.shape[1 + m:])
        if any(d < 0 for d in out):
            self.fail("crops are larger than the output")
        _expect(self, y, out)

    def eval(self, inputs, outputs):
        x = inputs[0]
        m, b = self.m, self.block
        n = x.shape[0] // int(np.prod(b))
        v = x.reshape(list(b) + [n] + list(x.shape[1:]))
        # [b1, b2, n, s1, s2, rest] -> [n, s1, b1, s2, b2, rest]
        perm = [m]
        for i in range(m):
            perm += [m + 1 + i, i]
        perm += list(range(2 * m + 1, v.ndim))
        v = v.transpose(perm).reshape([n] + [x.shape[1 + i] * b[i] for i in range(m)] +
                                      list(x.shape[1 + m:]))
        outputs[0][...] = v[(slice(None),) + self.crop]


@register("RESIZE_NEAREST_NEIGHBOR")
class ResizeNearestNeighbor(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        size = _const_ints(self, ctx.inputs[1], "size")
        if len(x.shape) != 4 or len(size) != 2:
            self.fail("needs a 4-D input and a size of 2 values")
        _expect(self, y, (x.shape[0], size[0], size[1], x.shape[3]))
        ac, hp = self.options["align_corners"], self.options["half_pixel_centers"]
        self.rows = _nearest(x.shape[1], size[0], ac, hp)
        self.cols = _nearest(x.shape[2], size[1], ac, hp)

    def eval(self, inputs, outputs):
        outputs[0][...] = inputs[0][:, self.rows][:, :, self.cols]


def _nearest(in_size, out_size, align_corners, half_pixel):
    """TFLM GetNearestNeighbor for every output index (float32 arithmetic)."""
    f32 = np.float32
    scale = f32(in_size - 1) / f32(out_size - 1) if align_corners and out_size > 1 \
        else f32(in_size) / f32(out_size)
    pos = (np.arange(out_size, dtype=np.float32) + f32(0.5 if half_pixel else 0.0)) * scale
    if align_corners:
        idx = np.sign(pos) * np.floor(np.abs(pos) + f32(0.5))
    else:
        idx = np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half_pixel else idx


@register("CUMSUM")
class Cumsum(Kernel):
    """float32, int8 (TFLM's rescaling path: every input brought to a common scale with a left
    shift of 20 bits, summed in int32, requantized) and, beyond TFLM, int32 and int64."""
    dtypes = ("float32", "int8", "int32", "int64")
    LEFT_SHIFT = 20

    def prepare(self, ctx):
        x, axis, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int32, np.int64):
            self.fail(f"unsupported types {x.dtype} -> {y.dtype}")
        if not x.shape:
            self.fail("the input needs at least one dimension")
        axes = _const_ints(self, axis, "axis")
        if axis.dtype != np.int32 or len(axes) != 1:
            self.fail("axis must be a single int32 value")
        self.axis = _axis(self, axes[0], len(x.shape))
        _expect(self, y, x.shape)
        self.exclusive, self.reverse = self.options["exclusive"], self.options["reverse"]
        self.int8 = x.dtype == np.int8
        if self.int8:
            self._prepare_int8(x, y)

    def _prepare_int8(self, x, y):
        if x.quantization is None or y.quantization is None:
            self.fail("int8 CUMSUM needs quantization parameters")
        sx, sy = float(scale_of(x)), float(scale_of(y))
        # one input scale, so the "twice the larger scale" of ADD's scheme is 2 sx and each
        # input's multiplier 1/2
        real_out = 2 * sx / ((1 << self.LEFT_SHIFT) * sy) if sy > 0 else math.inf
        if not 0 < real_out < 1:
            # TFLM's QuantizeMultiplierSmallerThanOneExp aborts the program here
            self.fail(f"input scale {sx} is too large (or not positive) for output scale {sy}")
        self.zx = zero_point_of(x)
        self.scale_in = quant.Requantizer(*quant.quantize_multiplier(0.5))
        self.scale_out = quant.Requantizer(*quant.quantize_multiplier(real_out),
                                           offset=zero_point_of(y))
        # TFLM starts every sum at the scaled negated input zero point, not at zero
        self.start = int(self.scale_in(np.int64(-self.zx) << self.LEFT_SHIFT))

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.reverse:
            x = np.flip(x, self.axis)
        if self.int8:
            terms = self.scale_in((x.astype(np.int64) - self.zx) << self.LEFT_SHIFT)
            r = np.cumsum(terms, axis=self.axis)
        else:
            r = np.cumsum(x, axis=self.axis, dtype=x.dtype)   # sequential, as TFLM's loop
        if self.exclusive:
            r = np.roll(r, 1, axis=self.axis)
            idx = [slice(None)] * r.ndim
            idx[self.axis] = 0
            r[tuple(idx)] = 0
        if self.int8:
            # the C accumulator is an int32 that wraps on long axes
            r = self.scale_out(quant.wrap_int32(r + self.start))
            clip(r, -128, 127, out=r)
        outputs[0][...] = np.flip(r, self.axis) if self.reverse else r


@register("DYNAMIC_UPDATE_SLICE")
class DynamicUpdateSlice(Kernel):
    dtypes = ANY

    def prepare(self, ctx):
        x, upd, idx = ctx.inputs[:3]
        y = ctx.outputs[0]
        if x.dtype != upd.dtype or x.dtype != y.dtype or len(upd.shape) != len(x.shape):
            self.fail("update must have the operand's type and rank")
        if any(u > d for u, d in zip(upd.shape, x.shape)):
            self.fail("update is larger than the operand")
        if idx.dtype not in (np.int32, np.int64) or int(np.prod(idx.shape)) != len(x.shape):
            self.fail("indices must be one int32/int64 per dimension")
        _expect(self, y, x.shape)
        self.limits = np.array([d - u for d, u in zip(x.shape, upd.shape)])
        self.ushape = upd.shape

    def eval(self, inputs, outputs):
        x, upd, idx = inputs[:3]
        out = outputs[0]
        out[...] = x
        # TFLM clamps the start so the update stays inside the operand
        start = clip(idx.reshape(-1).astype(np.int64), 0, self.limits)
        out[tuple(slice(s, s + n) for s, n in zip(start, self.ushape))] = upd


@register("RESIZE_BILINEAR")
class ResizeBilinear(Kernel):
    """float32 in TFLM's float arithmetic; int8 in its 10-bit fixed point."""
    dtypes = ("float32", "int8")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        size = _const_ints(self, ctx.inputs[1], "size")
        if len(x.shape) != 4 or len(size) != 2 or min(size) < 1:
            self.fail("needs a 4-D input and a positive size of 2 values")
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8):
            self.fail(f"unsupported types {x.dtype} -> {y.dtype}")
        _expect(self, y, (x.shape[0], size[0], size[1], x.shape[3]))
        ac, hp = self.options["align_corners"], self.options["half_pixel_centers"]
        self.float = x.dtype == np.float32
        axis = _bilinear_float if self.float else _bilinear_int
        self.rows = axis(x.shape[1], size[0], ac, hp)
        self.cols = axis(x.shape[2], size[1], ac, hp)

    def eval(self, inputs, outputs):
        x = inputs[0]
        y0, y1, fy, gy = self.rows
        x0, x1, fx, gx = self.cols
        top, bottom = x[:, y0], x[:, y1]
        v00, v01 = top[:, :, x0], top[:, :, x1]
        v10, v11 = bottom[:, :, x0], bottom[:, :, x1]
        fy, gy = fy[None, :, None, None], gy[None, :, None, None]
        fx, gx = fx[None, None, :, None], gx[None, None, :, None]
        if self.float:
            # left to right, as the C expression: v * (1 - dy) * (1 - dx) + ...
            r = v00 * gy * gx + v10 * fy * gx + v01 * gy * fx + v11 * fy * fx
            outputs[0][...] = r
            return
        s = (v00.astype(np.int64) * gy * gx + v10.astype(np.int64) * fy * gx
             + v01.astype(np.int64) * gy * fx + v11.astype(np.int64) * fy * fx)
        rounded = np.where(s > 0, s + (1 << 19), s - (1 << 19))
        q = np.where(rounded >= 0, rounded >> 20, -((-rounded) >> 20))   # C division
        outputs[0][...] = q


def _bilinear_float(in_size, out_size, align_corners, half_pixel):
    f32 = np.float32
    scale = f32(in_size - 1) / f32(out_size - 1) if align_corners and out_size > 1 \
        else f32(in_size) / f32(out_size)
    v = np.arange(out_size, dtype=np.float32)
    pos = (v + f32(0.5)) * scale - f32(0.5) if half_pixel else v * scale
    lo = np.maximum(np.floor(pos).astype(np.int64), 0)
    hi = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
    frac = (pos - lo.astype(np.float32)).astype(np.float32)
    return lo, hi, frac, (f32(1) - frac).astype(np.float32)


def _bilinear_int(in_size, out_size, align_corners, half_pixel):
    if align_corners and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale = ((1 << 10) * in_size + out_size // 2) // out_size
    v = np.arange(out_size, dtype=np.int64)
    pos = v * scale + scale // 2 - (1 << 9) if half_pixel else v * scale

    def cdiv(a, d):   # C division truncates
        return np.where(a >= 0, a // d, -((-a) // d))
    lo = np.maximum(cdiv(pos, 1 << 10), 0)
    hi = np.minimum(cdiv(pos + (1 << 10) - 1, 1 << 10), in_size - 1)
    frac = pos - (1 << 10) * lo
    return lo, hi, frac, (1 << 10) - frac
