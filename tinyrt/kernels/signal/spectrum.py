"""The spectral half of TFLM's Signal front end: SignalWindow, SignalFftAutoScale, SignalEnergy,
SignalFilterBank and SignalFilterBankSquareRoot, plus the integer helpers they share
(max_abs16, sqrt64), which other Signal kernels may import.

All are integer-only. TFLM's C++ shifts by counts taken from the model or from tensors; on the
x86 build the oracle runs, counts are taken modulo 32, so these kernels do the same.
"""
import numpy as np

from ... import quant
from ...native.core import OutOfRange, prepares_native
from ..base import Kernel, register
from .common import check_io_count, check_tensor, positional_int_options

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
    return [quant.wrap_int32(v) for v in positional_int_options(kernel, custom_options, count)]


# values the float square root handles exactly (see SignalFilterBankSquareRoot), and the
# least value whose 32-bit root Sqrt32 would round up to 65536
_FLOAT_ROOT_LIMIT = 1 << 48
_SQRT32_CAPPED = 0xFFFF * 0xFFFF + 0xFFFF + 1


# -- kernels -------------------------------------------------------------------------------------

@prepares_native
def native_window(ctx, win):
    """Constant weights are taken from the model (kept here as int16); weights given as an
    input are bound as a tensor."""
    if win.weights is None:
        return ctx.native_node("signal_window", inputs=("input", "weights"), frames=win.frames,
                               frame=int(ctx.inputs[1].shape[0]), shift=win.shift_bits)
    w = np.ascontiguousarray(win.weights, np.int16)
    return ctx.native_node("signal_window", keep=(w,), inputs=("input", None), weights=w,
                           frames=win.frames, frame=int(w.shape[0]), shift=win.shift_bits)


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
        self.shift_bits = self.shift & 31
        # products live in int32 (int16 x int16 always fits); numpy broadcasts the weights over
        # the frames when the input's last dimension is one window
        self.in_shape = None if x.shape[-1] == frame else (self.frames, frame)
        self.buf = np.empty(tuple(x.shape) if self.in_shape is None else self.in_shape, np.int32)
        self.out_shape = None if tuple(y.shape) == self.buf.shape else self.buf.shape
        self.weights = None if w.data is None else np.asarray(w.data, np.int32).reshape(-1)
        # Constant weights often make the int16 clamp a no-op: the extreme products, shifted,
        # already fit, and the final cast to int16 then needs no clipping pass.
        self.clip = True
        if self.weights is not None and frame:
            ends = np.array([INT16_MIN, INT16_MAX], np.int64)[:, None] * self.weights
            lo, hi = int(ends.min()) >> self.shift_bits, int(ends.max()) >> self.shift_bits
            self.clip = lo < INT16_MIN or hi > INT16_MAX
        self.native = native_window(ctx, self)

    def eval(self, inputs, outputs):
        x = inputs[0] if self.in_shape is None else inputs[0].reshape(self.in_shape)
        y = outputs[0] if self.out_shape is None else outputs[0].reshape(self.out_shape)
        w = self.weights if self.weights is not None else inputs[1]
        buf = self.buf
        np.multiply(x, w, out=buf, dtype=np.int32)
        if self.clip:
            np.right_shift(buf, self.shift_bits, out=buf)
            np.minimum(buf, INT16_MAX, out=buf)
            np.maximum(buf, INT16_MIN, out=y, casting="unsafe")
        else:
            np.right_shift(buf, self.shift_bits, out=y, casting="unsafe")


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
        self.native = native_fft_auto_scale(ctx, int(x.shape[0]))

    def eval(self, inputs, outputs):
        x = inputs[0]
        if x.shape[0] == 0:
            peak = 0
        else:
            # without a -32768 MaxAbs16 is the plain largest magnitude
            lo, hi = int(np.minimum.reduce(x)), int(np.maximum.reduce(x))
            peak = max(hi, -lo) if lo > INT16_MIN else max_abs16(x)
        peak &= 0xFFFFFFFF
        # MostSignificantBit32 (0 counts as 32 bits) on a Python int
        scale = max(16 - (peak.bit_length() if peak else 32) - 1, 0)
        if scale:
            # int16 shift wraps, as C's conversion of the product back to int16_t
            np.left_shift(x, scale, out=outputs[0])
        else:
            np.copyto(outputs[0], x)
        outputs[1][...] = scale


@prepares_native
def native_fft_auto_scale(ctx, n):
    return ctx.native_node("signal_fft_auto_scale", outputs=("output", "scale_bits"), n=n)


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
        # squares of the interleaved parts side by side; re^2 + im^2 wraps int32 only for two
        # -32768s, and the wrapped value read as uint32 is the true 2^31
        self.squares = np.empty(2 * (self.hi - self.lo), np.int32)
        self.re2, self.im2 = self.squares[0::2], self.squares[1::2]
        self.native = native_energy(ctx, self.lo, self.hi)

    def eval(self, inputs, outputs):
        if self.hi == self.lo:
            return
        z = inputs[0][2 * self.lo:2 * self.hi]
        np.multiply(z, z, out=self.squares, dtype=np.int32)
        np.add(self.re2, self.im2, out=outputs[0][self.lo:self.hi], casting="unsafe")


@prepares_native
def native_energy(ctx, start, end):
    return ctx.native_node("signal_energy", start=start, end=end)


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
        # With constant tables the coefficient of every term is fixed; and when no output is an
        # empty sum, add.reduceat sums each output's run of terms directly.
        w, uw = ctx.inputs[1], ctx.inputs[2]
        self.coef_values = None
        if w.data is not None and uw.data is not None:
            self.coef_values = self._table(w.data, uw.data)[self.coef]
        self.by_runs = n_out > 0 and bool(np.all(counts > 0))
        self.picked = np.empty(self.bins.shape[0], np.uint32)
        self.terms = np.empty(self.bins.shape[0], np.uint64)
        self.native = native_filter_bank(ctx, self, n_out)

    @staticmethod
    def _table(weights, unweights):
        # int16 entries sign-extend into uint64 (the wrap C's arithmetic gives)
        return np.concatenate([np.asarray(weights, np.int16).reshape(-1),
                               np.asarray(unweights, np.int16).reshape(-1)]
                              ).astype(np.int64).view(np.uint64)

    def eval(self, inputs, outputs):
        coef = self.coef_values
        if coef is None:
            coef = self._table(inputs[1], inputs[2])[self.coef]
        np.take(inputs[0], self.bins, out=self.picked, mode="clip")
        terms = np.multiply(coef, self.picked, out=self.terms)
        if self.by_runs:
            np.add.reduceat(terms, self.starts, out=outputs[0])
            return
        # sums mod 2^64 as differences of a wrapping running sum
        running = np.concatenate([np.zeros(1, np.uint64), np.cumsum(terms, dtype=np.uint64)])
        outputs[0][...] = running[self.ends] - running[self.starts]


@prepares_native
def native_filter_bank(ctx, fb, n_out):
    """The prepared terms as C's op data: each output's run of (coefficient, bin) terms, the
    coefficients read from the weight tensors (constant or not)."""
    if fb.bins.shape[0] >= 1 << 31 or (fb.coef.shape[0] and int(fb.coef.max()) >= 1 << 31):
        raise OutOfRange("too many filter bank terms or weights")
    coef = np.ascontiguousarray(fb.coef, np.int32)
    bins = np.ascontiguousarray(fb.bins, np.int32)
    ends = np.concatenate([[0], fb.ends]).astype(np.int32)
    return ctx.native_node("signal_filter_bank", keep=(coef, bins, ends),
                           inputs=("input", "weights", "unweights", None, None, None),
                           coef=coef, bins=bins, ends=ends, channels=n_out,
                           n_weights=int(ctx.inputs[1].shape[0]))


@prepares_native
def native_filter_bank_sqrt(ctx, n):
    return ctx.native_node("signal_filter_bank_sqrt", inputs=("input", "scale_bits"), n=n)


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
        self.roots = np.empty(x.shape[0], np.float64)
        self.offsets = np.empty(x.shape[0], np.uint64)
        self.native = native_filter_bank_sqrt(ctx, int(x.shape[0]))

    def eval(self, inputs, outputs):
        x = inputs[0]
        shift = int(inputs[1]) & 31
        top = int(np.maximum.reduce(x)) if x.shape[0] else 0
        if top >= _FLOAT_ROOT_LIMIT:
            np.right_shift(sqrt64(x), np.uint32(shift), out=outputs[0])
            return
        # Below the limit float64 holds the value exactly and its correctly rounded square root
        # lies far enough from every half-integer that floor(sqrt + 0.5) is the rounded root;
        # scaling by 2^-shift is exact, and the cast to uint32 truncates (the floor of the shift).
        f = self.roots
        np.sqrt(x, out=f)
        np.add(f, 0.5, out=f)
        if shift:
            np.multiply(f, 2.0 ** -shift, out=f)
        np.copyto(outputs[0], f, casting="unsafe")
        if top >= _SQRT32_CAPPED:
            # Sqrt32 does not round 2^32 - 65535 .. 2^32 - 1 up to 65536: keep them at 65535
            np.subtract(x, np.uint64(_SQRT32_CAPPED), out=self.offsets)
            if int(np.minimum.reduce(self.offsets)) < 2**32 - _SQRT32_CAPPED:
                capped = self.offsets < 2**32 - _SQRT32_CAPPED
                outputs[0][capped] = 0xFFFF >> shift
