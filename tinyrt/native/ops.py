"""Prepared calls of the native kernels: the parameter structs of kernels.c filled once in
prepare (weights packed, constants folded, work memory taken), the tensors' addresses filled
on the first eval and whenever the arrays passed change. Each call is then one C function
call with one pointer.

Each builder returns None when the layer is outside what the C kernel takes (the kernel then
runs its numpy code): shifts a 32-bit C shift cannot do, constants beyond int32, filters with
more taps than the C code keeps on its stack.
"""
import ctypes

import numpy as np

from ..workspace import Workspace
from . import structs

INT32_LIMIT = 1 << 31
MAX_TAPS = 256          # depthwise filter taps the C kernel holds (pointers on its stack)


def window_geometry(win, batches, in_c):
    """The shape fields the convolution kernels share, from a kernels.common.Window2D."""
    return dict(batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c, out_h=win.out_h,
                out_w=win.out_w, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
                stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w, pad_top=win.pad_top,
                pad_left=win.pad_left, pad_h=win.padded_h, pad_w=win.padded_w)


def _addr(a):
    return a.ctypes.data


def _requantization(multiplier, shift, channels):
    """(multiplier, left shift, right shift) int32 arrays of ``channels``, or None when a
    shift is outside what the C code's 32-bit shifts do as TFLM's."""
    m = np.broadcast_to(np.asarray(multiplier, np.int64), (channels,))
    shift = np.broadcast_to(np.asarray(shift, np.int64), (channels,))
    if np.any(m < 0) or np.any(m >= INT32_LIMIT) or np.any(shift > 30) or np.any(shift < -31):
        return None
    return (np.ascontiguousarray(m, np.int32),
            np.ascontiguousarray(np.maximum(shift, 0), np.int32),
            np.ascontiguousarray(np.maximum(-shift, 0), np.int32))


def _usable(geometry):
    g = geometry
    return min(g[k] for k in ("batches", "in_h", "in_w", "in_c", "out_h", "out_w", "kh", "kw",
                              "stride_h", "stride_w", "dil_h", "dil_w")) >= 1 and \
        g["pad_top"] >= 0 and g["pad_left"] >= 0


class _Call:
    """A C entry point with its parameter struct; keeps every array it points to alive.
    Called as a kernel's eval is, (inputs, outputs), for a node of one input and one output."""

    def __init__(self, fn, params, keep):
        self.fn = fn
        self.params = params
        self.ref = ctypes.byref(params)
        self.keep = keep
        self.bound = (None, None)

    def __call__(self, inputs, outputs):
        x, y = inputs[0], outputs[0]
        if x is not self.bound[0] or y is not self.bound[1]:
            if not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable):
                raise ValueError("native kernels need contiguous tensors")
            self.params.input, self.params.output = _addr(x), _addr(y)
            self.bound = (x, y)
        self.fn(self.ref)


def conv(ctx, weights, offset, multiplier, shift, geometry, input_zp, output_zp, lo, hi):
    """int8 CONV_2D (or FULLY_CONNECTED as a 1x1 convolution) for the kernel preparing
    ``ctx``: a call f(inputs, outputs), or None.

    ``weights``: int8 [out_c, kh * kw * in_c]; ``offset``: int64 [out_c], the bias minus
    input_zp * sum(w), as the numpy kernels add it; ``geometry``: the ConvParams shape fields
    (see window_geometry)."""
    w = np.asarray(weights)
    out_c, depth = w.shape
    g = geometry
    req = _requantization(multiplier, shift, out_c)
    if ctx.native is None or w.dtype != np.int8 or out_c == 0 or depth == 0 or \
            not _usable(g) or req is None:
        return None
    kp, op = -(-depth // 4) * 4, -(-out_c // 16) * 16
    # sum (x - zp) w + bias = sum (x + 128) w + offset - 128 sum w; the kernel's int32
    # arithmetic wraps as TFLM's accumulator does, so only the constant must fit
    corr = np.asarray(offset, np.int64) - 128 * w.astype(np.int64).sum(axis=1)
    if np.any(np.abs(corr) >= INT32_LIMIT):
        return None
    padded = np.zeros((op, kp), np.int8)
    padded[:out_c, :depth] = w
    # blocks of 16 outputs, groups of 4 k: [op/16][kp/4][16][4]
    packed = np.ascontiguousarray(padded.reshape(op // 16, 16, kp // 4, 4).transpose(0, 2, 1, 3))
    corr_p = np.zeros(op, np.int32)
    corr_p[:out_c] = corr
    mult, left, right = req
    rows = g["batches"] * g["out_h"] * g["out_w"]
    rows4 = -(-rows // 4) * 4
    pointwise = (g["kh"], g["kw"], g["stride_h"], g["stride_w"], g["pad_top"],
                 g["pad_left"]) == (1, 1, 1, 1, 0, 0) and \
        (g["out_h"], g["out_w"]) == (g["in_h"], g["in_w"])
    padded_bytes = 0 if pointwise else g["batches"] * g["pad_h"] * g["pad_w"] * g["in_c"] + 16
    ctx.workspace(rows4 * (kp + 4 * op) + padded_bytes, "native convolution buffers")
    get = Workspace.arrays(Workspace.of(ctx))
    # 16 bytes of slack after the columns and the padded input: copies run in 16-byte pieces
    col = get("native_columns", (rows4 * kp + 16,), np.uint8)
    acc = get("native_sums", (rows4, op), np.int32)
    # the padded input is the kernel's own: its border keeps the zero point between calls
    padded = None if pointwise else np.full(padded_bytes, int(input_zp) + 128, np.uint8)
    p = structs.ConvParams(weights=_addr(packed), corr=_addr(corr_p), mult=_addr(mult),
                           left=_addr(left), right=_addr(right), col=_addr(col), acc=_addr(acc),
                           padded=None if padded is None else _addr(padded), kp=kp, op=op, out_c=out_c, input_zp=int(input_zp),
                           output_zp=int(output_zp), act_min=int(lo), act_max=int(hi), **g)
    return _Call(ctx.native.tinyrt_conv_s8, p,
                 (packed, corr_p, mult, left, right, col, acc, padded))


def depthwise(ctx, taps, bias, multiplier, shift, geometry, input_zp, output_zp, lo, hi):
    """int8 DEPTHWISE_CONV_2D for the kernel preparing ``ctx``: a call f(x, y), or None.
    ``taps``: int8 [kh * kw, out_c]; ``bias``: int64 [out_c]; ``geometry``: the
    DepthwiseParams shape fields (window_geometry's plus out_c and dm)."""
    g = geometry
    taps = np.asarray(taps)
    out_c, out_w = g["out_c"], g["out_w"]
    bias = np.asarray(bias, np.int64)
    req = _requantization(multiplier, shift, out_c)
    if ctx.native is None or taps.dtype != np.int8 or out_c == 0 or g["dm"] < 1 or \
            not _usable(g) or req is None or taps.shape[0] > MAX_TAPS:
        return None
    # |x - zp| <= 255, |w| <= 128: every sum stays inside int32 when this holds
    if np.any(np.abs(bias) + 255 * 128 * taps.shape[0] >= INT32_LIMIT):
        return None
    st = g["stride_w"]
    # Strided columns are dealt to stride phase planes, so that a tap's inputs for a whole
    # output row are contiguous, unless the channels come in multiples of 16: the C code's
    # 16-lane chunks then lie within one pixel and read the padded input as it is.
    phases = st if st > 1 and out_c % 16 else 1
    # a plane holds padded columns j = phases q + phase at q: as many as the input needs
    # written and the last output column reads
    last = (out_w - 1) * st + (g["kw"] - 1) * g["dil_w"]
    plane_w = max((g["in_w"] - 1 + g["pad_left"]) // phases, last // phases) + 1
    plane_values = g["batches"] * phases * g["pad_h"] * plane_w * out_c
    row = out_w * out_c
    ctx.workspace(4 * (plane_values + row * (taps.shape[0] + 4)), "native depthwise buffers")
    tile = lambda a: np.ascontiguousarray(np.tile(a, out_w), np.int32)   # noqa: E731
    mult, left, right = req
    arrays = dict(
        # each weight as its 16 bits, zero-extended to 32 (see kernels.c)
        weights=np.ascontiguousarray(np.tile(
            taps.astype(np.int16).view(np.uint16).astype(np.int32), (1, out_w))),
        bias=tile(bias), mult=tile(mult), left=tile(left), right=tile(right),
        planes=np.zeros(plane_values, np.int32))
    p = structs.DepthwiseParams(input_zp=int(input_zp), output_zp=int(output_zp),
                                act_min=int(lo), act_max=int(hi), plane_w=plane_w,
                                phases=phases, **{k: _addr(a) for k, a in arrays.items()},
                                **{k: v for k, v in g.items() if k != "pad_w"})
    return _Call(ctx.native.tinyrt_depthwise_s8, p, tuple(arrays.values()))


def softmax(ctx, exp_table, sum_table, rows, depth, out_dtype, out_min, out_max):
    """int8-input SOFTMAX from the kernel's tables (256 int32 entries each, indexed by
    x - max read as uint8): a call f(x, y), or None."""
    # the Q12.19 sum of up to depth terms of at most 2^19 must stay inside int32
    if ctx.native is None or rows < 1 or not 1 <= depth < 1 << 12 or \
            np.dtype(out_dtype) not in (np.dtype(np.int8), np.dtype(np.int16)):
        return None
    tables = [np.ascontiguousarray(t, np.int32) for t in (exp_table, sum_table)]
    if any(t.shape != (256,) for t in tables):
        return None
    p = structs.SoftmaxParams(exp_table=_addr(tables[0]), sum_table=_addr(tables[1]),
                              rows=rows, depth=depth, out_bits=8 * np.dtype(out_dtype).itemsize,
                              out_min=int(out_min), out_max=int(out_max))
    return _Call(ctx.native.tinyrt_softmax_s8, p, tables)


def average_pool(ctx, win, batches, channels, lo, hi):
    """int8 AVERAGE_POOL_2D over a kernels.common.Window2D: a call f(x, y), or None."""
    g = window_geometry(win, batches, channels)
    if ctx.native is None or not _usable(g) or np.any(win.valid_counts() <= 0):
        return None
    acc = np.zeros(channels, np.int32)
    p = structs.AvgPoolParams(acc=_addr(acc), batches=batches, in_h=win.in_h, in_w=win.in_w,
                              c=channels, out_h=win.out_h, out_w=win.out_w, kh=win.kh, kw=win.kw,
                              stride_h=win.stride_h, stride_w=win.stride_w, pad_top=win.pad_top,
                              pad_left=win.pad_left, act_min=int(lo), act_max=int(hi))
    return _Call(ctx.native.tinyrt_avgpool_s8, p, (acc,))
