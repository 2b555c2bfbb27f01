"""DEPTHWISE_CONV_2D: float32, int8 (per-channel weights), int16 x int8 (int64 bias only:
TFLM reads any bias of a 16x8 depthwise convolution as int64, so an int32 one is refused).

Each output channel c = input channel c // depth_multiplier. The numpy kernels are the
reference: the input (minus its zero point, so that padding adds nothing, as TFLM skips taps
outside the input) in a padded copy, a strided view of every window over it, and the sums over
the taps, exact in int64 for the integer types; float32 sums one product per tap in TFLM's tap
order, which its results depend on. With the compiled core, int8 runs in its depthwise_s8
kernel and float32 in depthwise_f32.
"""
import numpy as np

from .. import hybrid, quant
from .base import Kernel, register
from ..native.core import OutOfRange, prepares_native, requantization
from .common import QuantizedOutput, Window2D, activation, clip, padding_name, zero_point_of
from .conv import bias_values, check_window, conv_requantization, fold_requantization, \
    folded_requantization, native_conv
from .gemm import channel_sum_bounds, filter_values, pad_f32_blocks


MAX_NATIVE_TAPS = 256    # filter taps the C kernel's vectors of tap weights hold


@prepares_native
def native_depthwise(ctx, taps, bias, multiplier, shift, win, batches, in_c, dm, input_zp,
                     output_zp, lo, hi):
    """The depthwise_s8 node of an int8 DEPTHWISE_CONV_2D: ``taps`` int8 [kh * kw, out_c];
    ``bias`` int64 [out_c]."""
    taps = np.asarray(taps)
    out_c, out_w = in_c * dm, win.out_w
    bias = np.asarray(bias, np.int64)
    if taps.dtype != np.int8 or out_c == 0 or taps.shape[0] > MAX_NATIVE_TAPS or \
            win.pad_top < 0 or win.pad_left < 0:
        raise OutOfRange("not a layer the C kernel takes")
    mult, left, right = requantization(multiplier, shift, out_c)
    # |x - zp| <= 255, |w| <= 128: every sum stays inside int32 when this holds
    if np.any(np.abs(bias) + 255 * 128 * taps.shape[0] >= 1 << 31):
        raise OutOfRange("depthwise sums could leave int32")
    if ctx.native.firmware:
        return firmware_depthwise(ctx, taps, bias, mult, left, right, win, batches, in_c, dm,
                                  input_zp, output_zp, lo, hi)
    st = win.stride_w
    # Strided columns are dealt to stride phase planes, so that a tap's inputs for a whole
    # output row are contiguous for the level's vectors, unless the channels come in multiples
    # of the vector width: a vector then lies within one pixel and reads the padded input as
    # it is. Scalar loops go pixel by pixel and never need them.
    lanes = ctx.native.i32_lanes
    phases = st if st > 1 and out_c % lanes else 1
    # a plane holds padded columns j = phases q + phase at q: as many as the input needs
    # written and the last output column reads
    last = (out_w - 1) * st + (win.kw - 1) * win.dil_w
    plane_w = max((win.in_w - 1 + win.pad_left) // phases, last // phases) + 1
    plane_values = phases * win.padded_h * plane_w * out_c      # one image's, reused
    row = out_w * out_c
    # filter rows in pairs (ky, ky + 1), an odd last row with a zero weight; a pair's two
    # int16 weights side by side, as the planes hold an input row and the one dil_h below
    kh, kw = win.kh, win.kw
    grid = np.zeros((kh + kh % 2, kw, out_c), np.int16)
    grid[:kh] = taps.reshape(kh, kw, out_c)
    pairs = np.stack([grid[0::2], grid[1::2]], axis=-1).reshape(-1, 1, out_c, 2)
    ctx.workspace(4 * (plane_values + row * (len(pairs) + 4)), "C depthwise buffers")

    def tiled(a):
        return np.ascontiguousarray(np.tile(a, out_w), np.int32)
    # the sums are bias + sum (x - zp) w, |x - zp| <= 255
    fold = fold_requantization(left, right, output_zp, mult,
                               channel_sum_bounds(taps, bias, 255, axis=0))
    arrays = dict(
        weights=np.ascontiguousarray(np.tile(pairs, (1, out_w, 1, 1))),
        bias=tiled(bias), mult=tiled(mult), left=tiled(left), right=tiled(right),
        nudge=None if fold is None else tiled(fold[0]),
        fold_shift=None if fold is None else tiled(fold[1]),
        planes=np.zeros(2 * plane_values, np.int16),
        pairs=np.zeros(len(pairs), np.uintp), acc=np.zeros(row, np.int32))
    return ctx.native_node(
        "depthwise_s8", keep=arrays.values(), **arrays, batches=batches, in_h=win.in_h,
        in_w=win.in_w, in_c=in_c, out_h=win.out_h, out_w=out_w, out_c=out_c, dm=dm, kh=win.kh,
        kw=win.kw, stride_h=win.stride_h, stride_w=st, dil_h=win.dil_h, dil_w=win.dil_w,
        pad_top=win.pad_top, pad_left=win.pad_left, pad_h=win.padded_h, plane_w=plane_w,
        phases=phases, input_zp=input_zp, output_zp=output_zp, act_min=lo, act_max=hi)


def firmware_depthwise(ctx, taps, bias, mult, left, right, win, batches, in_c, dm, input_zp,
                       output_zp, lo, hi):
    """depthwise_s8's op data as generated firmware's kernel reads it
    (csrc/mcu/depthwise_s8.c): int8 taps, the bias folded with the input's zero point, no work
    memory but, on Cortex-M4, a row of one pixel's sums. The taps are [kh * kw][out_c], or on
    Cortex-M targets, where a depth multiplier of 1 and whole blocks of 4 channels let the
    kernel go 4 channels at a time, [out_c / 4][kh * kw][4]: a block's taps together."""
    folded = (bias - int(input_zp) * taps.astype(np.int64).sum(axis=0)).astype(np.int32)
    out_c = in_c * dm
    weights = np.ascontiguousarray(taps)
    blocks = ctx.native.level in ("cortex-m4", "cortex-m55") and dm == 1 and out_c % 4 == 0
    if blocks:
        weights = np.ascontiguousarray(
            taps.reshape(len(taps), out_c // 4, 4).transpose(1, 0, 2))
    acc = None
    if blocks and ctx.native.level == "cortex-m4":
        # the DSP kernel (without Helium) sums a pixel's channels into a row of work first,
        # and where the requantization folds takes one table of each channel's values
        acc = np.zeros(out_c, np.int32)
        prepared = folded_requantization(left, right, output_zp, lo, hi)
        if prepared is not None:
            folded = np.ascontiguousarray(np.stack([folded, mult, *prepared], axis=1))
            mult = left = right = None
    return ctx.native_node(
        "depthwise_s8", keep=(weights, folded, mult, left, right, acc), weights=weights,
        bias=folded, mult=mult, left=left, right=right, nudge=None, fold_shift=None,
        planes=None, pairs=None, acc=acc,
        batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c, out_h=win.out_h,
        out_w=win.out_w, out_c=in_c * dm, dm=dm, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
        stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w, pad_top=win.pad_top,
        pad_left=win.pad_left, pad_h=0, plane_w=0, phases=1, input_zp=input_zp,
        output_zp=output_zp, act_min=lo, act_max=hi)


@prepares_native
def native_depthwise_f32(ctx, taps, bias, win, batches, in_c, dm, lo, hi):
    """The depthwise_f32 node of a float32 DEPTHWISE_CONV_2D: ``taps`` [kh * kw, out_c],
    ``bias`` [out_c] or None."""
    out_c = in_c * dm
    if out_c == 0 or win.pad_top < 0 or win.pad_left < 0:
        raise OutOfRange("not a layer the C kernel takes")
    expanded = None
    if dm > 1:
        ctx.workspace(4 * batches * win.in_h * win.in_w * out_c, "C depthwise expanded input")
        expanded = np.zeros(batches * win.in_h * win.in_w * out_c, np.float32)
    weights = np.ascontiguousarray(np.stack([pad_f32_blocks(t, out_c) for t in
                                             np.asarray(taps, np.float32)]))
    bias = pad_f32_blocks(bias, out_c)
    return ctx.native_node(
        "depthwise_f32", keep=(weights, bias, expanded), weights=weights, bias=bias,
        expanded=expanded, batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c,
        out_h=win.out_h, out_w=win.out_w, out_c=out_c, dm=dm, kh=win.kh, kw=win.kw,
        stride_h=win.stride_h, stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w,
        pad_top=win.pad_top, pad_left=win.pad_left, act_min=lo, act_max=hi)


@register("DEPTHWISE_CONV_2D")
class DepthwiseConv2D(Kernel):
    dtypes = ("float32", "int8", "int16", "hybrid", "int4 weights")

    def prepare(self, ctx):
        x, w = ctx.inputs[0], ctx.inputs[1]
        b = ctx.inputs[2] if len(ctx.inputs) > 2 else None
        y = ctx.outputs[0]
        if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
            self.fail("input, weights and output must be 4-D")
        if w.data is None:
            self.fail("weights must be constant")
        wdata = filter_values(self, ctx, w, x)
        n, in_h, in_w, in_c = x.shape
        _, kh, kw, out_c = w.shape
        o = self.options
        dm = o["depth_multiplier"] or (out_c // in_c if in_c else 0)
        if in_c * dm != out_c:
            self.fail(f"{in_c} input channels x depth multiplier {dm} != {out_c} output channels")
        win = Window2D(padding_name(o), in_h, in_w, kh, kw, o["stride_h"], o["stride_w"],
                       o["dilation_hfactor"], o["dilation_wfactor"])
        if y.shape != (n, win.out_h, win.out_w, out_c):
            self.fail(f"output shape {list(y.shape)} should be "
                      f"{[n, win.out_h, win.out_w, out_c]}")
        check_window(self, win)
        self.win, self.dm = win, dm
        # only the taps that can read the input (see Window2D)
        wdata, kh, kw = win.crop_filter(wdata), win.kh, win.kw
        ctx.workspace(n * win.out_h * win.out_w * (kh * kw * in_c + out_c) * 16 +
                      win.padded_bytes(n, in_c, 8), "window sums and the padded input")
        act = activation(o)
        taps = wdata.reshape(kh * kw, out_c)
        if x.dtype == np.float32 and w.element_dtype == np.int8 and y.dtype == np.float32:
            if w.quantization is None or np.any(w.quantization.zero_point) or \
                    len(w.quantization.scale) != out_c:
                self.fail("hybrid DEPTHWISE_CONV_2D needs symmetric per-channel weights")
            self.kind = "hybrid"
            self.w_scales = np.asarray(w.quantization.scale, np.float32)
            self.bias = np.zeros(out_c, np.float32) if b is None else \
                np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self._prepare_integer_taps(taps, n, in_c)
            return
        if x.dtype == np.float32:
            if w.element_dtype != np.float32 or y.dtype != np.float32:
                self.fail("float32 input needs float32 weights and output")
            self.kind = "float"
            self.taps = np.asarray(taps, np.float32)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.native = native_depthwise_f32(ctx, self.taps, self.bias, win, n, in_c, dm,
                                               self.lo, self.hi)
            if self.native is None:
                self.buf, self.interior = win.padded_buffer(n, in_c, np.float32, 0)
                self.outside = None
                if win.padded and not np.all(np.isfinite(self.taps)):
                    # TFLM skips taps outside the input; a padded 0 x inf would be NaN, so
                    # those products are set to +0.0 (adding it to a sum that is never -0.0
                    # is skipping it): per tap, the output pixels whose tap is outside
                    inside, interior = win.padded_buffer(1, 1, bool, False)
                    interior[...] = True
                    self.outside = ~win.windows(inside)[0, :, :, :, :, 0] \
                        .transpose(2, 3, 0, 1).reshape(kh * kw, win.out_h, win.out_w)
            return
        if x.dtype not in (np.int8, np.int16) or w.element_dtype != np.int8 or y.dtype != x.dtype:
            self.fail(f"unsupported types: input {x.dtype}, weights {w.element_dtype}, "
                      f"output {y.dtype}")
        self.kind = "int16" if x.dtype == np.int16 else "int8"
        wide = self.kind == "int16"
        # 16x8: no input or output offset in TFLM (see conv.py)
        zx = int(x.quantization.zero_point[0]) if x.quantization is not None and not wide else 0
        w_int = taps.astype(np.int64)
        bias = bias_values(self, b, out_c, (np.int64,) if self.kind == "int16" else (np.int32,),
                           x.dtype)
        self.offset = bias - zx * w_int.sum(axis=0)
        m, s = conv_requantization(self, x, w, y, out_c)
        # |x - zx| is at most 2^15 (int16, zx = 0) or 255 (int8)
        x_bound = 1 << 15 if wide else 255
        acc_bound = int(np.max(channel_sum_bounds(w_int, bias, x_bound, axis=0), initial=0))
        self.output = QuantizedOutput(m, s, y, act, y.shape, acc_bound,
                                      add_zero_point=not wide)
        if not wide and in_c == 1 and ctx.native is not None and \
                (ctx.native.firmware or ctx.native.level in ("avx2", "avx512")):
            # one input channel: the same sums as a convolution of out_c filters, whose kernel
            # goes two channels by two pixels at a time on a microcontroller and reads the
            # windows in place at AVX2 and AVX-512 (there 2-3x as fast as the depthwise kernel
            # on micro_speech's and person_detect's first layers; at the portable level slower)
            self.native = native_conv(
                ctx, np.ascontiguousarray(np.asarray(wdata).reshape(kh * kw, out_c).T),
                self.offset, m, s, win, n, in_c, zx, zero_point_of(y), self.output.lo,
                self.output.hi)
        elif not wide:
            self.native = native_depthwise(
                ctx, np.asarray(wdata).reshape(kh * kw, out_c), bias, m, s, win, n, in_c, dm,
                zx, zero_point_of(y), self.output.lo, self.output.hi)
        if self.native is not None:
            return
        self.zx, self.bias = zx, bias
        self._prepare_integer_taps(taps, n, in_c)

    def _prepare_integer_taps(self, taps, batches, channels):
        """The integer paths' work: the taps as int64 [kh, kw, out_c] and an int64 padded
        input whose padding is 0 (the input minus its zero point goes inside)."""
        win = self.win
        taps = np.asarray(taps, np.int64)
        self.tap_grid = taps.reshape(win.kh, win.kw, taps.shape[1])
        self.buf, self.interior = win.padded_buffer(batches, channels, np.int64, 0)

    def _integer_sums(self):
        """sum over the taps of (input - zero point) x weight, exact in int64, from the padded
        input already written: [N, out_h, out_w, out_c]."""
        v = np.repeat(self.buf, self.dm, axis=3) if self.dm > 1 else self.buf
        return np.einsum("nhwklc,klc->nhwc", self.win.windows(v), self.tap_grid)

    def _eval_hybrid(self, x, out):
        """Per batch: TFLite's asymmetric quantization, exact integer taps with the zero point
        taken off (padding then adds nothing), then sum x (weight scale x input scale) + bias."""
        q, scales, zps = hybrid.quantize_rows_asymmetric(x.reshape(x.shape[0], -1))
        self.interior[...] = (q - zps[:, None]).reshape(self.interior.shape)
        acc = self._integer_sums()
        for b, scale in enumerate(scales):
            r = acc[b].astype(np.float32) * (self.w_scales * scale) + self.bias
            clip(r, self.lo, self.hi, out=out[b])

    def _eval_float(self, x, out):
        """One product per tap added in TFLM's tap order, from +0.0."""
        if self.win.padded:
            self.interior[...] = x
            x = self.buf
        if self.dm > 1:
            x = np.repeat(x, self.dm, axis=3)
        win = self.win.windows(x)      # [N, OH, OW, kh, kw, C]
        acc = None
        t = 0
        for ky in range(self.win.kh):
            for kx in range(self.win.kw):
                term = win[:, :, :, ky, kx, :] * self.taps[t]
                if self.outside is not None:
                    term[:, self.outside[t]] = 0
                # TFLM's sum starts at +0.0 (so a lone -0.0 product becomes +0.0)
                acc = np.add(term, np.float32(0), out=term) if acc is None else \
                    np.add(acc, term, out=acc)
                t += 1
        if self.bias is not None:
            acc += self.bias
        clip(acc, self.lo, self.hi, out=out)

    def eval(self, inputs, outputs):
        x, out = inputs[0], outputs[0]
        if self.kind == "hybrid":
            self._eval_hybrid(x, out)
        elif self.kind == "float":
            self._eval_float(x, out)
        else:
            self.interior[...] = x
            self.interior -= self.zx
            acc = self._integer_sums()
            acc += self.bias
            self.output.store(acc, out)
