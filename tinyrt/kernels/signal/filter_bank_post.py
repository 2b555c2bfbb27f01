"""The back half of TFLM's Signal front end, after the filter bank:
SignalFilterBankSpectralSubtraction (noise estimate kept between invokes), SignalPCAN (per-channel
automatic gain control) and SignalFilterBankLog (fixed-point natural log).

All are integer-only, on uint32 channel energies. TFLM reads each op's options by position in the
key-sorted flexbuffer map. Its C++ shifts by counts taken from the options; on the x86 build the
oracle runs, 32-bit shifts take the count modulo 32 and 64-bit ones modulo 64, so these kernels do
the same.
"""
import numpy as np

from ..base import Kernel, register
from .common import (check_io_count, check_tensor, most_significant_bit32,
                     positional_int_options, to_int32)

INT16_MAX = 32767
U32 = 0xFFFFFFFF


# -- SignalFilterBankSpectralSubtraction -----------------------------------------------------------

@register("SignalFilterBankSpectralSubtraction")
class SignalFilterBankSpectralSubtraction(Kernel):
    """Subtracts a low-pass noise estimate from each channel, keeping at least a fraction
    (min_signal_remaining) of the signal. Even channels smooth with ``smoothing``, odd ones with
    ``alternate_smoothing``. Outputs the result and the updated estimate."""
    dtypes = ("uint32",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        (self.alt_one_minus, self.alt_smoothing, self.clamping, self.min_remaining,
         self.num_channels, self.one_minus, self.smoothing, self.smoothing_bits,
         self.subtraction_bits) = positional_int_options(self, custom_options, 9)
        self.clamping = self.clamping != 0
        self.num_channels = to_int32(self.num_channels)

    def prepare(self, ctx):
        check_io_count(self, ctx, 1, 2)
        x, y, noise = ctx.inputs[0], ctx.outputs[0], ctx.outputs[1]
        check_tensor(self, x, np.uint32, 1, "input")
        check_tensor(self, y, np.uint32, 1, "output")
        check_tensor(self, noise, np.uint32, 1, "noise estimate output")
        n = self.num_channels
        if n < 0 or x.shape[0] < n or y.shape[0] < n:
            self.fail(f"num_channels is {n}; input and output have {x.shape[0]} and "
                      f"{y.shape[0]} values")
        if noise.shape[0] > n:
            self.fail(f"noise estimate output has {noise.shape[0]} values, more than the "
                      f"{n} channels")
        self.n, self.n_noise = n, noise.shape[0]
        # The config keeps coefficients as uint32; they multiply in uint64.
        even = np.arange(n) % 2 == 0
        self.coef = np.where(even, self.smoothing & U32, self.alt_smoothing & U32).astype(np.uint64)
        self.coef_rest = np.where(even, self.one_minus & U32,
                                  self.alt_one_minus & U32).astype(np.uint64)
        self.floor_coef = np.uint64(self.min_remaining & U32)
        self.up_bits = np.uint64(self.smoothing_bits & 31)
        self.down_bits = np.uint64(self.subtraction_bits & 63)
        self.state = ctx.allocate_persistent(4 * n)

    def bind(self):
        self.noise = self.persistent[self.state].view(np.uint32)

    def reset(self):
        self.noise[...] = 0

    def eval(self, inputs, outputs):
        n = self.n
        x = inputs[0][:n].astype(np.uint64)
        scaled = (x << self.up_bits) & U32
        # the uint64 sum may wrap; the shifted result is stored as uint32
        estimate = ((scaled * self.coef + self.noise * self.coef_rest) >> self.down_bits) & U32
        capped = np.minimum(estimate, scaled)
        self.noise[...] = capped if self.clamping else estimate
        floor = ((x * self.floor_coef) >> self.down_bits) & U32
        np.maximum((scaled - capped) >> self.up_bits, floor, out=outputs[0][:n], casting="unsafe")
        outputs[1][...] = self.noise[:self.n_noise]


# -- SignalPCAN ------------------------------------------------------------------------------------

# Entries a gain table needs: 4 per bit length of the noise estimate (3 to 32 bits), counted from
# 4 * 2 - 6, so the last one read is 4 * 32 - 6 + 2.
GAIN_LUT_SIZE = 4 * 32 - 6 + 3
SNR_BITS = 12       # fractional bits of the signal-to-noise ratio
OUTPUT_BITS = 6     # fractional bits of the output


@register("SignalPCAN")
class SignalPCAN(Kernel):
    """Per-channel energy normalisation: each channel is multiplied by a gain looked up from its
    noise estimate (a piecewise quadratic in a table), then compressed by shrink(x) = x^2 / 4
    below 2 and x - 1 above."""
    dtypes = ("uint32",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        (self.snr_shift,) = positional_int_options(self, custom_options, 1)

    def prepare(self, ctx):
        check_io_count(self, ctx, 3, 1)
        x, noise, lut = ctx.inputs
        y = ctx.outputs[0]
        check_tensor(self, x, np.uint32, 1, "input")
        check_tensor(self, noise, np.uint32, 1, "noise estimate")
        check_tensor(self, lut, np.int16, 1, "gain table")
        check_tensor(self, y, np.uint32, 1, "output")
        n = x.shape[0]
        if y.shape[0] != n or noise.shape[0] < n:
            self.fail(f"output ({y.shape[0]} values) must match the input ({n}) and the noise "
                      f"estimate ({noise.shape[0]}) must cover it")
        if lut.shape[0] < GAIN_LUT_SIZE:
            self.fail(f"gain table has {lut.shape[0]} entries; needs {GAIN_LUT_SIZE}")
        self.n = n
        self.shift = np.uint64(self.snr_shift & 63)

    def eval(self, inputs, outputs):
        n = self.n
        noise = inputs[1][:n].astype(np.int64)
        lut = inputs[2].astype(np.int64)
        # Above 2 the table holds, per bit length, a quadratic in the 10 bits after the top one.
        small = noise <= 2
        bits = np.where(small, 2, most_significant_bit32(np.maximum(noise, 1)))
        base = 4 * bits - 6
        frac = np.where(bits < 11, noise << np.maximum(11 - bits, 0),
                        noise >> np.maximum(bits - 11, 0)) & 0x3FF
        # int32 in C; the bounds of int16 coefficients keep every step inside it
        acc = ((lut[base + 2] * frac) >> 5) + lut[base + 1] * 32
        acc = ((acc * frac + (1 << 14)) >> 15) + lut[base]
        gain = np.where(small, lut[np.minimum(noise, 2)], acc).astype(np.int16)
        # the int16 gain becomes uint32 by sign extension
        gain = gain.astype(np.int64).astype(np.uint64) & U32
        snr = ((inputs[0].astype(np.uint64) * gain) >> self.shift) & U32
        below_two = snr < (2 << SNR_BITS)
        square = (snr * snr) >> (2 + 2 * SNR_BITS - OUTPUT_BITS)
        # wraps where below_two, but those elements take the square
        minus_one = (snr >> (SNR_BITS - OUTPUT_BITS)) - np.uint64(1 << OUTPUT_BITS)
        np.copyto(outputs[0], np.where(below_two, square, minus_one), casting="unsafe")


# -- SignalFilterBankLog ---------------------------------------------------------------------------

# log2(1 + f) - f on 128 segments of [0, 1], in units of 2^-16, plus one padding entry: the
# correction TFLM's Log32 adds to the linear fraction (its table has exactly these values).
_SEGMENTS = np.arange(129) / 128
LOG_LUT = np.append(np.round(65536 * (np.log2(1 + _SEGMENTS) - _SEGMENTS)), 0).astype(np.int64)
LOG_SCALE_BITS = 16
LOG_SEGMENT_BITS = 7
LN2_Q16 = 45426     # ln(2) * 2^16, rounded


@register("SignalFilterBankLog")
class SignalFilterBankLog(Kernel):
    """output_scale * ln(x << input_correction_bits) per channel, rounded, capped at 32767;
    0 where the shifted value is 0 or 1."""
    dtypes = ("uint32",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        self.correction_bits, self.output_scale = positional_int_options(self, custom_options, 2)

    def prepare(self, ctx):
        check_io_count(self, ctx, 1, 1)
        x, y = ctx.inputs[0], ctx.outputs[0]
        check_tensor(self, x, np.uint32, 1, "input")
        check_tensor(self, y, np.int16, 1, "output")
        if y.shape[0] < x.shape[0]:
            self.fail(f"output has {y.shape[0]} values, fewer than the input's {x.shape[0]}")
        self.n = x.shape[0]
        self.shift = np.int64(self.correction_bits & 31)
        self.scale = self.output_scale & U32

    def eval(self, inputs, outputs):
        x = (inputs[0].astype(np.int64) << self.shift) & U32
        positive = x > 1
        x = np.where(positive, x, 2)
        # integer part: the bit position of the top bit; fraction: the bits below it as Q16
        top = most_significant_bit32(x) - 1
        rest = x - (np.int64(1) << top)
        frac = np.where(top < LOG_SCALE_BITS, rest << np.maximum(LOG_SCALE_BITS - top, 0),
                        rest >> np.maximum(top - LOG_SCALE_BITS, 0))
        seg = frac >> (LOG_SCALE_BITS - LOG_SEGMENT_BITS)
        c0, c1 = LOG_LUT[seg], LOG_LUT[seg + 1]
        within = frac - (seg << (LOG_SCALE_BITS - LOG_SEGMENT_BITS))
        log2 = (top << LOG_SCALE_BITS) + frac + c0 + (((c1 - c0) * within) >> LOG_SCALE_BITS)
        half = 1 << (LOG_SCALE_BITS - 1)
        loge = (LN2_Q16 * log2 + half) >> LOG_SCALE_BITS
        # the scaling multiplies and rounds in uint32, wrapping
        scaled = (((self.scale * loge) & U32) + half) & U32
        value = np.minimum(scaled >> LOG_SCALE_BITS, INT16_MAX)
        outputs[0][:self.n] = np.where(positive, value, 0)
