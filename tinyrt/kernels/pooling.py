"""AVERAGE_POOL_2D and MAX_POOL_2D: float32, int8, int16; L2_POOL_2D: float32. Only taps inside the input count,
as in TFLM (the average divides by the number of valid taps, rounding half away from zero)."""
import numpy as np

from .. import quant
from ..native.core import OutOfRange, prepares_native
from .base import Kernel, register
from .common import Window2D, activation, clamp_range, clip, padding_name
from .conv import check_window


@prepares_native
def native_average_pool(ctx, win, batches, channels, lo, hi):
    """The avgpool_s8 node of an int8 AVERAGE_POOL_2D over a Window2D."""
    # sums of up to 2^23 taps of |x| <= 128 stay inside int32
    if win.pad_top < 0 or win.pad_left < 0 or win.kh * win.kw >= 1 << 23 or \
            np.any(win.valid_counts() <= 0):
        raise OutOfRange("not a layer the C kernel takes")
    acc = np.zeros(channels, np.int32)
    return ctx.native_node("avgpool_s8", keep=(acc,), acc=acc, batches=batches, in_h=win.in_h,
                           in_w=win.in_w, c=channels, out_h=win.out_h, out_w=win.out_w,
                           kh=win.kh, kw=win.kw, stride_h=win.stride_h, stride_w=win.stride_w,
                           pad_top=win.pad_top, pad_left=win.pad_left, act_min=lo, act_max=hi)


POOL_KINDS = {("MAX_POOL_2D", "float32"): 0, ("AVERAGE_POOL_2D", "float32"): 1,
              ("MAX_POOL_2D", "int8"): 2}        # pool.h


@prepares_native
def native_pool(ctx, op, win, batches, channels, lo, hi):
    """The pool node of a MAX_POOL_2D (float32, int8) or float32 AVERAGE_POOL_2D."""
    x = ctx.inputs[0]
    kind = POOL_KINDS.get((op, x.dtype.name))
    if kind is None or win.pad_top < 0 or win.pad_left < 0 or np.any(win.valid_counts() <= 0):
        raise OutOfRange("not a layer the C kernel takes")
    acc = np.zeros(channels, x.dtype)
    f = x.dtype == np.float32
    return ctx.native_node("pool", keep=(acc,), acc=acc, kind=kind, batches=batches,
                           in_h=win.in_h, in_w=win.in_w, c=channels, out_h=win.out_h,
                           out_w=win.out_w, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
                           stride_w=win.stride_w, pad_top=win.pad_top, pad_left=win.pad_left,
                           act_min_f=lo if f else 0.0, act_max_f=hi if f else 0.0,
                           act_min=0 if f else lo, act_max=0 if f else hi)


class _Pool(Kernel):
    dtypes = ("float32", "int8", "int16")

    def prepare(self, ctx):
        x, y = ctx.inputs[0], ctx.outputs[0]
        if len(x.shape) != 4:
            self.fail(f"input must be 4-D NHWC, got {list(x.shape)}")
        if x.dtype != y.dtype or x.dtype not in (np.float32, np.int8, np.int16):
            self.fail(f"unsupported types: input {x.dtype}, output {y.dtype}")
        n, in_h, in_w, c = x.shape
        o = self.options
        win = Window2D(padding_name(o), in_h, in_w, o["filter_height"], o["filter_width"],
                       o["stride_h"], o["stride_w"])
        if y.shape != (n, win.out_h, win.out_w, c):
            self.fail(f"output shape {list(y.shape)} should be {[n, win.out_h, win.out_w, c]}")
        check_window(self, win, strides_and_dilations=False)
        self.win = win
        # the padded copy (8-byte values at most), the tap counts and a few output-sized
        # temporaries; the window is cut to the taps that read the input (see Window2D)
        ctx.workspace(win.padded_bytes(n, c, 8) + win.padded_bytes(1, 1, 8) +
                      4 * 8 * n * win.out_h * win.out_w * c, "the padded input and sums")
        self.float = x.dtype == np.float32
        act = activation(o)
        if self.float:
            self.lo, self.hi = quant.activation_range_float(act)
        else:
            if x.quantization is not None and y.quantization is not None and (
                    float(x.quantization.scale[0]) != float(y.quantization.scale[0]) or
                    int(x.quantization.zero_point[0]) != int(y.quantization.zero_point[0])):
                self.fail("input and output quantization must be equal")
            self.lo, self.hi = (clamp_range(act, y) if y.quantization is not None
                                else quant.dtype_range(y.dtype))
        self.counts = win.valid_counts()[None, :, :, None]
        self.setup(x)
        if x.dtype == np.int8 and isinstance(self, AveragePool2D):
            self.native = native_average_pool(ctx, win, n, c, self.lo, self.hi)
        elif not isinstance(self, L2Pool2D):
            self.native = native_pool(ctx, self.node.op_name, win, n, c, self.lo, self.hi)


@register("AVERAGE_POOL_2D")
class AveragePool2D(_Pool):
    max_table = 1 << 16        # entries of the int8 lookup table (see setup)

    def setup(self, x):
        dtype = np.float32 if self.float else np.int64
        self.buf, self.interior = self.win.padded_buffer(x.shape[0], x.shape[3], dtype, 0)
        self.half = self.counts // 2
        self.countsf = self.counts.astype(np.float32)
        self.table = None
        count = self.win.kh * self.win.kw
        if x.dtype == np.int8 and not self.win.padded and 256 * count <= self.max_table:
            # every window is whole, so each output is a function of its window's sum alone:
            # a table over every possible sum, rounded and clamped, read in one pass
            sums = np.arange(-128 * count, 127 * count + 1)
            r = (np.abs(sums) + count // 2) // count
            self.table = np.clip(np.where(sums < 0, -r, r), self.lo, self.hi).astype(np.int8)
            # the reduction starts from the table's offset, so its sums are the indices; they
            # fit int16 for windows up to 128 taps, which numpy sums fastest
            self.table_offset = 128 * count
            dtype = np.int16 if 255 * count < 1 << 15 else np.intp
            n, c = x.shape[0], x.shape[3]
            self.sums = np.empty((n, self.win.out_h, self.win.out_w, c), dtype)
            # a window covering the whole input (global pooling) sums a plain [n, h*w, c] view
            self.whole = (self.win.out_h, self.win.out_w, self.win.kh, self.win.kw) == \
                (1, 1, self.win.in_h, self.win.in_w)
            if self.whole:
                self.flat_shape = (n, count, c)
                self.flat_sums = self.sums.reshape(n, c)

    def eval(self, inputs, outputs):
        if self.table is not None:
            sums = self.sums
            if self.whole:
                np.add.reduce(inputs[0].reshape(self.flat_shape), axis=1, out=self.flat_sums,
                              initial=self.table_offset)
            else:
                np.add.reduce(self.win.windows(inputs[0]), axis=(3, 4), out=sums,
                              initial=self.table_offset)
            np.take(self.table, sums, out=outputs[0], mode="clip")
            return
        if self.win.padded or self.float:
            self.interior[...] = inputs[0]
            win = self.win.windows(self.buf)
        else:                               # every tap is inside: sum the input's windows
            win = self.win.windows(inputs[0])
        if self.float:
            acc = None
            for ky in range(self.win.kh):      # TFLM's summation order
                for kx in range(self.win.kw):
                    t = win[:, :, :, ky, kx, :]
                    acc = t.copy() if acc is None else np.add(acc, t, out=acc)
            clip(acc / self.countsf, self.lo, self.hi, out=outputs[0])
            return
        acc = win.sum(axis=(3, 4), dtype=np.int64)
        # round half away from zero: |acc| + count/2 divided with a floor, then the sign back
        r = np.abs(acc)
        r += self.half
        r //= self.counts
        np.negative(r, out=r, where=acc < 0)
        clip(r, self.lo, self.hi, out=outputs[0], casting="unsafe")


@register("MAX_POOL_2D")
class MaxPool2D(_Pool):
    def setup(self, x):
        fill = -np.inf if self.float else np.iinfo(x.dtype).min
        self.buf, self.interior = self.win.padded_buffer(x.shape[0], x.shape[3], x.dtype, fill)
        full = (-np.inf, np.inf) if self.float else quant.dtype_range(x.dtype)
        # integers with no fused activation need no clamp; floats always clamp (to +-FLT_MAX
        # at least, as TFLM)
        self.clamp = (self.lo, self.hi) != full
        self.padded = bool(self.win.padded)

    def eval(self, inputs, outputs):
        out = outputs[0]
        if self.padded:
            self.interior[...] = inputs[0]
            src = self.buf
        else:                               # every tap is inside: read the input's windows
            src = inputs[0]
        np.maximum.reduce(self.win.windows(src), axis=(3, 4), out=out)
        if self.clamp:
            clip(out, self.lo, self.hi, out=out)


@register("L2_POOL_2D")
class L2Pool2D(_Pool):
    dtypes = ("float32",)

    def setup(self, x):
        if not self.float:
            self.fail("only float32 is supported")
        self.buf, self.interior = self.win.padded_buffer(x.shape[0], x.shape[3], np.float32, 0)
        self.countsf = self.counts.astype(np.float32)

    def eval(self, inputs, outputs):
        self.interior[...] = inputs[0]
        win = self.win.windows(self.buf)
        acc = None
        for ky in range(self.win.kh):      # TFLM's summation order
            for kx in range(self.win.kw):
                t = win[:, :, :, ky, kx, :]
                acc = t * t if acc is None else np.add(acc, t * t, out=acc)
        clip(np.sqrt(acc / self.countsf), self.lo, self.hi, out=outputs[0])
