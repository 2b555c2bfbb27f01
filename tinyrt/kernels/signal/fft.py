"""SignalRfft and SignalIrfft: TFLM's real FFT and its inverse over the last axis, each frame
computed with kissfft in the tensor's own arithmetic (int16, int32 or float32).

Complex tensors hold interleaved (real, imaginary) pairs: an RFFT of ``fft_length`` points has
``fft_length + 2`` values per frame. The fixed-point transforms scale by 1/fft_length along the
way (kissfft divides by each butterfly's radix) in both directions; the float forward transform
is unscaled and the float inverse divides by fft_length at the end.
"""
import numpy as np

from ..base import Kernel, register
from .common import sorted_options
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
        self.rfft.plan(self.frames)        # buffers and call sequence, built once

    def check_lengths(self, ctx, in_len, out_len):
        raise NotImplementedError


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
