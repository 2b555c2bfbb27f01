"""The spectral half of TFLM's Signal front end: SignalWindow, SignalFftAutoScale, SignalEnergy,
SignalFilterBank and SignalFilterBankSquareRoot, plus the integer helpers they share
(max_abs16, sqrt64), which other Signal kernels may import.

All are integer-only. TFLM's C++ shifts by counts taken from the model or from tensors; on the
x86 build the oracle runs, counts are taken modulo 32, so these kernels do the same.
"""
import numpy as np

from ..base import Kernel, register
from .common import (check_io_count, check_tensor, most_significant_bit32,
                     positional_int_options, to_int32)

INT16_MIN, INT16_MAX = -32768, 32767


# -- integer helpers -----------------------------------------------------------------------------

def max_abs16(x):
    """TFLM's MaxAbs16 on a 1-D int16 array, as an int.

    It keeps the running maximum in an int16, so a -32768 stores |-32768| as -32768; after that
    every value beats the negative "maximum" until the run of rising negative values ends, and
    from then on it is an ordinary maximum of absolute values. So only the part after the last
    -32768 matters."""
    x = np.asarray(x, np.int16).reshape(-1)
    lows = np.flatnonzero(x == INT16_MIN)
    if lows.size == 0:
        return int(np.abs(x.astype(np.int32)).max(initial=0))
    tail = x[lows[-1] + 1:].astype(np.int32)
    if tail.size == 0:
        return INT16_MIN
    # where the negative running value is replaced by a non-negative one
    ends = tail >= 0
    ends[1:] |= tail[1:] <= tail[:-1]
    if not ends.any():
        return int(tail[-1])
    return int(np.abs(tail[int(np.argmax(ends)):]).max())


def sqrt64(num):
    """TFLM's Sqrt64 on uint64 values: the integer square root rounded to nearest (up when the
    remainder exceeds the root), as uint32. Values below 2^32 go through Sqrt32, whose root may
    not round up past 0xFFFF."""
    num = np.asarray(num, np.uint64)
    one = np.uint64(1)
    # floor(sqrt(num)): float64's estimate is within one of it; two exact corrections each way
    # (comparisons by division, since (root + 1)^2 may not fit in 64 bits)
    res = np.minimum(np.floor(np.sqrt(num.astype(np.float64))), 0xFFFFFFFF).astype(np.uint64)
    for _ in range(2):
        res -= ((res > 0) & (res > num // np.maximum(res, one))).astype(np.uint64)
    for _ in range(2):
        up = res + one
        res += ((res < 0xFFFFFFFF) & (up <= num // up)).astype(np.uint64)
    rem = num - res * res
    cap = np.where(num >> np.uint64(32) == 0, np.uint64(0xFFFF), np.uint64(0xFFFFFFFF))
    res = res + ((rem > res) & (res != cap)).astype(np.uint64)
    return res.astype(np.uint32)


def _int_options(kernel, custom_options, count):
    """The op's positional options as int32, as these kernels declare them."""
    return [to_int32(v) for v in positional_int_options(kernel, custom_options, count)]


# -- kernels -------------------------------------------------------------------------------------

@register("SignalWindow")
class SignalWindow(Kernel):
    """Multiplies each frame (a run of len(weights) values) by the window and shifts down."""
    dtypes = ("int16",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        (self.shift,) = _int_options(self, custom_options, 1)

    def prepare(self, ctx):
        check_io_count(self, ctx, 2, 1)
        x, w, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
        check_tensor(self, x, np.int16, None, "input")
        check_tensor(self, w, np.int16, 1, "weights")
        check_tensor(self, y, np.int16, len(x.shape), "output")
        if len(x.shape) < 1:
            self.fail("input must have at least one dimension")
        size, frame = int(np.prod(x.shape)), int(w.shape[0])
        if frame == 0 or size % frame:
            self.fail(f"input size {size} is not a whole number of windows of {frame}")
        if int(np.prod(y.shape)) != size:
            self.fail(f"output shape {tuple(y.shape)} must hold the input's {size} values")
        self.frames = size // frame
        self.shift_bits = np.int32(self.shift & 31)

    def eval(self, inputs, outputs):
        x = inputs[0].reshape(self.frames, -1).astype(np.int32)
        raw = (x * inputs[1].astype(np.int32)) >> self.shift_bits
        np.clip(raw, INT16_MIN, INT16_MAX, out=raw)
        outputs[0].reshape(self.frames, -1)[...] = raw


@register("SignalFftAutoScale")
class SignalFftAutoScale(Kernel):
    """Shifts the frame up as far as its largest magnitude allows; outputs the frame and the
    shift."""
    dtypes = ("int16",)

    def prepare(self, ctx):
        check_io_count(self, ctx, 1, 2)
        x, y, bits = ctx.inputs[0], ctx.outputs[0], ctx.outputs[1]
        check_tensor(self, x, np.int16, 1, "input")
        check_tensor(self, y, np.int16, 1, "output")
        check_tensor(self, bits, np.int32, 0, "scale bits output")
        if x.shape[0] != y.shape[0]:
            self.fail(f"output length {y.shape[0]} differs from input length {x.shape[0]}")

    def eval(self, inputs, outputs):
        x = inputs[0]
        peak = max_abs16(x)
        scale = max(16 - int(most_significant_bit32(peak)) - 1, 0)
        # int16 wrap of the product, as C's conversion back to int16_t
        outputs[0][...] = (x.astype(np.int32) << scale).astype(np.int16)
        outputs[1][...] = scale


@register("SignalEnergy")
class SignalEnergy(Kernel):
    """|z|^2 of the complex bins start_index..end_index-1 (interleaved int16 re, im); the other
    output elements are left as they are."""
    dtypes = ("int16",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        self.end, self.start = _int_options(self, custom_options, 2)

    def prepare(self, ctx):
        check_io_count(self, ctx, 1, 1)
        x, y = ctx.inputs[0], ctx.outputs[0]
        check_tensor(self, x, np.int16, 1, "input")
        check_tensor(self, y, np.uint32, 1, "output")
        if self.start < self.end and (self.start < 0 or self.end > x.shape[0] // 2
                                      or self.end > y.shape[0]):
            self.fail(f"bins {self.start}..{self.end} are outside the input's "
                      f"{x.shape[0] // 2} complex values or the output's {y.shape[0]}")
        self.lo, self.hi = self.start, max(self.start, self.end)

    def eval(self, inputs, outputs):
        z = inputs[0][2 * self.lo:2 * self.hi].astype(np.int64).reshape(-1, 2)
        # the sum wraps past int32 only for two -32768s; the uint32 result is then 2^31
        outputs[0][self.lo:self.hi] = (z * z).sum(axis=1).astype(np.uint32)


@register("SignalFilterBank")
class SignalFilterBank(Kernel):
    """Triangular mel filters: channel c sums its bins times their weights, plus the bins of
    channel c-1 times their unweights (1 - weight), in uint64 arithmetic (negative table
    entries wrap as in C)."""
    dtypes = ("uint32",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        (self.num_channels,) = _int_options(self, custom_options, 1)

    def prepare(self, ctx):
        check_io_count(self, ctx, 6, 1)
        x, y = ctx.inputs[0], ctx.outputs[0]
        check_tensor(self, x, np.uint32, 1, "input")
        names = ("weights", "unweights", "channel frequency starts", "channel weight starts",
                 "channel widths")
        for t, name in zip(ctx.inputs[1:], names):
            check_tensor(self, t, np.int16, 1, name)
        check_tensor(self, y, np.uint64, 1, "output")
        n, n_out = self.num_channels, int(y.shape[0])
        if n < 0 or n_out > n:
            self.fail(f"output has {n_out} values but num_channels is {n}")
        tables = ctx.inputs[3:6]
        if any(t.data is None for t in tables):
            self.fail("the channel start and width tables must be constant")
        if any(t.shape[0] < n + 1 for t in tables):
            self.fail(f"the channel tables need num_channels + 1 = {n + 1} entries")
        freq, wstart, width = (np.asarray(t.data, np.int64)[:n + 1] for t in tables)
        width = np.maximum(width, 0)
        used = width > 0
        n_weights = min(ctx.inputs[1].shape[0], ctx.inputs[2].shape[0])
        if np.any(used & ((freq < 0) | (freq + width > x.shape[0]))):
            self.fail(f"a channel reads past the input's {x.shape[0]} bins")
        if np.any(used & ((wstart < 0) | (wstart + width > n_weights))):
            self.fail(f"a channel reads past the {n_weights} weights")
        ctx.workspace(16 * 2 * int(width.sum()), "filter bank products")

        # Output c takes channel c+1's weighted bins and channel c's unweighted ones. Terms are
        # laid out output by output; coefficient indices >= len(weights) mean unweights.
        coef, bins, counts = [], [], []
        for c in range(n_out):
            for ch, offset in ((c + 1, 0), (c, ctx.inputs[1].shape[0])):
                k = np.arange(width[ch])
                coef.append(offset + wstart[ch] + k)
                bins.append(freq[ch] + k)
            counts.append(width[c + 1] + width[c])
        self.coef = np.concatenate(coef + [np.zeros(0, np.int64)]).astype(np.intp)
        self.bins = np.concatenate(bins + [np.zeros(0, np.int64)]).astype(np.intp)
        counts = np.asarray(counts, np.intp)
        self.ends = np.cumsum(counts, dtype=np.intp)
        self.starts = self.ends - counts

    def eval(self, inputs, outputs):
        table = np.concatenate([inputs[1], inputs[2]]).astype(np.int64).view(np.uint64)
        terms = table[self.coef] * inputs[0][self.bins].astype(np.uint64)
        # sums mod 2^64 as differences of a wrapping running sum
        running = np.concatenate([np.zeros(1, np.uint64), np.cumsum(terms, dtype=np.uint64)])
        outputs[0][...] = running[self.ends] - running[self.starts]


@register("SignalFilterBankSquareRoot")
class SignalFilterBankSquareRoot(Kernel):
    """Rounded square root of each channel, shifted down by the scale-bits input (the shift
    SignalFftAutoScale applied)."""
    dtypes = ("uint64",)

    def prepare(self, ctx):
        check_io_count(self, ctx, 2, 1)
        x, bits, y = ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]
        check_tensor(self, x, np.uint64, 1, "input")
        check_tensor(self, bits, np.int32, 0, "scale bits")
        check_tensor(self, y, np.uint32, 1, "output")
        if y.shape[0] != x.shape[0]:
            self.fail(f"output length {y.shape[0]} differs from input length {x.shape[0]}")

    def eval(self, inputs, outputs):
        shift = np.uint32(int(inputs[1]) & 31)
        np.right_shift(sqrt64(inputs[0]), shift, out=outputs[0])
