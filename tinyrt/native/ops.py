"""Prepared calls of the native kernels: the parameter structs of kernels.c filled once in
prepare (weights packed, constants folded, work memory taken), the tensors' addresses filled
on the first eval and whenever the arrays passed change. Each call is then one C function
call with one pointer.
"""
import ctypes

import numpy as np

from . import structs

INT32_LIMIT = 1 << 31


def window_geometry(win, batches, in_c):
    """The shape fields the kernels share, from a kernels.common.Window2D."""
    return dict(batches=batches, in_h=win.in_h, in_w=win.in_w, in_c=in_c, out_h=win.out_h,
                out_w=win.out_w, kh=win.kh, kw=win.kw, stride_h=win.stride_h,
                stride_w=win.stride_w, dil_h=win.dil_h, dil_w=win.dil_w, pad_top=win.pad_top,
                pad_left=win.pad_left)


def _addr(a):
    return a.ctypes.data


def _split_shifts(shift, length):
    """TFLM's shift as the kernels take it: left (>= 0) and right (>= 0) int32 arrays."""
    shift = np.broadcast_to(np.asarray(shift, np.int64), (length,))
    return (np.ascontiguousarray(np.maximum(shift, 0), np.int32),
            np.ascontiguousarray(np.maximum(-shift, 0), np.int32))


class _Call:
    """A C entry point with its parameter struct; keeps every array it points to alive."""

    def __init__(self, fn, params, keep):
        self.fn = fn
        self.params = params
        self.ref = ctypes.byref(params)
        self.keep = keep
        self.bound = (None, None)

    def __call__(self, x, y):
        if x is not self.bound[0] or y is not self.bound[1]:
            if not (x.flags.c_contiguous and y.flags.c_contiguous):
                raise ValueError("native kernels need contiguous tensors")
            self.params.input, self.params.output = _addr(x), _addr(y)
            self.bound = (x, y)
        self.fn(self.ref)


def conv(lib, weights, bias, multiplier, shift, geometry, input_zp, output_zp, lo, hi,
         workspace_array):
    """int8 CONV_2D (or FULLY_CONNECTED as a 1x1 convolution): returns a call f(x, y) or None
    when the layer is outside what the C kernel computes exactly.

    ``weights``: int8 [out_c, kh * kw * in_c]; ``bias``: int64 [out_c]; ``geometry``: dict of
    the ConvParams shape fields (batches, in_h, ..., pad_left); ``workspace_array``: the
    interpreter's Workspace.array-like function (slot, shape, dtype) -> array."""
    w = np.asarray(weights)
    out_c, depth = w.shape
    if w.dtype != np.int8 or out_c == 0 or depth == 0:
        return None
    kp, op = -(-depth // 4) * 4, -(-out_c // 16) * 16
    # sum (x - zp) w + bias = sum (x + 128) w + (bias - (zp + 128) sum w); the kernel's
    # int32 arithmetic wraps as TFLM's accumulator does, so only the constant must fit
    corr = np.asarray(bias, np.int64) - (int(input_zp) + 128) * w.astype(np.int64).sum(axis=1)
    if np.any(np.abs(corr) >= INT32_LIMIT):
        return None
    padded = np.zeros((op, kp), np.int8)
    padded[:out_c, :depth] = w
    # blocks of 16 outputs, groups of 4 k: [op/16][kp/4][16][4]
    packed = np.ascontiguousarray(padded.reshape(op // 16, 16, kp // 4, 4).transpose(0, 2, 1, 3))
    corr_p = np.zeros(op, np.int32)
    corr_p[:out_c] = corr
    mult = np.ascontiguousarray(np.broadcast_to(np.asarray(multiplier, np.int64), (out_c,)),
                                np.int32)
    left, right = _split_shifts(shift, out_c)
    g = geometry
    rows = g["batches"] * g["out_h"] * g["out_w"]
    rows4 = -(-rows // 4) * 4
    # 16 bytes of slack after the columns and the padded input: copies run in 16-byte pieces
    col = workspace_array("native_columns", (rows4 * kp + 16,), np.uint8)
    acc = workspace_array("native_sums", (rows4, op), np.int32)
    pointwise = (g["kh"], g["kw"], g["stride_h"], g["stride_w"], g["pad_top"],
                 g["pad_left"]) == (1, 1, 1, 1, 0, 0) and \
        (g["out_h"], g["out_w"]) == (g["in_h"], g["in_w"])
    pad_h, pad_w = _padded_extent(g)
    # the padded input is the kernel's own: its border keeps the zero point between calls
    padded = None if pointwise else \
        np.full(g["batches"] * pad_h * pad_w * g["in_c"] + 16, int(input_zp) + 128, np.uint8)
    p = structs.ConvParams(weights=_addr(packed), corr=_addr(corr_p), mult=_addr(mult),
                           left=_addr(left), right=_addr(right), col=_addr(col), acc=_addr(acc),
                           padded=None if padded is None else _addr(padded), pad_h=pad_h,
                           pad_w=pad_w, kp=kp, op=op, out_c=out_c, input_zp=int(input_zp),
                           output_zp=int(output_zp), act_min=int(lo), act_max=int(hi), **g)
    return _Call(lib.tinyrt_conv_s8, p, (packed, corr_p, mult, left, right, col, acc, padded))


def _padded_extent(g):
    """Rows and columns of the input with its padding: enough for every tap of every window."""
    pad_h = max(g["in_h"] + g["pad_top"],
                (g["out_h"] - 1) * g["stride_h"] + (g["kh"] - 1) * g["dil_h"] + 1)
    pad_w = max(g["in_w"] + g["pad_left"],
                (g["out_w"] - 1) * g["stride_w"] + (g["kw"] - 1) * g["dil_w"] + 1)
    return pad_h, pad_w


def depthwise(lib, taps, bias, multiplier, shift, geometry, input_zp, output_zp, lo, hi,
              workspace_array):
    """int8 DEPTHWISE_CONV_2D: ``taps`` int8 [kh * kw, out_c]; ``bias`` int64 [out_c];
    ``geometry``: the DepthwiseParams shape fields. Returns a call f(x, y) or None."""
    g = geometry
    taps = np.asarray(taps)
    out_c, out_w = g["out_c"], g["out_w"]
    bias = np.asarray(bias, np.int64)
    # |x - zp| <= 255, |w| <= 128: the sums stay far inside int32 for any real filter
    if np.any(np.abs(bias) + 255 * 128 * taps.shape[0] >= INT32_LIMIT) or out_c == 0:
        return None
    tile = lambda a, t: np.ascontiguousarray(np.tile(a, out_w), t)   # noqa: E731
    # each weight as its 16 bits, zero-extended to 32 (see kernels.c)
    weights = np.ascontiguousarray(
        np.tile(taps.astype(np.int16).view(np.uint16).astype(np.int32), (1, out_w)))
    mult = np.broadcast_to(np.asarray(multiplier, np.int64), (out_c,))
    left, right = _split_shifts(shift, out_c)
    pad_h, _ = _padded_extent(g)
    st = g["stride_w"]
    # a phase plane holds padded columns j = st q + phase at q: as many as the input needs
    # written and the last output column reads
    plane_w = max((g["in_w"] - 1 + g["pad_left"]) // st,
                  (g["kw"] - 1) * g["dil_w"] // st + out_w - 1) + 1
    planes = np.zeros(g["batches"] * st * pad_h * plane_w * out_c, np.int32)
    arrays = dict(weights=weights, bias=tile(bias, np.int32), mult=tile(mult, np.int32),
                  left=tile(left, np.int32), right=tile(right, np.int32),
                  planes=planes)
    p = structs.DepthwiseParams(input_zp=int(input_zp), output_zp=int(output_zp),
                                act_min=int(lo), act_max=int(hi), pad_h=pad_h, plane_w=plane_w,
                                **{k: _addr(a) for k, a in arrays.items()}, **g)
    return _Call(lib.tinyrt_depthwise_s8, p, tuple(arrays.values()))
