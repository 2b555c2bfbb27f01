"""CONV_2D: float32, int8 (per-channel weights), int16 x int8 (int32 or int64 bias), and hybrid
(float32 activations, int8 weights; each batch of the input quantized symmetrically on the fly,
as TensorFlow Lite's reference kernel).

int16 x int8 comes in two variants, as in TFLM: with an int64 bias (or none) the sums stay in
64 bits and are requantized by the 64-bit MultiplyByQuantizedMultiplier; with an int32 bias (or
none while the options' quantized_bias_type says INT32) they wrap in an int32 accumulator and go
through the 32-bit one, as for int8.

With the compiled core, int8 runs in its conv_s8 kernel and float32 in conv_f32 (im2col and a
float GEMM in TFLM's summation order, csrc/gemm_f32.h). The numpy kernels are the reference:
im2col through a strided view of a padded copy of the input, then for the integer types one
exact GEMM (gemm.IntegerGemm) and the integer requantization; float32 sums in TFLM's order.
"""
import numpy as np

from .. import hybrid, quant
from ..model.schema import TYPE_CODE
from ..workspace import Workspace
from .base import Kernel, register
from ..native.core import OutOfRange, prepares_native, requantization
from .common import (QuantizedOutput, Window2D, activation, clip, defined_shifts, padding_name,
                     zero_point_of)
from .gemm import (IntegerGemm, channel_sum_bounds, filter_values, ordered_dot, pack_f32_blocks,
                   pad_f32_blocks)


INT32_LIMIT = 1 << 31
CHUNK_BYTES = 1 << 16    # the C convolution's columns and sums per GEMM (see native_conv)


@prepares_native
def native_conv(ctx, weights, offset, multiplier, shift, win, batches, in_c, input_zp,
                output_zp, lo, hi, overlaps_input=True):
    """The conv_s8 node of an int8 CONV_2D (or of FULLY_CONNECTED, as a 1x1 convolution over
    its rows): ``weights`` int8 [out_c, kh * kw * in_c]; ``offset`` int64 [out_c], the bias
    minus input_zp * sum(w), as the numpy kernels add it."""
    w = np.asarray(weights)
    out_c, depth = w.shape
    if w.dtype != np.int8 or out_c == 0 or depth == 0 or win.pad_top < 0 or win.pad_left < 0:
        raise OutOfRange("not a layer the C kernel takes")
    mult, left, right = requantization(multiplier, shift, out_c)
    level = ctx.native.level
    pointwise = is_pointwise(win)
    # AVX2's int16 GEMM reads each row through koff, its tap pairs' offsets: in the columns,
    # or in the padded image where the windows are read in place (unit column dilation), which
    # AVX-512 does too (WINDOWS_AT_AVX512)
    windows = not pointwise and win.dil_w == 1 and (
        level == "avx2" or level == "avx512" and windows_at_avx512(win, in_c))
    gemm16 = level == "avx2" or windows
    # channels padded to the GEMM's blocks: 16, or 8 at the int16 GEMM's last block
    block = 8 if gemm16 else 16
    kp, op = -(-depth // 4) * 4, -(-out_c // block) * block
    # sum (x - zp) w + bias = sum (x + 128) w + offset - 128 sum w; the kernel's int32
    # arithmetic wraps as TFLM's accumulator does, so only the constant must fit
    corr = np.asarray(offset, np.int64) - 128 * w.astype(np.int64).sum(axis=1)
    if np.any(np.abs(corr) >= INT32_LIMIT):
        raise OutOfRange("the bias term does not fit int32")
    if ctx.native.firmware:
        return firmware_conv(ctx, w, offset, mult, left, right, kp, win, batches, in_c,
                             input_zp, output_zp, lo, hi, overlaps_input)
    koff = None
    if windows:
        w, kp, koff = window_taps(w, win, in_c)
    elif gemm16:
        koff = np.arange(0, kp, 2, dtype=np.int32)
    packed = pack_conv_weights(w, op, kp, "avx2" if gemm16 else level)
    corr_p = np.zeros(op, np.int32)
    corr_p[:out_c] = corr
    # the padded image: bytes, or int16 where the windows are read in place; 16 values of slack
    padded_values = 0 if pointwise else win.padded_h * win.padded_w * in_c + 16
    padded_bytes = padded_values * (2 if windows else 1)
    # columns: bytes at AVX-512, int16 elsewhere, none for windows read in place
    col_bytes = 0 if windows else 1 if level == "avx512" else 2
    # output pixels per GEMM: the chunk's columns and sums fit in about 64 KB of cache
    pixels4 = -(-(win.out_h * win.out_w) // 4) * 4
    chunk = min(pixels4, max(4, CHUNK_BYTES // (col_bytes * kp + 4 * op) // 4 * 4))
    ctx.workspace(chunk * (col_bytes * kp + 4 * op) + padded_bytes, "C convolution buffers")
    get = Workspace.arrays(Workspace.of(ctx))
    # slack after the columns and the padded input: copies run in pieces of 16 values
    col = None if windows else get("native_columns", (chunk * kp * col_bytes + 32,), np.uint8)
    acc = get("native_sums", (chunk, op), np.int32)
    # the padded image is the node's own: its border keeps the zero point between calls
    padded = None if pointwise else np.full(padded_values, int(input_zp) + 128,
                                            np.int16 if windows else np.uint8)
    # the sums are offset + sum x w, |x| <= 128
    nudge, fold_shift = fold_requantization(
        left, right, output_zp, mult, channel_sum_bounds(w, offset, 128, axis=1)) or (None, None)
    return ctx.native_node(
        "conv_s8", keep=(packed, corr_p, mult, left, right, nudge, fold_shift, col, acc,
                         padded, koff),
        weights=packed, corr=corr_p, mult=mult, left=left, right=right, nudge=nudge,
        fold_shift=fold_shift, col=col, acc=acc, padded=padded, koff=koff, windows=int(windows),
        batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c, out_h=win.out_h,
        out_w=win.out_w, out_c=out_c, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
        stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w,
        pad_top=win.pad_top, pad_left=win.pad_left, pad_h=win.padded_h, pad_w=win.padded_w,
        kp=kp, op=op, chunk=chunk, input_zp=input_zp, output_zp=output_zp, act_min=lo,
        act_max=hi)


WINDOWS_AT_AVX512 = 16    # the longest filter row (kw * in_c values) AVX-512 reads in place


def windows_at_avx512(win, in_c):
    """Whether AVX-512 reads a layer's windows in place through the int16 GEMM rather than
    copying im2col bytes for vpdpbusd: where a filter row is short (a first layer's few input
    channels), whose copies cost more than vpdpbusd saves (VWW's and MobileNetV3's first
    layers: about half the time)."""
    return win.kw * in_c <= WINDOWS_AT_AVX512


def window_taps(w, win, in_c):
    """AVX2's windows read in place (conv_s8.c): the weights [out_c, kh * kw * in_c] with each
    filter row's run of kw * in_c taps made even by a zero, the depth kp that gives (a multiple
    of 4), and koff, each tap pair's offset in the padded image from its window's first value
    (0 for the pairs past the filter, whose weights are zero)."""
    out_c = w.shape[0]
    run = win.kw * in_c
    even = run + run % 2
    rows = np.zeros((out_c, win.kh, even), np.int8)
    rows[:, :, :run] = w.reshape(out_c, win.kh, run)
    kp = -(-(win.kh * even) // 4) * 4
    k = 2 * np.arange(kp // 2, dtype=np.int64)
    koff = (k // even) * win.dil_h * win.padded_w * in_c + k % even
    koff[k >= win.kh * even] = 0
    if koff.max() >= INT32_LIMIT:
        raise OutOfRange("the filter spans more than int32 offsets")
    return rows.reshape(out_c, -1), kp, koff.astype(np.int32)


def firmware_conv(ctx, w, offset, mult, left, right, kp, win, batches, in_c, input_zp,
                  output_zp, lo, hi, overlaps_input=True):
    """conv_s8's op data as generated firmware's kernel reads it (csrc/mcu/conv_s8.c): int8
    weights laid out for the target, the bias folded with the input's zero point, a few
    windows of work. ``overlaps_input``: the plan may place the output over the input (a
    CONV_2D or DEPTHWISE_CONV_2D under the compact plan), so each pixel's input must be read
    before its outputs are stored; FULLY_CONNECTED passes False."""
    out_c, depth = w.shape
    corr = np.asarray(offset, np.int64)
    if np.any(np.abs(corr) >= INT32_LIMIT):
        raise OutOfRange("the bias term does not fit int32")
    corr = corr.astype(np.int32)
    pairs = -(-out_c // 2)
    packed = np.zeros((2 * pairs, kp), np.int8)
    packed[:out_c, :depth] = w
    pointwise = is_pointwise(win)
    level = ctx.native.level
    if level == "cortex-m4":
        # channel pairs, 4 taps of one then the same 4 of the other: [out_c / 2][kp / 4][2][4]
        packed = np.ascontiguousarray(packed.reshape(pairs, 2, kp // 4, 4).transpose(0, 2, 1, 3))
        from_input = pointwise and in_c % 4 == 0
        pixels = batches * win.out_h * win.out_w
        # two int16 windows, plus kp bytes to gather into unless they are the input's pixels;
        # none when pixels are unpacked as they are read (a lone pixel, a long window), which
        # only a layer whose output never overlaps its input may do
        col = None if not overlaps_input and from_input and (pixels == 1 or kp > 256) else \
            np.zeros(4 * kp + (0 if from_input else kp), np.int8)
        folded = folded_requantization(left, right, output_zp, lo, hi)
        if folded is not None and out_c % 2 == 0:
            # one table of each channel's values instead of the four arrays
            corr = np.ascontiguousarray(np.stack([corr, mult, *folded], axis=1))
            mult = left = right = None
    else:
        packed = packed[:out_c]
        # Helium: four windows of bytes; portable: one
        windows = 4 if level == "cortex-m55" else 1
        col = None if pointwise and not overlaps_input else np.zeros(windows * kp, np.int8)
    return ctx.native_node(
        "conv_s8", keep=(packed, corr, mult, left, right, col), weights=packed,
        corr=corr, mult=mult, left=left, right=right, nudge=None, fold_shift=None, col=col,
        acc=None,
        padded=None, batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c,
        out_h=win.out_h, out_w=win.out_w, out_c=out_c, kh=win.kh, kw=win.kw,
        stride_h=win.stride_h, stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w,
        pad_top=win.pad_top, pad_left=win.pad_left, pad_h=0, pad_w=0, kp=kp, op=out_c,
        input_zp=input_zp, output_zp=output_zp, act_min=lo, act_max=hi)


def fold_requantization(left, right, output_zp, mult=None, sum_bounds=None):
    """The per-channel (nudge, shift) int32 arrays of tinyrt_requantize_folded
    (csrc/fixedpoint.h) with the output zero point added in the nudge, for a layer whose every
    channel has left == 0 and right in [2, 23]; else None. Up to right 23 the nudge,
    2^(right-2) + zp 2^(right-1), and the high word it is added to stay inside int32.
    The host's AVX2 vectors (tinyrt_requantize8_folded) double the 64-bit folded sum, so they
    take a layer only where that stays inside int64 for every sum it can make: pass the
    multipliers and ``sum_bounds``, each channel's largest |sum| (channel_sum_bounds).
    Firmware's 64-bit multiply-add takes any sum and passes neither."""
    left, right = np.asarray(left, np.int64), np.asarray(right, np.int64)
    if np.any(left != 0) or np.any(right < 2) or np.any(right > 23):
        return None
    nudge = (1 << (right - 2)) + int(output_zp) * (1 << (right - 1))
    if sum_bounds is not None:
        # |acc m + nudge 2^32 + 2^30| + 2^31 < 2^62, so that twice it, less 2^32, fits int64
        acc = np.minimum(np.asarray(sum_bounds, np.int64), INT32_LIMIT)
        folded = acc * np.asarray(mult, np.int64) + (np.abs(nudge) << 32) + (1 << 30)
        if np.any(folded >= (1 << 62) - (1 << 31)):
            return None
    return nudge.astype(np.int32), (right - 1).astype(np.int32)


def folded_requantization(left, right, output_zp, lo, hi):
    """fold_requantization for firmware kernels that saturate instead of clamping: only for
    layers whose activation range is int8's whole range."""
    if (lo, hi) != (-128, 127):
        return None
    return fold_requantization(left, right, output_zp)


def is_pointwise(win):
    """Whether the window's im2col rows are the input's pixels as they are: a 1x1 filter at unit
    strides, unpadded, whose output has the input's height and width (a cropped window can have
    unit strides and a smaller output)."""
    return (win.kh, win.kw, win.stride_h, win.stride_w) == (1, 1, 1, 1) and not win.padded \
        and (win.out_h, win.out_w) == (win.in_h, win.in_w)


def pack_conv_weights(w, op, kp, level):
    """int8 weights [out_c, depth] as conv_s8's GEMM at ``level`` reads them (see conv_s8.c),
    zero-padded to op channels and kp taps: AVX-512 int8 [op/16][kp/4][16][4], AVX2 int16
    [op/16][kp/2][16][2] then [kp/2][8][2] for a last 8 channels, the others int16 [op][kp]."""
    padded = np.zeros((op, kp), np.int8)
    padded[:w.shape[0], :w.shape[1]] = w
    if level == "avx512":
        return np.ascontiguousarray(padded.reshape(op // 16, 16, kp // 4, 4).transpose(0, 2, 1, 3))
    wide = padded.astype(np.int16)
    if level == "avx2":
        blocks = op // 16 * 16
        head = wide[:blocks].reshape(op // 16, 16, kp // 2, 2).transpose(0, 2, 1, 3)
        tail = wide[blocks:].reshape(op % 16, kp // 2, 2).transpose(1, 0, 2)
        return np.ascontiguousarray(np.concatenate([head.reshape(-1), tail.reshape(-1)]))
    return wide


# output pixels per im2col chunk of the float kernel: about this many floats of columns
FLOAT_CHUNK_VALUES = 1 << 15


@prepares_native
def native_conv_f32(ctx, weights, bias, win, batches, in_c, lo, hi):
    """The conv_f32 node of a float32 CONV_2D: ``weights`` [out_c, kh * kw * in_c], ``bias``
    [out_c] or None."""
    w = np.asarray(weights, np.float32)
    out_c, depth = w.shape
    rows = batches * win.out_h * win.out_w
    if out_c == 0 or depth == 0 or win.pad_top < 0 or win.pad_left < 0 or rows >= INT32_LIMIT:
        raise OutOfRange("not a layer the C kernel takes")
    if win.padded and not np.all(np.isfinite(w)):
        # TFLM skips taps outside the input; the kernel's zero columns would make inf x 0 NaN
        raise OutOfRange("non-finite weights with padding")
    pointwise = is_pointwise(win)
    chunk = max(24, FLOAT_CHUNK_VALUES // depth // 24 * 24)
    col = None if pointwise else np.zeros(chunk * depth, np.float32)
    ctx.workspace(4 * ((0 if col is None else col.size) + (out_c + 16) * (depth + 1)),
                  "C float convolution buffers")
    packed = pack_f32_blocks(w)
    bias = pad_f32_blocks(bias, out_c)
    return ctx.native_node(
        "conv_f32", keep=(packed, bias, col), weights=packed, bias=bias, col=col,
        batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c, out_h=win.out_h,
        out_w=win.out_w, out_c=out_c, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
        stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w, pad_top=win.pad_top,
        pad_left=win.pad_left, chunk=chunk, act_min=lo, act_max=hi)


def conv_requantization(kernel, x, w, y, channels):
    """Per-channel (multiplier, shift) arrays of a quantized convolution's output."""
    if x.quantization is None or w.quantization is None or y.quantization is None:
        kernel.fail("quantized convolution needs quantization parameters on input, "
                    "weights and output")
    if not float(y.quantization.scale[0]) > 0:
        kernel.fail("the output scale must be positive")
    w_scale = w.quantization.scale.astype(np.float64)
    if len(w_scale) not in (1, channels):
        kernel.fail(f"weights have {len(w_scale)} scales for {channels} output channels")
    w_scale = np.broadcast_to(w_scale, (channels,))
    real = np.float64(x.quantization.scale[0]) * w_scale / np.float64(y.quantization.scale[0])
    return defined_shifts(kernel, *quant.quantize_multipliers(real))


def check_window(kernel, win, strides_and_dilations=True):
    """Refuse a window TFLM would compute with a geometry cut to int16 (see Window2D)."""
    why = win.tflm_int16_overflow(strides_and_dilations)
    if why:
        kernel.fail(why)


def bias_values(kernel, b, channels, dtypes=None, input_dtype=None):
    """The bias as int64 (zeros when absent). ``dtypes``: the bias types TFLM reads correctly
    for this input type; it reinterprets any other type's bytes as one of them, which is
    refused here rather than imitated."""
    if b is None:
        return np.zeros(channels, np.int64)
    if b.data is None or int(np.prod(b.shape)) != channels:
        kernel.fail(f"bias must be a constant of {channels} values")
    if np.dtype(b.dtype).kind != "i":
        kernel.fail(f"a quantized op's bias must be integers, not {b.dtype}")
    if dtypes is not None and np.dtype(b.dtype) not in [np.dtype(d) for d in dtypes]:
        names = " or ".join(np.dtype(d).name for d in dtypes)
        kernel.fail(f"{np.dtype(input_dtype).name} input takes a {names} bias, not {b.dtype}")
    return b.data.astype(np.int64).reshape(channels)


def int16_accumulator_bits(kernel, b):
    """Width of TFLM's accumulator for a 16x8 CONV_2D or FULLY_CONNECTED: 32 with an int32 bias,
    or with no bias when the options' quantized_bias_type is INT32; 64 otherwise."""
    if b is not None:
        return 32 if b.dtype == np.int32 else 64
    return 32 if kernel.options.get("quantized_bias_type") == TYPE_CODE["INT32"] else 64


@register("CONV_2D")
class Conv2D(Kernel):
    dtypes = ("float32", "int8", "int16", "hybrid", "int4 weights")

    def prepare(self, ctx):
        x, w = ctx.inputs[0], ctx.inputs[1]
        b = ctx.inputs[2] if len(ctx.inputs) > 2 else None
        y = ctx.outputs[0]
        if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
            self.fail("input, weights and output must be 4-D (NHWC, OHWI)")
        if w.data is None:
            self.fail("weights must be constant")
        wdata = filter_values(self, ctx, w, x)
        n, in_h, in_w, in_c = x.shape
        out_c, kh, kw, w_in_c = w.shape
        if in_c % w_in_c:
            self.fail(f"input has {in_c} channels; weights take {w_in_c}")
        if in_c != w_in_c:
            self.fail("grouped convolution is not supported")
        o = self.options
        win = Window2D(padding_name(o), in_h, in_w, kh, kw, o["stride_h"], o["stride_w"],
                       o["dilation_hfactor"], o["dilation_wfactor"])
        if y.shape != (n, win.out_h, win.out_w, out_c):
            self.fail(f"output shape {list(y.shape)} should be "
                      f"{[n, win.out_h, win.out_w, out_c]}")
        check_window(self, win)
        self.win = win
        self.padded = bool(win.padded)
        # only the taps that can read the input (see Window2D): a filter or dilation far
        # larger than the input costs no memory
        wdata, kh, kw = win.crop_filter(wdata), win.kh, win.kw
        # a 1x1 unit-stride convolution's im2col rows are the input's pixels as they are
        self.pointwise = (kh, kw, o["stride_h"], o["stride_w"]) == (1, 1, 1, 1) and \
            not self.padded and not win.offset and (win.out_h, win.out_w) == (in_h, in_w)
        self.shape2d = (n * win.out_h * win.out_w, kh * kw * in_c)
        ctx.workspace(self.shape2d[0] * (self.shape2d[1] + out_c) * 16 +
                      win.padded_bytes(n, in_c, 8), "im2col columns and the padded input")
        self.out2d = (n * win.out_h * win.out_w, out_c)
        act = activation(o)
        if x.dtype == np.float32 and w.element_dtype == np.int8 and y.dtype == np.float32:
            q = w.quantization
            if q is None or np.any(q.zero_point) or len(q.scale) not in (1, out_c):
                self.fail("hybrid CONV_2D needs symmetric weight quantization, per tensor or "
                          "per output channel")
            # LiteRT takes its per-tensor path (symmetric input quantization) for one scale
            # and for per-channel scales that are all equal; per-channel otherwise
            self.kind = "hybrid" if len(set(np.asarray(q.scale).tolist())) > 1 else \
                "hybrid per-tensor"
            if self.kind == "hybrid per-tensor" and (win.dil_h, win.dil_w) != (1, 1):
                self.fail("hybrid CONV_2D with per-tensor weights and dilation: LiteRT "
                          "computes it without the dilation, so there is no result to match")
            w2d = wdata.astype(np.int64).reshape(out_c, -1)
            self.gemm = IntegerGemm(w2d, 256)
            self.w_scales = np.broadcast_to(np.asarray(q.scale, np.float32),
                                            (out_c,)).copy()
            self.bias = np.zeros(out_c, np.float32) if b is None else \
                np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.buf, self.interior = win.padded_buffer(n, in_c, np.float32, 0)
            self.batch = n
            return
        if x.dtype == np.float32:
            if w.element_dtype != np.float32 or y.dtype != np.float32:
                self.fail("float32 input needs float32 weights and output")
            self.kind = "float"
            self.w2d = np.asarray(wdata, np.float32).reshape(out_c, -1)
            self.bias = None if b is None else np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.native = native_conv_f32(ctx, self.w2d, self.bias, win, n, in_c, self.lo,
                                          self.hi)
            if self.native is None:
                self.buf, self.interior = win.padded_buffer(n, in_c, np.float32, 0)
                self.outside = None
                if self.padded and not np.all(np.isfinite(self.w2d)):
                    # TFLM skips taps outside the input; a padded 0 x inf would be NaN, so
                    # those products are +0.0 instead (see ordered_dot): the columns outside
                    inside, interior = win.padded_buffer(n, 1, bool, False)
                    interior[...] = True
                    self.outside = np.ascontiguousarray(np.broadcast_to(
                        ~win.windows(inside), (n, win.out_h, win.out_w, kh, kw, in_c))
                        .reshape(self.shape2d))
            return
        if x.dtype not in (np.int8, np.int16) or w.element_dtype != np.int8 or y.dtype != x.dtype:
            self.fail(f"unsupported types: input {x.dtype}, weights {w.element_dtype}, "
                      f"output {y.dtype}")
        self.kind = "int16" if x.dtype == np.int16 else "int8"
        wide = x.dtype == np.int16
        # TFLM's 16x8 convolution has no input or output offset: int16 zero points (0 from
        # any converter) are not applied, only the output's bounds the activation clamp
        zx = int(x.quantization.zero_point[0]) if x.quantization is not None and not wide else 0
        w2d = wdata.astype(np.int64).reshape(out_c, -1)
        self.gemm = IntegerGemm(w2d, 1 << 15 if wide else 256)
        # sum (x - zx) w = sum x w - zx sum w; padding holds zx so it adds nothing
        bias_types = (np.int32, np.int64) if wide else (np.int32,)
        self.offset = bias_values(self, b, out_c, bias_types, x.dtype) - zx * w2d.sum(axis=1)
        m, s = conv_requantization(self, x, w, y, out_c)
        self.gemm.set_offset(self.offset)
        self.output = QuantizedOutput(m, s, y, act, self.out2d, self.gemm.acc_bound,
                                      acc_bits=int16_accumulator_bits(self, b) if wide else 32,
                                      add_zero_point=not wide)
        if not wide:
            self.native = native_conv(ctx, np.asarray(wdata).reshape(out_c, -1), self.offset, m,
                                      s, win, n, in_c, zx, zero_point_of(y), self.output.lo,
                                      self.output.hi)
            if self.native is not None:
                return
        self.buf, self.interior = win.padded_buffer(n, in_c, x.dtype, zx)
        self.work = self.gemm.buffers(self.shape2d[0], Workspace.of(ctx))

    def _eval_hybrid(self, x, out):
        """Per batch: quantize asymmetrically, GEMM exactly with the zero point taken off, then
        (sum x weight scale) x input scale + bias, in that float order (TFLite's reference)."""
        q, scales, zps = hybrid.quantize_rows_asymmetric(x.reshape(self.batch, -1))
        for b in range(self.batch):
            self.buf[b] = zps[b]              # taps outside the input add nothing
            self.interior[b] = q[b].reshape(self.interior.shape[1:])
        cols = self.win.windows(self.buf).reshape(self.batch, -1, self.shape2d[1])
        outs = out.reshape(self.batch, -1, self.out2d[1])
        for b, (scale, zp) in enumerate(zip(scales, zps)):
            acc = self.gemm(cols[b] - zp).astype(np.float32)   # [pixels, out_c]
            clip(acc * self.w_scales * scale + self.bias, self.lo, self.hi, out=outs[b])

    def _eval_hybrid_per_tensor(self, x, out):
        """LiteRT's EvalHybrid: per batch, quantize symmetrically (zero point 0, so padding
        adds nothing), GEMM exactly, then 0 + sum x (input scale x weight scale), + bias."""
        q, scales = hybrid.quantize_rows_symmetric(x.reshape(self.batch, -1))
        scales = scales * self.w_scales[0]            # float32, as LiteRT folds them
        self.buf[...] = 0
        self.interior[...] = q.reshape(self.interior.shape)
        cols = self.win.windows(self.buf).reshape(self.batch, -1, self.shape2d[1])
        outs = out.reshape(self.batch, -1, self.out2d[1])
        for b in range(self.batch):
            acc = self.gemm(cols[b]).astype(np.float32) * scales[b] + np.float32(0)
            clip(acc + self.bias, self.lo, self.hi, out=outs[b])

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.kind == "hybrid":
            self._eval_hybrid(x, outputs[0])
            return
        if self.kind == "hybrid per-tensor":
            self._eval_hybrid_per_tensor(x, outputs[0])
            return
        if self.padded:
            self.interior[...] = x
            x = self.buf
        # [N, OH, OW, kh, kw, C]: im2col rows, uncopied
        cols = x.reshape(self.shape2d) if self.pointwise else self.win.windows(x)
        out = outputs[0].reshape(self.out2d)
        if self.kind == "float":
            cols = cols.reshape(self.shape2d)
            acc = ordered_dot(cols, self.w2d, self.outside)
            if self.bias is not None:
                acc += self.bias
            clip(acc, self.lo, self.hi, out=out)
            return
        self.output.store(self.gemm.into(cols, self.work), out)
