"""The back half of TFLM's Signal front end, after the filter bank:
SignalFilterBankSpectralSubtraction (noise estimate kept between invokes), SignalPCAN (per-channel
automatic gain control) and SignalFilterBankLog (fixed-point natural log).

All are integer-only, on uint32 channel energies. TFLM reads each op's options by position in the
key-sorted flexbuffer map. Its C++ shifts by counts taken from the options; on the x86 build the
oracle runs, 32-bit shifts take the count modulo 32 and 64-bit ones modulo 64, so these kernels do
the same.
"""
import sys

import numpy as np

from ... import quant
from ...native.core import prepares_native
from ..base import Kernel, register
from .common import (check_io_count, check_tensor, most_significant_bit32, point_native,
                     positional_int_options)

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
        self.num_channels = quant.wrap_int32(int(self.num_channels))

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
        self.up_bits = np.uint32(self.smoothing_bits & 31)
        self.down_bits = np.uint64(self.subtraction_bits & 63)
        self.state = ctx.allocate_persistent(4 * n)
        self.whole_input = x.shape[0] == n
        # (x << up_bits) & U32 is a uint32 shift; each "& U32" after a uint64 step is the
        # truncating cast into a uint32 buffer
        self.scaled = np.empty(n, np.uint32)
        self.estimate = np.empty(n, np.uint32)
        self.floor = np.empty(n, np.uint32)
        self.wide = np.empty(n, np.uint64)
        self.wide2 = np.empty(n, np.uint64)
        self.native = native_spectral_subtraction(ctx, self)

    def bind(self):
        self.noise = self.persistent[self.state].view(np.uint32)
        self.noise_out = self.noise[:self.n_noise]
        point_native(self, noise=self.noise)

    def reset(self):
        self.noise[...] = 0

    def eval(self, inputs, outputs):
        n = self.n
        x = inputs[0] if self.whole_input else inputs[0][:n]
        scaled = np.left_shift(x, self.up_bits, out=self.scaled)
        # the uint64 sum may wrap; the shifted result is stored as uint32
        total = np.multiply(scaled, self.coef, out=self.wide)
        np.add(total, np.multiply(self.noise, self.coef_rest, out=self.wide2), out=total)
        estimate = self.noise if not self.clamping else self.estimate
        np.right_shift(total, self.down_bits, out=estimate, casting="unsafe")
        capped = self.noise if self.clamping else self.estimate
        np.minimum(estimate, scaled, out=capped)
        floor = np.multiply(x, self.floor_coef, out=self.wide)
        np.right_shift(floor, self.down_bits, out=self.floor, casting="unsafe")
        rest = np.subtract(scaled, capped, out=self.scaled)
        np.right_shift(rest, self.up_bits, out=rest)
        np.maximum(rest, self.floor, out=outputs[0][:n])
        np.copyto(outputs[1], self.noise_out)


@prepares_native
def native_spectral_subtraction(ctx, op):
    """The estimate's persistent buffer is pointed at in bind()."""
    return ctx.native_node(
        "signal_spectral_subtraction", keep=(op.coef, op.coef_rest),
        outputs=("output", "noise_output"), coef=op.coef, coef_rest=op.coef_rest,
        min_remaining=int(op.floor_coef), up_bits=int(op.up_bits), down_bits=int(op.down_bits),
        clamping=int(op.clamping), n=op.n, n_noise=op.n_noise)


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
        self.whole_noise = noise.shape[0] == n
        self.gains = None
        self.native = native_pcan(ctx, n, self.snr_shift & 63)
        if lut.data is not None and self.native is None:
            # The gain depends on the noise only through its bit length b and the 10 bits after
            # its top one (or the value itself when <= 2). Scaled by 2^-1022, a uint32 becomes a
            # float64 whose bits >> 42 are b * 1024 + those 10 bits (0 stays 0), so one table
            # over that key replaces the whole gain computation.
            keys = np.arange(33 * 1024, dtype=np.int64)
            b, f = keys >> 10, keys & 0x3FF
            reps = np.where(b >= 11, (1024 + f) << np.maximum(b - 11, 0),
                            (1024 + f) >> np.maximum(11 - b, 0))
            reps[:1024] = 0
            self.gains = _gains(reps, np.asarray(lut.data, np.int16))
        self.scaled_noise = np.empty(n, np.float64)
        self.keys = np.empty(n, np.int64)
        self.gain = np.empty(n, np.uint64)
        self.product = np.empty(n, np.uint64)
        # the uint32 snr sits in the low halves of zeroed int64s, so it is its own table index
        self.snr = np.zeros(n, np.int64)
        self.snr_low = self.snr.view(np.uint32)[0::2] if sys.byteorder == "little" else \
            self.snr.view(np.uint32)[1::2]
        self.square = np.empty(n, np.int64)
        self.top = np.empty(n, np.int64)

    def eval(self, inputs, outputs):
        n = self.n
        noise = inputs[1] if self.whole_noise else inputs[1][:n]
        if self.gains is not None:
            np.multiply(noise, 2.0 ** -1022, out=self.scaled_noise)
            np.right_shift(self.scaled_noise.view(np.int64), 42, out=self.keys)
            gain = np.take(self.gains, self.keys, out=self.gain, mode="clip")
        else:
            gain = _gains(noise, inputs[2])
        np.multiply(inputs[0], gain, out=self.product)
        np.right_shift(self.product, self.shift, out=self.snr_low, casting="unsafe")
        # shrink: max(SHRINK[min(snr, 8191)], snr >> 6) - 64 (see _SHRINK)
        np.take(_SHRINK, self.snr, out=self.square, mode="clip")
        np.right_shift(self.snr, SNR_BITS - OUTPUT_BITS, out=self.top)
        np.maximum(self.square, self.top, out=self.square)
        np.subtract(self.square, 1 << OUTPUT_BITS, out=outputs[0], casting="unsafe")


@prepares_native
def native_pcan(ctx, n, shift):
    """A constant gain table is read from the model like the other inputs."""
    return ctx.native_node("signal_pcan", inputs=("input", "noise", "lut"), n=n,
                           snr_shift=shift)


def _gains(noise, lut):
    """The gain for each noise estimate, sign-extended from int16 into uint64 (< 2^32).
    Above 2 the table holds, per bit length, a quadratic in the 10 bits after the top one."""
    noise = np.asarray(noise).astype(np.int64)
    lut = np.asarray(lut).astype(np.int64)
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
    return gain.astype(np.int64).astype(np.uint64) & U32


# Below 2 (snr < 8192) the output is snr^2 >> 20, above it (snr >> 6) - 64. Over snr < 8192,
# snr^2 / 2^20 - (snr / 64 - 64) = (snr - 8192)^2 / 2^20 >= 0, so the square (+ 64 here) wins the
# maximum; at and above 8192 the last entry (63 + 64) loses to snr >> 6 >= 128.
_SHRINK = (np.arange(2 << SNR_BITS, dtype=np.int64) ** 2 >> (2 + 2 * SNR_BITS - OUTPUT_BITS)) \
    + (1 << OUTPUT_BITS)


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
        self.shift = np.uint32(self.correction_bits & 31)
        scale = self.output_scale & U32
        self.native = native_filter_bank_log(ctx, self.n, int(self.shift), scale)
        if self.native is not None:
            return          # the tables below are the numpy kernel's
        # frexp splits v = m * 2^e (e the bit length, m in [0.5, 1)); floor(m * 2^17) is 2^16
        # plus the 16 fraction bits Log32 reads, and 0 for v = 0. With log2 = (e - 1) * 2^16 +
        # frac + corr(frac), ln(v) in Q16 is exactly 45426 * (e - 1) + ((45426 * (frac + corr)
        # + 2^15) >> 16), the e term being a multiple of 2^16. The output's uint32 arithmetic
        # only needs that modulo 2^32, so it is (e * a + TABLE[index]) mod 2^32 with the scale
        # and its rounding folded into a and the table. v = 0 and v = 1 come out as 0.
        frac = np.arange(1 << LOG_SCALE_BITS, dtype=np.int64)
        seg = frac >> (LOG_SCALE_BITS - LOG_SEGMENT_BITS)
        c0, c1 = LOG_LUT[seg], LOG_LUT[seg + 1]
        within = frac - (seg << (LOG_SCALE_BITS - LOG_SEGMENT_BITS))
        half = 1 << (LOG_SCALE_BITS - 1)
        fine = (LN2_Q16 * (frac + c0 + (((c1 - c0) * within) >> LOG_SCALE_BITS)) + half) \
            >> LOG_SCALE_BITS
        self.per_bit = np.int64((scale * LN2_Q16) & U32)
        self.table = np.zeros(2 << LOG_SCALE_BITS, np.uint32)
        self.table[1 << LOG_SCALE_BITS:] = (scale * (fine - LN2_Q16) + half) & U32
        self.shifted = np.empty(self.n, np.uint32)
        self.mantissa = np.empty(self.n, np.float64)
        self.exponent = np.empty(self.n, np.int32)
        self.index = np.empty(self.n, np.int64)
        self.fine = np.empty(self.n, np.uint32)
        self.coarse = np.empty(self.n, np.int64)
        self.value = np.empty(self.n, np.uint32)
        # value >> 16 without a pass: the high 16-bit halves of the uint32 values
        halves = self.value.view(np.uint16)
        self.value_high = halves[1::2] if sys.byteorder == "little" else halves[0::2]

    def eval(self, inputs, outputs):
        x = inputs[0]
        if self.shift:
            x = np.left_shift(x, self.shift, out=self.shifted)
        np.frexp(x, out=(self.mantissa, self.exponent))
        np.multiply(self.mantissa, float(2 << LOG_SCALE_BITS), out=self.index, casting="unsafe")
        np.take(self.table, self.index, out=self.fine, mode="clip")
        np.multiply(self.exponent, self.per_bit, out=self.coarse)
        np.add(self.coarse, self.fine, out=self.value, casting="unsafe")
        np.minimum(self.value_high, INT16_MAX, out=outputs[0][:self.n], casting="unsafe")


_LOG_LUT32 = LOG_LUT.astype(np.int32)


@prepares_native
def native_filter_bank_log(ctx, n, correction_bits, output_scale):
    return ctx.native_node("signal_filter_bank_log", keep=(_LOG_LUT32,), lut=_LOG_LUT32, n=n,
                           correction_bits=correction_bits, output_scale=output_scale)
