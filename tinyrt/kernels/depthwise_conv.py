"""DEPTHWISE_CONV_2D: float32, int8 (per-channel weights), int16 x int8 (int64 bias only:
TFLM reads any bias of a 16x8 depthwise convolution as int64, so an int32 one is refused).

Each output channel c = input channel c // depth_multiplier; the sum runs over the filter taps,
one vectorised multiply-add per tap (in TFLM's tap order, which float results depend on). With
the compiled core, int8 runs in its depthwise_s8 kernel and float32 in depthwise_f32.
"""
import numpy as np

from .. import hybrid, quant
from ..workspace import Workspace
from .base import Kernel, register
from ..native.core import OutOfRange, prepares_native, requantization
from .common import QuantizedOutput, Window2D, activation, clip, padding_name, zero_point_of
from .conv import bias_values, check_window, conv_requantization, fold_requantization, \
    folded_requantization, native_conv
from .gemm import IntegerGemm, ScaledGemm, filter_values, pad_f32_blocks

# einsum's C function, without np.einsum's wrapper: a call costs about 0.7 us less
_einsum = getattr(getattr(np, "_core", np.core).multiarray, "c_einsum", np.einsum)


class TapLoop:
    """Depthwise sums as products of every window tap with its weight, then one sum over taps.

    Each channel is kept repeated depth_multiplier times in a padded copy of the input, so
    within a row the (out_w, channels) values a tap reads are contiguous. With unit strides all
    taps are one strided view [kh, kw, n, out_h, out_w * channels] of it, multiplied by the
    weights tiled along the row in a single call into a tap-major product array. With a stride
    above 1 the input is written straight into stride x stride phase planes of the padded
    input (each a padded array of its own); the taps falling in one plane again form such a
    grid. Sums of integer products are exact in any order.

    With ``dtype`` int16 (int8 inputs: |x w| <= 2^14) the products take half the memory and
    twice the SIMD lanes of float32; rows of products are then added pairwise in int16 as long
    as the weights bound every partial sum below 2^15, and the remaining rows summed into
    float32, exact below 2^24. Other dtypes (float32, float64) sum in their own type.
    """

    def __init__(self, win, n, in_c, dm, taps, dtype, fill, x_bound, workspace=None):
        out_c = in_c * dm
        sh, sw = win.stride_h, win.stride_w
        row = win.out_w * out_c
        count = win.kh * win.kw
        self.dm = dm
        hp, wp = win.in_h + win.pad_top + win.pad_bottom, win.in_w + win.pad_left + win.pad_right
        taps = np.asarray(taps).reshape(win.kh, win.kw, out_c)
        phases = {}                            # phase -> taps' (ky list) and (kx list)
        for ky in range(win.kh):
            for kx in range(win.kw):
                p = ((ky * win.dil_h) % sh, (kx * win.dil_w) % sw)
                ys, xs = phases.setdefault(p, ([], []))
                if ky not in ys:
                    ys.append(ky)
                if kx not in xs:
                    xs.append(kx)
        get = Workspace.arrays(workspace)
        self.prod = get("inputs", (count, n * win.out_h * row), dtype)
        self.fills, self.steps, order = [], [], []
        t0 = 0
        for (py, px), (ys, xs) in phases.items():
            # the plane holds padded rows py, py + sh, ... and columns px, px + sw, ...
            plane = np.full((n, len(range(py, hp, sh)), len(range(px, wp, sw)), in_c, dm),
                            fill, dtype)
            # input row r sits at padded row r + pad_top: in this plane when that is py mod sh
            r0, c0 = (py - win.pad_top) % sh, (px - win.pad_left) % sw
            rows, cols = range(r0, win.in_h, sh), range(c0, win.in_w, sw)
            if len(rows) and len(cols):
                a0, b0 = (r0 + win.pad_top - py) // sh, (c0 + win.pad_left - px) // sw
                dest = plane[:, a0:a0 + len(rows), b0:b0 + len(cols)]
                src = None if sh == sw == 1 else \
                    (slice(None), slice(r0, None, sh), slice(c0, None, sw))
                self.fills.append((dest[..., 0] if dm == 1 else dest, src))
            plane = plane.reshape(plane.shape[:3] + (out_c,))
            # taps of one phase sit on a regular grid of the plane
            y0, x0 = ys[0] * win.dil_h // sh, xs[0] * win.dil_w // sw
            dy = (ys[1] - ys[0]) * win.dil_h // sh if len(ys) > 1 else 0
            dx = (xs[1] - xs[0]) * win.dil_w // sw if len(xs) > 1 else 0
            s0, s1, s2, s3 = plane.strides
            view = np.lib.stride_tricks.as_strided(
                plane[:, y0:, x0:], (len(ys), len(xs), n, win.out_h, row),
                (s1 * dy, s2 * dx, s0, s1, s3), writeable=False)
            weights = np.tile(taps[np.ix_(ys, xs)], (1, 1, win.out_w))[:, :, None, None, :]
            k = len(ys) * len(xs)
            dest = self.prod[t0:t0 + k].reshape(len(ys), len(xs), n, win.out_h, row)
            self.steps.append((view, np.ascontiguousarray(weights, dtype), dest))
            order += [ky * win.kw + kx for ky in ys for kx in xs]
            t0 += k
        # int16: add the last h rows onto the first h while every partial sum provably fits
        self.halvings = []
        rows = count
        if np.dtype(dtype) == np.int16:
            bound = np.abs(taps.reshape(count, out_c).astype(np.int64))[order] * int(x_bound)
            while rows > 1:
                h = rows // 2
                merged = bound[:h] + bound[rows - h:rows]
                if merged.max(initial=0) >= 1 << 15:
                    break
                self.halvings.append((self.prod[:h], self.prod[rows - h:rows]))
                bound = np.concatenate([merged, bound[h:rows - h]])
                rows -= h
        self.remaining = self.prod[:rows]
        self.sum_dtype = np.float32 if np.dtype(dtype) == np.int16 else dtype
        self.acc = get("sums", (n * win.out_h * row,), self.sum_dtype)
        self.result = self.acc.reshape(n, win.out_h, win.out_w, out_c)

    def sums(self, x):
        """The exact sums, float, of the output's shape (a work array)."""
        for dest, src in self.fills:
            v = x if src is None else x[src]
            np.copyto(dest, v if self.dm == 1 else v[..., None], casting="unsafe")
        for view, weights, dest in self.steps:
            np.multiply(view, weights, out=dest)
        for low, high in self.halvings:
            np.add(low, high, out=low)
        np.add.reduce(self.remaining, axis=0, out=self.acc, dtype=self.sum_dtype)
        return self.result


class TapEinsum:
    """Depthwise sums as one einsum over the taps per column phase, in a float ``dtype`` in
    which they are exact (the caller checks that every partial sum of the integer products
    stays below 2^24 for float32, 2^53 for float64).

    einsum multiplies and adds in registers, so no product per tap is written and read back:
    that memory traffic, and int16 products' widening before their sum, are what TapLoop pays.
    A row of a tap's values (out_w, channels) must be contiguous for the einsum's inner loop:
    rows are taken with any stride, but a column stride s splits the padded input into s
    column phase planes (columns px, px + s, ...), one array, in which the taps of a phase
    form a regular grid. Channels are repeated depth_multiplier times, as in TapLoop. A later
    phase's sums are added onto the first's.
    """

    # strided inputs of at least this many pixels are cast in one pass (see __init__); by
    # measurement that gains from 2304 pixels on and loses at 576
    stage_min_pixels = 1024

    def __init__(self, win, n, in_c, dm, taps, dtype, in_dtype, fill, workspace=None):
        out_c = in_c * dm
        s, d = win.stride_w, win.dil_w
        hp, wp = win.in_h + win.pad_top + win.pad_bottom, win.in_w + win.pad_left + win.pad_right
        row = win.out_w * out_c
        taps = np.asarray(taps).reshape(win.kh, win.kw, out_c)
        phases = {}                             # column phase -> its taps' kx
        for kx in range(win.kw):
            phases.setdefault(kx * d % s, []).append(kx)
        planes = np.full((s, n, hp, -(-wp // s), out_c), fill, dtype)
        self.planes = planes
        if s > 1 and dm == 1 and n * win.in_h * win.in_w >= self.stage_min_pixels:
            # A cast inside a strided copy runs pixel by pixel, several times slower than
            # a contiguous one: for large inputs, strided copies move whole pixels (a void
            # item of in_c input values) into planes of the input's type, then one pass casts
            # them all.
            self.staged = np.full(planes.shape, fill, in_dtype)
            self.pixel = np.dtype((np.void, in_c * self.staged.itemsize))
            target = self.staged.view(self.pixel)[..., 0]
            tail, src_tail = (), ()
        else:
            self.staged = self.pixel = None
            target = planes.reshape(planes.shape[:4] + (in_c, dm))
            tail, src_tail = (in_c, 1), (slice(None), None)
        p0, s0, s1, s2 = target.strides[:4]
        # Input column c sits at padded column c + pad_left: plane (c + pad_left) % s, there
        # column (c + pad_left) // s. With c = s j + q, one copy fills every plane when that
        # place is affine in q (always for s <= 2) and the input is whole groups of s columns;
        # else a copy per plane. Each fill: (destination, input shape or None, input index).
        spots = [((q + win.pad_left) % s, (q + win.pad_left) // s) for q in range(s)]
        offsets = [p * p0 + b * s2 for p, b in spots]
        q_strides = {offsets[q + 1] - offsets[q] for q in range(s - 1)}
        fits = all(len(range(p, wp, s)) >= b + win.in_w // s for p, b in spots)
        self.fills = []
        if win.in_w % s == 0 and len(q_strides) <= 1 and fits:
            first = target[spots[0][0], :, win.pad_top:, spots[0][1]:]
            dest = np.lib.stride_tricks.as_strided(
                first, (n, win.in_h, win.in_w // s, s) + first.shape[3:],
                (s0, s1, s2, q_strides.pop() if q_strides else 0) + first.strides[3:])
            self.fills.append((dest, (n, win.in_h, win.in_w // s, s) + tail, None))
        else:
            for px in range(s):
                c0 = (px - win.pad_left) % s
                cols = range(c0, win.in_w, s)
                if len(cols):
                    b0 = (c0 + win.pad_left - px) // s
                    dest = target[px, :, win.pad_top:win.pad_top + win.in_h, b0:b0 + len(cols)]
                    self.fills.append((dest, None, (slice(None), slice(None),
                                                    slice(c0, None, s)) + src_tail))
        _, s0, s1, s2, s3 = planes.strides
        get = Workspace.arrays(workspace)
        self.acc = get("sums", (n, win.out_h, row), dtype)
        self.result = self.acc.reshape(n, win.out_h, win.out_w, out_c)
        part = get("inputs", (n, win.out_h, row), dtype) if len(phases) > 1 else None
        self.steps = []
        for px, xs in phases.items():
            x0 = xs[0] * d // s
            dx = (xs[1] - xs[0]) * d // s if len(xs) > 1 else 0
            view = np.lib.stride_tricks.as_strided(
                planes[px, :, :, x0:], (win.kh, len(xs), n, win.out_h, row),
                (s1 * win.dil_h, s2 * dx, s0, s1 * win.stride_h, s3), writeable=False)
            weights = np.tile(taps[:, xs], (1, 1, win.out_w)).astype(dtype)
            self.steps.append((view, weights, part if self.steps else self.acc))

    def sums(self, x):
        """The exact sums, of ``dtype`` and the output's shape (a work array)."""
        if self.pixel is not None:
            x = np.ascontiguousarray(x).view(self.pixel)[..., 0]
        for dest, shape, index in self.fills:
            np.copyto(dest, x.reshape(shape) if index is None else x[index], casting="unsafe")
        if self.staged is not None:
            np.copyto(self.planes, self.staged)
        for view, weights, dest in self.steps:
            _einsum("abnyr,abr->nyr", view, weights, out=dest)
            if dest is not self.acc:
                np.add(self.acc, dest, out=self.acc)
        return self.result


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
    # it is. The portable loops go pixel by pixel and never need them.
    lanes = {"avx512": 16, "avx2": 8}.get(ctx.native.level, 1)
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
    fold = fold_requantization(left, right, output_zp)
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
        prepared = folded_requantization(mult, left, right, output_zp, lo, hi)
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
    # output size from which strided inputs use TapLoop: every size, as with int16 products
    # splitting the input into phase planes pays off even for small outputs
    strided_tap_min_outputs = 0
    # integer sums by TapEinsum where exact (off: TapLoop's int16 products, as for sums
    # float32 cannot hold)
    tap_einsum = True

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
                      win.padded_bytes(n, in_c, 8), "window columns and the padded input")
        act = activation(o)
        taps = wdata.reshape(kh * kw, out_c)
        if x.dtype == np.float32 and w.element_dtype == np.int8 and y.dtype == np.float32:
            if w.quantization is None or np.any(w.quantization.zero_point) or \
                    len(w.quantization.scale) != out_c:
                self.fail("hybrid DEPTHWISE_CONV_2D needs symmetric per-channel weights")
            self.kind = self.mode = "hybrid"
            self.tap_grid = taps.astype(np.float64).reshape(kh, kw, out_c)
            self.w_scales = np.asarray(w.quantization.scale, np.float32)
            self.bias = np.zeros(out_c, np.float32) if b is None else \
                np.asarray(b.data, np.float32).reshape(out_c)
            self.lo, self.hi = quant.activation_range_float(act)
            self.buf, self.interior = win.padded_buffer(n, in_c, np.float64, 0)
            return
        if x.dtype == np.float32:
            if w.element_dtype != np.float32 or y.dtype != np.float32:
                self.fail("float32 input needs float32 weights and output")
            self.kind = self.mode = "float"
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
        bound = kh * kw * 128 * (1 << 15 if self.kind == "int16" else 256)
        self.acc_dtype = np.float32 if bound < (1 << 24) else np.float64
        self.taps = w_int.astype(self.acc_dtype)
        bias = bias_values(self, b, out_c, (np.int64,) if self.kind == "int16" else (np.int32,),
                           x.dtype)
        self.offset = bias - zx * w_int.sum(axis=0)
        m, s = conv_requantization(self, x, w, y, out_c)
        x_bound = 1 << 15 if self.kind == "int16" else 128
        workspace = Workspace.of(ctx)
        self.output = QuantizedOutput(m, s, y, act, y.shape, sum_bound=np.abs(w_int).sum(axis=0)
                                      * x_bound, offset=self.offset, workspace=workspace,
                                      add_zero_point=not wide)
        if not wide and in_c == 1 and ctx.native is not None and ctx.native.firmware:
            # one input channel on a microcontroller: the same sums as a convolution of out_c
            # filters, whose kernel goes two channels by two pixels at a time
            self.native = native_conv(
                ctx, np.ascontiguousarray(np.asarray(wdata).reshape(kh * kw, out_c).T),
                self.offset, m, s, win, n, in_c, zx, zero_point_of(y), self.output.lo,
                self.output.hi)
        elif not wide:
            self.native = native_depthwise(
                ctx, np.asarray(wdata).reshape(kh * kw, out_c), bias, m, s, win, n, in_c, dm,
                zx, zero_point_of(y), self.output.lo, self.output.hi)
        if not wide:
            if self.native is not None:
                self.mode = "native"
                return
        exact = self.output.exact_float
        # How the integer sums are formed (exact in any order), by what is fastest in numpy:
        # all taps in one einsum per column phase (TapEinsum) in float32 (int8) or float64
        # (int16) where those sums are exact, else all taps in one int16 product and one sum
        # (TapLoop), except for strided channel multipliers (phase planes of a repeated
        # input). Then: few input channels -> one GEMM against a block-diagonal filter matrix
        # (im2col), with the requantization folded in when exact; many channels, few taps ->
        # einsum over the taps; many of both -> a GEMM per channel.
        strided = win.stride_h > 1 or win.stride_w > 1
        largest = int(np.abs(w_int).sum(axis=0).max(initial=0)) * x_bound   # of any sum
        dtype = np.float32 if largest < 1 << 24 else np.float64
        if self.tap_einsum and not win.offset and largest < 1 << 53 and (self.kind == "int16" or
                                                      dtype == np.float32) and \
                (not strided or dm == 1):
            planes = n * (win.in_h + win.pad_top + win.pad_bottom) * out_c * \
                (win.in_w + win.pad_left + win.pad_right + win.stride_w)
            ctx.workspace((2 * planes + 2 * int(np.prod(y.shape))) * 8, "padded input planes")
            self.mode = "taps"
            self.taps_plan = TapEinsum(win, n, in_c, dm, w_int, dtype, x.dtype, zx,
                                       workspace)
            return
        if not win.offset and (not strided or (dm == 1 and int(np.prod(y.shape)) >=
                                               self.strided_tap_min_outputs)):
            ctx.workspace(int(np.prod(y.shape)) * kh * kw * 8, "tap products")
            self.mode = "taps"
            # int8 products are exact in int16 (see TapLoop)
            self.taps_plan = TapLoop(win, n, in_c, dm, w_int,
                                     np.int16 if self.kind == "int8" else self.acc_dtype, zx,
                                     x_bound, workspace)
            return
        self.scaled = None
        if in_c <= 16:
            self.mode = "block_gemm"
            block = np.zeros((kh * kw, in_c, out_c), np.int64)
            c_of = np.arange(out_c) // dm
            block[:, c_of, np.arange(out_c)] = w_int            # tap t, channel c -> c*dm+m
            block = block.reshape(kh * kw * in_c, out_c).T
            rows = n * win.out_h * win.out_w
            ctx.workspace(rows * kh * kw * in_c * 8, "window columns")
            if exact is not None:
                # requantization scale and bias folded into one float64 GEMM (see ScaledGemm)
                run = kw * in_c if win.dil_w == 1 else in_c     # contiguous values a window
                self.scaled = ScaledGemm(block, exact, (n, win.out_h, win.out_w, kh, kw, in_c),
                                         run, workspace)
                self.buf, self.interior = win.padded_buffer(n, in_c, x.dtype, zx)
                return
            self.gemm = IntegerGemm(block, 1 << 15 if self.kind == "int16" else 256)
            self.gemm.set_offset(self.offset)
            self.work = self.gemm.buffers(rows, workspace)
        elif kh * kw <= 16:
            self.mode = "einsum"
        else:
            self.mode = "channel_gemm"
            self.channel_taps = self.taps.reshape(kh * kw, in_c, dm).transpose(1, 0, 2).copy()
        # the padded workspace holds the input already converted for the products
        self.buf, self.interior = win.padded_buffer(n, in_c, self.acc_dtype, zx)
        self.acc_f = np.empty(y.shape, self.acc_dtype)
        self.tap_grid = self.taps.reshape(kh, kw, out_c)

    def _eval_hybrid(self, x, out):
        """Per batch: TFLite's asymmetric quantization, exact integer taps with the zero point
        taken off (padding then adds nothing), then sum x (weight scale x input scale) + bias."""
        q, scales, zps = hybrid.quantize_rows_asymmetric(x.reshape(x.shape[0], -1))
        self.interior[...] = (q - zps[:, None]).reshape(self.interior.shape)
        v = np.repeat(self.buf, self.dm, axis=3) if self.dm > 1 else self.buf
        acc = np.einsum("nhwklc,klc->nhwc", self.win.windows(v), self.tap_grid)
        for b, scale in enumerate(scales):
            r = acc[b].astype(np.float32) * (self.w_scales * scale) + self.bias
            clip(r, self.lo, self.hi, out=out[b])

    def eval(self, inputs, outputs):
        x = inputs[0]
        mode = self.mode
        if mode == "taps":
            self.output.store_sums(self.taps_plan.sums(x), outputs[0])
            return
        if mode == "hybrid":
            self._eval_hybrid(x, outputs[0])
            return
        if self.win.padded:
            self.interior[...] = x
            x = self.buf
        elif self.kind != "float" and self.scaled is None:
            x = x.astype(self.acc_dtype)
        out = outputs[0]
        if self.kind == "float":
            if self.dm > 1:
                x = np.repeat(x, self.dm, axis=3)
            win = self.win.windows(x)      # [N, OH, OW, kh, kw, C]
            acc = None
            t = 0
            for ky in range(self.win.kh):  # one product at a time, in TFLM's tap order
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
            return
        if mode == "block_gemm":
            cols = self.win.windows(x)
            if self.scaled is not None:
                self.output.exact_float.finish(self.scaled(cols), out)
                return
            self.output.store_sums(self.gemm.sums(cols, self.work).reshape(out.shape), out)
            return
        if mode == "channel_gemm":
            # per input channel, a GEMM of its windows [pixels, taps] with its filters
            win = self.win.windows(x)      # [N, OH, OW, kh, kw, C_in]
            n, oh, ow, kh, kw, c = win.shape
            cols = win.transpose(5, 0, 1, 2, 3, 4).reshape(c, n * oh * ow, kh * kw)
            acc = np.matmul(cols, self.channel_taps)       # [C_in, pixels, dm]
            acc = acc.transpose(1, 0, 2).reshape(n, oh, ow, c * self.dm)
        else:
            if self.dm > 1:
                x = np.repeat(x, self.dm, axis=3)
            acc = np.einsum("nhwklc,klc->nhwc", self.win.windows(x), self.tap_grid,
                            out=self.acc_f)
        self.output.store_sums(acc, out)
