"""SignalRfft and SignalIrfft: TFLM's real FFT and its inverse over the last axis, each frame
computed with kissfft in the tensor's own arithmetic (int16, int32 or float32).

Complex tensors hold interleaved (real, imaginary) pairs: an RFFT of ``fft_length`` points has
``fft_length + 2`` values per frame. The fixed-point transforms scale by 1/fft_length along the
way (kissfft divides by each butterfly's radix) in both directions; the float forward transform
is unscaled and the float inverse divides by fft_length at the end.
"""
import numpy as np

from ...native.core import OutOfRange, prepares_native
from ..base import Kernel, register
from .common import point_native, sorted_options
from .kiss_fft import KissFFTR

# the "T" option holds a schema TensorType
_TENSOR_TYPES = {0: np.dtype(np.float32), 2: np.dtype(np.int32), 7: np.dtype(np.int16)}


class _FftBase(Kernel):
    dtypes = ("float32", "int16", "int32")
    inverse = False

    def init(self, options, custom_options):
        super().init(options, custom_options)
        opts = sorted_options(self, custom_options)
        # TFLM reads fft_length by position: the second value of the key-sorted map
        self.fft_length = int(opts[1][1]) if len(opts) > 1 else None
        self.dtype = _TENSOR_TYPES.get(dict(opts).get("T"))

    def prepare(self, ctx):
        if len(ctx.inputs) != 1 or len(ctx.outputs) != 1:
            self.fail("takes one input and one output")
        x, y = ctx.inputs[0], ctx.outputs[0]
        if self.dtype is None:
            self.fail("option T must be int16, int32 or float32")
        if self.fft_length is None:
            self.fail("needs the fft_length option")
        if x.dtype != self.dtype or y.dtype != self.dtype:
            self.fail(f"input and output must be {self.dtype.name} (option T)")
        if len(x.shape) != len(y.shape) or len(x.shape) == 0:
            self.fail("input and output must have the same number of dimensions")
        if tuple(x.shape[:-1]) != tuple(y.shape[:-1]):
            self.fail("input and output must have the same outer dimensions")
        try:
            self.rfft = KissFFTR(self.fft_length, self.inverse, self.dtype)
        except ValueError as e:
            self.fail(f"fft_length: {e}")
        self.frames = int(np.prod(x.shape[:-1], dtype=np.int64))
        self.check_lengths(ctx, x.shape[-1], y.shape[-1])
        self.native = native_fft(ctx, self, int(x.shape[-1]), int(y.shape[-1]))
        if self.native is None:
            self.rfft.plan(self.frames)    # buffers and call sequence, built once

    def check_lengths(self, ctx, in_len, out_len):
        raise NotImplementedError


_TYPE_CODES = {np.dtype(np.float32): 0, np.dtype(np.int16): 1, np.dtype(np.int32): 2}


def _pairs(re, im):
    """(re, im) arrays -> one contiguous array of interleaved pairs."""
    return np.ascontiguousarray(np.stack([re, im], -1).reshape(-1))


@prepares_native
def native_fft(ctx, op, in_len, out_len):
    """kissfft's tables as KissFFTR prepared them: factors, twiddles and super twiddles."""
    fft = op.rfft.fft
    ncfft = op.rfft.ncfft
    if op.frames >= 1 << 31 or ncfft >= 1 << 30:
        raise OutOfRange("too many frames or too long a transform")
    factors = np.asarray(fft.factors, np.int32).reshape(-1)
    twiddles = _pairs(*fft.twiddles)
    super_re, super_im = (t[1:] for t in op.rfft.super_tw)
    super_twiddles = _pairs(super_re, super_im)
    tmp = np.zeros(2 * ncfft, op.dtype)
    # the forward transform's zero-padded frame is its scratch buffer, bound in bind()
    return ctx.native_node(
        "signal_rfft", keep=(factors, twiddles, super_twiddles, tmp), factors=factors,
        twiddles=twiddles, super_twiddles=super_twiddles, tmp=tmp,
        type=_TYPE_CODES[op.dtype], inverse=int(op.inverse), ncfft=ncfft, frames=op.frames,
        in_len=in_len, out_len=out_len, scale=float(op.fft_length))


@register("SignalRfft")
class Rfft(_FftBase):
    def check_lengths(self, ctx, in_len, out_len):
        if not 0 < in_len <= self.fft_length:
            self.fail(f"input frames of {in_len} samples do not fit fft_length {self.fft_length}")
        if out_len != self.fft_length + 2:
            self.fail(f"output frames must hold fft_length/2 + 1 complex values "
                      f"({self.fft_length + 2}), not {out_len}")
        self.input_length = in_len
        ctx.request_scratch(self.fft_length * self.dtype.itemsize)   # TFLM's zero-padded frame

    def bind(self):
        point_native(self, frame=self.scratch[0])

    def eval(self, inputs, outputs):
        x = inputs[0].reshape(self.frames, self.input_length)
        self.rfft.forward(x, out=outputs[0].reshape(self.frames, self.fft_length // 2 + 1, 2))


@register("SignalIrfft")
class Irfft(_FftBase):
    inverse = True

    def check_lengths(self, ctx, in_len, out_len):
        if in_len != self.fft_length + 2:
            self.fail(f"input frames must hold fft_length/2 + 1 complex values "
                      f"({self.fft_length + 2}), not {in_len}")
        if out_len != self.fft_length:
            self.fail(f"output frames must have fft_length ({self.fft_length}) samples, "
                      f"not {out_len}")
        self.scale = np.float32(self.fft_length)

    def eval(self, inputs, outputs):
        x = inputs[0].reshape(self.frames, self.fft_length // 2 + 1, 2)
        y = outputs[0].reshape(self.frames, self.fft_length)
        self.rfft.inverse(x, out=y)
        if self.dtype == np.float32:
            np.divide(y, self.scale, out=y)
