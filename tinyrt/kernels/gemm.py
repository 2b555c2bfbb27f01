"""Matrix products for kernels: exact integer GEMMs through BLAS, and float32 dot products in
TFLM's summation order.

Integer products are exact in float64 (and in float32 while every partial sum stays below
2^24), so an int8/int16 GEMM can run as a BLAS call and be converted back to int64 without
changing a bit. Float kernels of TFLM sum products one by one in float32; ``ordered_dot``
reproduces that order with a sequential accumulate.
"""
import math

import numpy as np

from ..workspace import Workspace

FLOAT32_EXACT = 1 << 24


def channel_sum_bounds(weights, offset, reach, axis):
    """Each channel's largest |offset + sum x w| over inputs |x| <= reach: ``weights`` summed
    along ``axis``, ``offset`` per channel."""
    w = np.abs(np.asarray(weights, np.int64)).sum(axis=axis)
    return np.abs(np.asarray(offset, np.int64)) + reach * w


class IntegerGemm:
    """y[n, o] = sum_k x[n, k] * w[o, k] exactly, for integer x and a constant integer w.

    ``x_bound`` is the largest |x| the kernel may pass. Picks float32 BLAS when every partial
    sum is exact in float32, else float64; reductions too long even for float64 are split.
    """

    def __init__(self, weights, x_bound):
        w = np.asarray(weights, np.int64)
        self.out_features, self.depth = w.shape
        w_bound = int(np.abs(w).max()) if w.size else 0
        worst = self.depth * w_bound * int(x_bound)
        if worst < FLOAT32_EXACT:
            self.dtype = np.float32
        else:
            self.dtype = np.float64
        # Chunks of the reduction whose sums stay exact in float64 (always one in practice).
        chunk = max(1, (1 << 53) // max(w_bound * int(x_bound), 1))
        self.chunks = [(k, min(k + chunk, self.depth)) for k in range(0, self.depth, chunk)]
        self.wt = np.ascontiguousarray(w.T.astype(self.dtype))   # [K, O]
        self.product_bound = worst        # largest |sum_k x w| the GEMM can produce
        self.row_bounds = channel_sum_bounds(w, 0, int(x_bound), axis=1)   # per channel
        self.set_offset(np.zeros(self.out_features, np.int64))

    def buffers(self, rows, workspace=None):
        """Work arrays for ``rows`` input rows: (x as float, product as float, int64 result),
        made once in prepare and reused every invoke (from ``workspace``, a
        workspace.Workspace, when given)."""
        get = Workspace.arrays(workspace)
        return (get("inputs", (rows, self.depth), self.dtype),
                get("sums", (rows, self.out_features), self.dtype),
                get("gemm_acc", (rows, self.out_features), np.int64))

    def set_offset(self, offset):
        """An int64 term per output (bias minus the zero-point correction) that ``into`` adds.
        The GEMM's sums are exact integers, so the addition is done in float64 on the way out
        while that stays exact."""
        offset = np.asarray(offset, np.int64)
        self.offset = offset
        # the largest |offset + sum x w| of any channel
        self.acc_bound = int(np.max(self.row_bounds + np.abs(offset), initial=0))
        self.offset_f64 = offset.astype(np.float64) \
            if len(self.chunks) == 1 and np.abs(offset).max(initial=0) < (1 << 52) else None

    def into(self, x, bufs):
        """Like calling, but into ``bufs`` from ``buffers`` and with the offset added; returns
        the int64 array. ``x`` may be any view with the rows' values in order, such as the
        6-D window view of a convolution: it is converted into the work array in one copy."""
        xf, yf, acc = bufs
        if self.offset_f64 is None:
            acc[...] = self(x.reshape(xf.shape))
            acc += self.offset
            return acc
        np.copyto(xf.reshape(x.shape), x, casting="unsafe")
        np.matmul(xf, self.wt, out=yf)
        np.add(yf, self.offset_f64, out=acc, casting="unsafe")
        return acc

    def __call__(self, x):
        """x: integer array [..., K]; returns int64 [..., O]."""
        xf = x.astype(self.dtype)
        if len(self.chunks) == 1:
            return np.matmul(xf, self.wt).astype(np.int64)
        out = 0
        for a, b in self.chunks:
            out = out + np.matmul(xf[..., a:b], self.wt[a:b]).astype(np.int64)
        return out


def filter_values(kernel, ctx, w, x):
    """The constant filter ``w``'s values as an array. Packed int4 filters take int8 input only
    (as in TFLM) and are widened here, once. TFLM widens them into a scratch buffer of one byte
    per element on every invoke; that buffer is requested too, so the arena plan is TFLM's."""
    if not w.packed_bits:
        return w.data
    if x.dtype != np.int8:
        kernel.fail(f"int4 weights need int8 input, not {x.dtype}")
    ctx.request_scratch(math.prod(w.shape))
    return w.unpacked()


def ordered_dot(x, w, skip=None):
    """float32 y[n, o] = sum_k x[n, k] * w[o, k], summed in k order as TFLM's reference loops do
    (``total += x * w`` one product at a time). ``skip``: bool [..., K], products TFLM does not
    add (taps outside the input), taken as +0.0, which leaves a sum from +0.0 unchanged."""
    prods = x[..., None, :].astype(np.float32) * w.astype(np.float32)  # [..., O, K]
    if skip is not None:
        prods[np.broadcast_to(skip[..., None, :], prods.shape)] = 0
    if prods.shape[-1] == 0:
        return np.zeros(prods.shape[:-1], np.float32)
    total = np.add.accumulate(prods, axis=-1, dtype=np.float32)[..., -1]
    # TFLM's sum starts at +0.0: a sum of -0.0 products only is +0.0
    return np.add(total, np.float32(0), out=total)


F32_BLOCK = 16     # outputs per packed block of the C float GEMM (csrc/gemm_f32.h)


def pack_f32_blocks(w):
    """float32 weights [outputs, depth] as the C float GEMM reads them: blocks of 16 outputs,
    [outputs / 16][depth][16], zeros past the last output."""
    w = np.asarray(w, np.float32)
    outputs, depth = w.shape
    blocks = -(-outputs // F32_BLOCK)
    padded = np.zeros((blocks * F32_BLOCK, depth), np.float32)
    padded[:outputs] = w
    return np.ascontiguousarray(padded.reshape(blocks, F32_BLOCK, depth).transpose(0, 2, 1))


def pad_f32_blocks(values, outputs):
    """A float32 per-output vector padded with zeros to whole blocks of 16 (None stays None)."""
    if values is None:
        return None
    padded = np.zeros(-(-outputs // F32_BLOCK) * F32_BLOCK, np.float32)
    padded[:outputs] = np.asarray(values, np.float32).reshape(outputs)
    return padded
