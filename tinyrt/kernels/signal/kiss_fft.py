"""KISS FFT (Mark Borgerding's kissfft v130, as tflite-micro vendors it), vectorised.

TFLM's SignalRfft / SignalIrfft run kissfft's real FFT built three times: with FIXED_POINT=16
(int16 samples), FIXED_POINT=32 (int32) and as float. The fixed-point builds scale each
butterfly's inputs down by its radix and round every product back to the sample width, so the
results depend on the exact factorisation, the order of the stages and each rounding, wrap and
shift; the float build depends on the order of its float32 operations. All of that is reproduced
bit for bit, with each stage done by a few numpy calls over all its butterflies, all their legs
and every frame at once.

The transforms are small (a 512-point real FFT is four radix-4 stages of 64 butterflies), so
the number of numpy calls, not the arithmetic, is what costs. Hence:

- Each stage keeps its data leg-major, (leg, frame, block * position), so that every leg, and
  every run of consecutive legs, is one contiguous array whatever the number of frames;
  twiddles are stored expanded to that shape. Between stages the data is regrouped for the next
  radix by the same call that converts it for the scaling by 1/p.
- The whole transform for a given number of frames is recorded once as a list of numpy calls on
  preallocated arrays (``_Tape``) and replayed for every call.
- Fixed-point values are carried "unwrapped": sums and differences are exact, and only congruent
  to C's sample-width results, which is all further sums need. They are wrapped to the sample
  width only where C's next operation is not modular: the scaling by 1/p, a product, a halving.

Three arithmetics implement the builds (``arith_for``):

- int16 (``Exact16``): integers held exactly in complex128. Every product of the 16-bit build
  (< 2^31) and every sum of a few of them is exact in float64, so a complex multiply by a twiddle
  pre-scaled by 2^-15 followed by floor(x + 1/2) is exactly kissfft's C_MUL with its two
  sround()s. The scaling by 1/p (C_FIXDIV, wrap included) is a lookup in a 65536-entry table
  indexed by the value modulo 2^16, and the radix-4 butterfly after its twiddles, being only
  sums and rotations by +-i, is one exact real matrix product.
- int32 (``Fixed32Pairs``): int64 (re, im) pairs; wrapping is the shift pair (x << 32) >> 32.
- float32 (``Float32Pairs``): float32 (re, im) pairs, each operation as the float build does it
  (the order of operations decides the rounding and the sign of zeros).

A complex array of logical shape (..., frames, n) is a complex128 array of that shape for
Exact16, and an array of shape (..., 2, frames, n) (re and im blocks) for the pair arithmetics;
indexing the logical axes reads the same for both. Gathers index whole arrays flattened (flat()),
with positions() locating each logical element's re and im.
"""
import functools
import math

import numpy as np

RADICES = (2, 3, 4, 5)


def factorize(n):
    """kissfft's factor list [(radix, remaining length), ...]: fours first, then twos, then odd
    primes; the search stops at sqrt of the original n, leaving the rest as one factor."""
    factors = []
    p = 4
    floor_sqrt = math.floor(math.sqrt(n))
    while True:
        while n % p:
            p = 2 if p == 4 else 3 if p == 2 else p + 2
            if p > floor_sqrt:
                p = n
        n //= p
        factors.append((p, n))
        if n <= 1:
            return factors


def _twiddle_values(dtype, phases):
    """kissfft's twiddles for the given phases as the build stores them: (re, im) arrays of the
    sample type. cos and sin come from the C library (math.cos), as kissfft's own calls do."""
    if dtype == np.float32:
        pairs = [(math.cos(p), math.sin(p)) for p in phases]
    else:
        samp_max = np.iinfo(dtype).max
        pairs = [(math.floor(.5 + samp_max * math.cos(p)), math.floor(.5 + samp_max * math.sin(p)))
                 for p in phases]
    re, im = zip(*pairs)
    return np.array(re, np.float64).astype(dtype), np.array(im, np.float64).astype(dtype)


class _Tape:
    """A fixed list of numpy calls on preallocated arrays, recorded once and replayed: on arrays
    this small, per-call slicing, allocation and keyword handling would cost as much as the
    arithmetic itself."""

    def __init__(self):
        self.steps = []

    def __call__(self, func, *args):
        self.steps.append((func, args))

    def run(self):
        for func, args in self.steps:
            func(*args)


_add_cast = functools.partial(np.add, casting="unsafe")
_subtract_cast = functools.partial(np.subtract, casting="unsafe")


class Exact16:
    """The 16-bit build, computed exactly in complex128 (see the module docstring)."""
    sample = np.dtype(np.int16)
    input_dtype = np.dtype(np.intp)     # inputs are copied in as table indices
    _scale = 2.0 ** -15                 # sround's shift, folded into the twiddles
    _fixdiv_tables = {}

    @classmethod
    def _fixdiv_table(cls, p):
        """C_FIXDIV by p of every int16 value, indexed by the value modulo 2^16."""
        table = cls._fixdiv_tables.get(p)
        if table is None:
            x = np.arange(1 << 16, dtype=np.int64)
            x = np.where(x < 1 << 15, x, x - (1 << 16))
            table = ((x * (32767 // p) + (1 << 14)) >> 15).astype(np.float64)
            cls._fixdiv_tables[p] = table
        return table

    def empty(self, *dims):
        return np.zeros(dims, np.complex128)

    def positions(self, dims):
        """Offsets in flat() of (element, re/im) of an array of logical shape dims."""
        return np.arange(2 * math.prod(dims)).reshape(*dims, 2)

    def pair_index(self, idx):
        """Gather indices (..., frames, n, 2) over (re, im) -> indices yielding this layout."""
        return idx.reshape(*idx.shape[:-2], -1)

    def flat(self, c):
        return c.view(np.float64).reshape(-1)

    def twiddles(self, re, im, frames):
        """Twiddles (..., n) as the build stores them -> (..., frames, n), pre-scaled."""
        tw = (re.astype(np.float64) + 1j * im.astype(np.float64)) * self._scale
        return np.repeat(tw[..., None, :], frames, axis=-2)

    def scalar(self, v):
        return np.float64(float(v) * self._scale)

    def _ints(self, t, src):
        """src's values as intp, in a scratch array of this tape."""
        ints = np.empty(src.shape, np.intp)
        t(np.copyto, ints, src, "unsafe")
        return ints

    def gather_fixdiv(self, t, src, index, sign, p, dst, samples=False):
        """dst = C_FIXDIV(src.flat[index] * sign, p); src holds (re, im) values (contiguous),
        stored samples if ``samples``."""
        if src.dtype.kind == "f":
            src = self._ints(t, src)
        src = src.reshape(-1)
        g = np.empty(index.shape, np.intp)
        t(src.take, index, None, g, "clip")
        if sign is not None:
            t(np.multiply, g, sign.astype(np.intp), g)
        self.fixdiv(t, g, p, dst)

    def regroup(self, c, p, blocks, next_p, m):
        """The stage output c (p, frames, blocks * m) in the next stage's leg-major order,
        (next_p, frames, blocks / next_p, p, m), as values for fixdiv."""
        f = c.view(np.float64).reshape(p, c.shape[1], blocks // next_p, next_p, 2 * m)
        return f.transpose(3, 1, 2, 0, 4)

    def fixdiv(self, t, src, p, dst, samples=False):
        """dst = C_FIXDIV(src, p); src is the tape's own scratch if of intp."""
        if src.dtype != np.intp:
            src = self._ints(t, src)
        t(np.bitwise_and, src, np.full(src.shape, 0xFFFF, np.intp), src)   # modulo 2^16
        t(self._fixdiv_table(p).take, src, None, dst.view(np.float64).reshape(src.shape), "clip")

    def cmul(self, t, c, tw, out):
        """C_MUL by a pre-scaled twiddle. Its inputs are already scaled by 1/p, so the result
        fits the sample width and needs no wrapping."""
        t(np.multiply, c, tw, out)
        f = out.view(np.float64)
        t(np.add, f, np.full(f.shape, .5), f)
        t(np.floor, f, f)

    def rot(self, t, c, sense, out):
        """c times -i (sense -1) or +i (sense +1)."""
        t(np.multiply, c, np.full(c.shape, sense * 1j), out)

    def conj(self, t, c, out):
        t(np.conjugate, c, out)

    def legs(self, p, frames, n):
        """Legs (p, frames, n) for fixdiv to fill; for p = 4 the first rows of a buffer with
        room for legs 1..3 after the twiddles and for those times i (see radix4)."""
        if p != 4:
            return self.empty(p, frames, n)
        return self.empty(10, frames, n)[:4]

    def radix4(self, t, u, tw, sense, out):
        """kf_bfly4. After the twiddles all its steps are sums, differences and rotations by
        +-i, exact on these integers and congruent to C's wrapped ones, so the outputs are one
        real matrix product over (f0, twiddled legs, i * twiddled legs) on the (re, im) values."""
        w = u.base                      # the legs() buffer
        assert w.shape == (10, *u.shape[1:]) and w.base is None
        self.cmul(t, w[1:4], tw, w[4:7])
        t(np.multiply, w[4:7], np.full(w[4:7].shape, 1j), w[7:])
        t(np.dot, _RADIX4[sense], w.view(np.float64).reshape(10, -1),
          out.view(np.float64).reshape(4, -1))

    def _wrapped(self, t, c):
        """The int16 samples C would store for c, as (re, im) pairs."""
        f = c.view(np.float64)
        i32, i16 = np.empty(f.shape, np.int32), np.empty(f.shape, np.int16)
        t(np.copyto, i32, f, "unsafe")
        t(np.copyto, i16, i32, "unsafe")
        return i16

    def smul(self, t, c, s, out):
        w, f = self._wrapped(t, c), out.view(np.float64)
        t(np.multiply, w, s, f)
        t(np.add, f, np.full(f.shape, .5), f)
        t(np.floor, f, f)

    def half(self, t, c, out):
        w, f = self._wrapped(t, c), out.view(np.float64)
        t(np.multiply, w, .5, f)
        t(np.floor, f, f)

    def halves(self, t, f1, tw, out_k, out_nk):
        """kiss_fftr's HALF_OF(f1 + tw) into out_k and HALF_OF(conj(f1 - tw)) into out_nk, for
        bins 1.. of the (frames, h) inputs; the outputs are (frames, h - 1, 2) sample views.
        The sums are C int sums of the stored samples; f1, a sum of two halved samples, needs
        no wrapping, tw does."""
        frames, h = f1.shape
        w = np.empty((frames, h, 2))
        t(np.copyto, w, self._wrapped(t, tw).reshape(frames, h, 2))
        f1 = f1.view(np.float64).reshape(frames, h, 2)
        buf = np.empty((2, frames, h, 2))
        t(np.add, f1, w, buf[0])
        t(np.subtract, f1, w, buf[1])
        t(np.multiply, buf, np.broadcast_to(_HALF_AND_CONJ, buf.shape).copy(), buf)
        t(np.floor, buf, buf)
        t(np.copyto, out_k, buf[0, :, 1:], "unsafe")
        t(np.copyto, out_nk, buf[1, :, 1:], "unsafe")

    def dc(self, t, c, out):
        """kiss_fftr's (re - im, re + im) of c (frames, 1) into out (frames, 2): the real and
        imaginary parts of c * (1 + i)."""
        prod = np.empty(c.shape, np.complex128)
        t(np.multiply, c, np.full(c.shape, 1 + 1j), prod)
        t(np.copyto, out, prod.view(np.float64), "unsafe")

    def to_samples(self, t, c, out):
        """The last stage's output (p, frames, m) -> samples (frames, 2 * p * m), wrapped."""
        p, frames, m = c.shape
        v = c.view(np.float64).reshape(p, frames, m, 2).transpose(1, 0, 2, 3)
        i32 = np.empty(v.shape, np.int32)
        t(np.copyto, i32, v, "unsafe")
        t(np.copyto, out.reshape(v.shape), i32, "unsafe")


# kf_bfly4's outputs from the legs buffer (f0, three unused legs before their twiddles,
# s0, s1, s2 after them, i*s0, i*s1, i*s2): forward (-1) and inverse (+1)
_RADIX4 = {sense: np.array([[1, 0, 0, 0, 1, 1, 1, 0, 0, 0],
                            [1, 0, 0, 0, 0, -1, 0, sense, 0, -sense],
                            [1, 0, 0, 0, -1, 1, -1, 0, 0, 0],
                            [1, 0, 0, 0, 0, -1, 0, -sense, 0, sense]], np.float64)
           for sense in (-1, 1)}
# halving of (f1 + tw) and of conj(f1 - tw), on (re, im) pairs
_HALF_AND_CONJ = np.array([[[[.5, .5]]], [[[.5, -.5]]]])
# the split's conjugation of its second row, on (re, im) pairs
_CONJ_SECOND = np.array([[[[1, 1]]], [[[1, -1]]]], np.int8)
# multipliers of (re, im) blocks: rotations by -i / +i of (re, im) reversed, conjugation
_ROW_ROT = {-1: np.array([1, -1], np.int8)[:, None, None],
            1: np.array([-1, 1], np.int8)[:, None, None]}
_ROW_CONJ = np.array([1, -1], np.int8)[:, None, None]


class _Pairs:
    """Complex values as (re, im) blocks of ``work`` dtype before the frames axis."""

    def empty(self, *dims):
        return np.zeros((*dims[:-2], 2, *dims[-2:]), self.work)

    def positions(self, dims):
        flat = np.arange(2 * math.prod(dims)).reshape(*dims[:-2], 2, *dims[-2:])
        return np.moveaxis(flat, -3, -1)

    def pair_index(self, idx):
        return np.ascontiguousarray(np.moveaxis(idx, -1, -3))

    def flat(self, c):
        return c.reshape(-1)

    def twiddles(self, re, im, frames):
        """(T1, T2) with x * tw = x * T1 + swap(x) * T2: (re, im) blocks (br, br) and (-bi, bi),
        so that each part is one of C_MUL's products; (..., n) -> (..., 2, frames, n)."""
        re, im = re.astype(self.work), im.astype(self.work)
        return tuple(np.repeat(np.stack(rows, -2)[..., None, :], frames, axis=-2)
                     for rows in ([re, re], [-im, im]))

    def scalar(self, v):
        return self.work.type(v)

    def _signs(self, signs, shape):
        return np.broadcast_to(signs, shape).astype(self.work)

    def gather_fixdiv(self, t, src, index, sign, p, dst, samples=False):
        src = src.reshape(-1)
        g = np.empty(index.shape, src.dtype)
        t(src.take, index, None, g, "clip")
        if sign is not None:
            t(np.multiply, g, sign.astype(g.dtype), g)
        # a negated sample may not be one
        self.fixdiv(t, g, p, dst, samples and sign is None)

    def regroup(self, c, p, blocks, next_p, m):
        c = c.reshape(p, 2, c.shape[2], blocks // next_p, next_p, m)
        return c.transpose(4, 1, 2, 3, 0, 5)

    def cmul(self, t, c, tw, out):
        t1, t2 = tw
        a, b = np.empty(out.shape, self.work), np.empty(out.shape, self.work)
        t(np.multiply, c, t1, a)
        t(np.multiply, c[..., ::-1, :, :], t2, b)
        t(np.add, a, b, out)
        self._sround(t, out)

    def rot(self, t, c, sense, out):
        t(np.multiply, c[..., ::-1, :, :], self._signs(_ROW_ROT[sense], c.shape), out)

    def conj(self, t, c, out):
        t(np.multiply, c, self._signs(_ROW_CONJ, c.shape), out)

    def legs(self, *dims):
        return self.empty(*dims)

    def radix4(self, t, u, tw, sense, out):
        """kf_bfly4: after the twiddles, on legs (f0, s0, s1, s2), y gets (f0 + s1, f0 - s1,
        s0 + s2, s0 - s2), the last rotated, so that outputs (0, 1) are y[0:2] + y[2:4] and
        outputs (2, 3) the difference."""
        self.cmul(t, u[1:], tw, u[1:])
        y = self.empty(5, *u.shape[-2:])       # s0 - s2 goes to y[4] and, rotated, to y[3]
        t(np.add, u[:2], u[2:], y[0:3:2])
        t(np.subtract, u[:2], u[2:], y[1:5:3])
        self.rot(t, y[4], sense, y[3])
        t(np.add, y[:2], y[2:4], out[:2])
        t(np.subtract, y[:2], y[2:4], out[2:])

    def dc(self, t, c, out):
        """kiss_fftr's (re - im, re + im) of c (frames, 1) into out (frames, 2)."""
        t(_subtract_cast, c[0, :, 0], c[1, :, 0], out[:, 0])
        t(_add_cast, c[0, :, 0], c[1, :, 0], out[:, 1])

    def to_samples(self, t, c, out):
        p, _, frames, m = c.shape
        t(np.copyto, out.reshape(frames, p, m, 2).transpose(1, 3, 0, 2), c, "unsafe")


class Fixed32Pairs(_Pairs):
    """The 32-bit build: int64 pairs, wrapped to 32 bits where C's next step needs it.
    Constants are given as full arrays: same-shape operands take numpy's fastest path."""
    sample = np.dtype(np.int32)
    input_dtype = work = np.dtype(np.int64)

    def _sround(self, t, w):
        t(np.add, w, np.full(w.shape, 1 << 30, self.work), w)
        t(np.right_shift, w, np.full(w.shape, 31, self.work), w)

    def _wrap(self, t, c, out, shift=32):
        """out = c wrapped to 32 bits, shifted right by shift - 32."""
        t(np.left_shift, c, np.full(c.shape, 32, self.work), out)
        t(np.right_shift, out, np.full(out.shape, shift, self.work), out)

    def fixdiv(self, t, src, p, dst, samples=False):
        k = np.full(src.shape, (2 ** 31 - 1) // p, self.work)
        d = dst.reshape(src.shape)
        if samples:
            t(np.multiply, src, k, d)
        else:
            self._wrap(t, src, d)
            t(np.multiply, d, k, d)
        self._sround(t, d)

    def smul(self, t, c, s, out):
        self._wrap(t, c, out)
        t(np.multiply, out, s, out)
        self._sround(t, out)

    def half(self, t, c, out):
        self._wrap(t, c, out, 33)

    def halves(self, t, f1, tw, out_k, out_nk):
        """As Exact16.halves, on (2, frames, h) pairs; here the C int sums themselves wrap at
        32 bits."""
        w = np.empty(tw.shape, self.work)
        self._wrap(t, tw, w)
        buf = np.empty((2, *f1.shape), self.work)
        t(np.add, f1, w, buf[0])
        t(np.subtract, f1, w, buf[1])
        t(np.multiply, buf[1], self._signs(_ROW_CONJ, buf[1].shape), buf[1])
        self._wrap(t, buf, buf, 33)
        t(np.copyto, out_k.transpose(2, 0, 1), buf[0, ..., 1:], "unsafe")
        t(np.copyto, out_nk.transpose(2, 0, 1), buf[1, ..., 1:], "unsafe")


class Float32Pairs(_Pairs):
    """The float build: float32 operations in kissfft's order, no scaling."""
    sample = input_dtype = work = np.dtype(np.float32)
    _half = np.float32(0.5)

    def _sround(self, t, w):
        pass

    def gather_fixdiv(self, t, src, index, sign, p, dst, samples=False):
        d = dst.reshape(index.shape)
        t(src.reshape(-1).take, index, None, d, "clip")
        if sign is not None:
            t(np.multiply, d, sign.astype(d.dtype), d)

    def fixdiv(self, t, src, p, dst, samples=False):
        t(np.copyto, dst.reshape(src.shape), src)

    def smul(self, t, c, s, out):
        t(np.multiply, c, s, out)

    def half(self, t, c, out):
        t(np.multiply, c, self._half, out)

    def halves(self, t, f1, tw, out_k, out_nk):
        f1, tw = f1[..., 1:], tw[..., 1:]
        s, d = np.empty(f1.shape, self.work), np.empty(f1.shape, self.work)
        half = np.full(f1.shape, .5, self.work)
        t(np.add, f1, tw, s)
        t(np.multiply, s, half, out_k.transpose(2, 0, 1))
        t(np.subtract, f1[0], tw[0], d[0])
        t(np.subtract, tw[1], f1[1], d[1])
        t(np.multiply, d, half, out_nk.transpose(2, 0, 1))


def arith_for(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return Float32Pairs()
    if dtype == np.int16:
        return Exact16()
    return Fixed32Pairs()


class KissFFT:
    """A complex FFT of ``nfft`` points (inverse: unscaled), as kiss_fft with the arithmetic of
    ``arith``. Raises ValueError for lengths kissfft would need its generic butterfly for (TFLM's
    build has no memory for its scratch)."""

    def __init__(self, nfft, inverse, arith):
        self.nfft = nfft
        self.arith = a = arith
        self.sense = 1 if inverse else -1      # the radix-4 butterfly's rotation: +i or -i
        self.factors = factorize(nfft)
        bad = [p for p, _ in self.factors if p not in RADICES]
        if bad:
            raise ValueError(f"length {nfft} has the factor {bad[0]}; only radices 2, 3, 4 and 5 "
                             "are supported")
        phase = (-2 * math.pi * np.arange(nfft)) / nfft
        if inverse:
            phase = -phase
        tw_re, tw_im = _twiddle_values(a.sample, phase)
        self.twiddles = tw_re, tw_im       # as the build stores them (the C kernel's too)
        bflys = {2: self._bfly2, 3: self._bfly3, 4: self._bfly4, 5: self._bfly5}

        # kissfft recurses depth first; the leaves copy input samples in a mixed-radix digit order
        perm = np.zeros(1, np.int64)
        blocks = 1
        self.stages = []
        for p, m in self.factors:
            perm = (perm[:, None] + np.arange(p) * blocks).reshape(-1)
            # twiddle of leg q >= 1 at position u of any block: index q*u*blocks
            idx = np.arange(1, p)[:, None, None] * np.arange(m) * blocks
            idx = np.broadcast_to(idx, (p - 1, blocks, m)).reshape(p - 1, blocks * m)
            extra = ()
            if p == 3:
                extra = a.scalar(tw_im[blocks * m])
            elif p == 5:
                extra = ((a.scalar(tw_re[blocks * m]), a.scalar(tw_im[blocks * m])),
                         (a.scalar(tw_re[2 * blocks * m]), a.scalar(tw_im[2 * blocks * m])))
            self.stages.append((bflys[p], p, m, blocks, (tw_re[idx], tw_im[idx]), extra))
            blocks *= p
        self.stages.reverse()         # the deepest stage's butterflies run first
        _, p, m, blocks, _, _ = self.stages[0]
        # the input element at each (leg, block * position) slot of the first stage
        self.leaf_order = perm.reshape(blocks, p, m).transpose(1, 0, 2).reshape(p, blocks * m)

    def emit(self, t, src, src_pos, samples=False):
        """Record on tape t the FFT of each frame of inputs held in ``src``: src_pos (frames,
        nfft, 2) gives the positions in src.flat of their (re, im) values; ``samples``: they
        are stored samples, not unwrapped values. Returns the output complex array and the
        positions (frames, nfft, 2) of its (re, im) values in arith.flat() of it."""
        a = self.arith
        frames = src_pos.shape[0]
        out = prev = None
        for bfly, p, m, blocks, (tw_re, tw_im), extra in self.stages:
            u = a.legs(p, frames, blocks * m)
            if out is None:
                index = np.moveaxis(src_pos[:, self.leaf_order], 0, 1)
                a.gather_fixdiv(t, src, a.pair_index(index), None, p, u, samples)
            else:
                prev_p, prev_blocks, prev_m = prev
                a.fixdiv(t, a.regroup(out, prev_p, prev_blocks, p, prev_m), p, u)
            out = a.empty(p, frames, blocks * m)
            bfly(t, u, a.twiddles(tw_re, tw_im, frames), extra, out)
            prev = p, blocks, m
        pos = a.positions((p, frames, m)).transpose(1, 0, 2, 3)
        return out, pos.reshape(frames, self.nfft, 2)

    # Each butterfly records the stage on u (p, frames, blocks * m), legs already scaled by 1/p;
    # leg q at block b, position u is kissfft's element b*p*m + q*m + u, and so is out's.
    def _bfly2(self, t, u, tw, extra, out):
        self.arith.cmul(t, u[1:], tw, u[1:])
        t(np.add, u[0], u[1], out[0])
        t(np.subtract, u[0], u[1], out[1])

    def _bfly3(self, t, u, tw, epi3_im, out):
        a = self.arith
        a.cmul(t, u[1:], tw, u[1:])
        f0, s1, s2 = u[0], u[1], u[2]
        s3, s0, h, g1, r = (a.empty(*u.shape[-2:]) for _ in range(5))
        t(np.add, s1, s2, s3)
        t(np.subtract, s1, s2, s0)
        a.half(t, s3, h)
        t(np.subtract, f0, h, g1)
        a.smul(t, s0, epi3_im, s0)
        t(np.add, f0, s3, out[0])
        a.rot(t, s0, -1, r)
        t(np.add, g1, r, out[2])
        t(np.subtract, g1, r, out[1])

    def _bfly4(self, t, u, tw, extra, out):
        self.arith.radix4(t, u, tw, self.sense, out)

    def _bfly5(self, t, u, tw, extra, out):
        a = self.arith
        (yar, yai), (ybr, ybi) = extra
        a.cmul(t, u[1:], tw, u[1:])
        s0, s1, s2, s3, s4 = u

        def new():
            return a.empty(*u.shape[-2:])

        def add(x, y):
            z = new()
            t(np.add, x, y, z)
            return z

        def sub(x, y):
            z = new()
            t(np.subtract, x, y, z)
            return z

        def smul(x, s):
            z = new()
            a.smul(t, x, s, z)
            return z

        def rot(x, sense):
            z = new()
            a.rot(t, x, sense, z)
            return z

        s7, s10, s8, s9 = add(s1, s4), sub(s1, s4), add(s2, s3), sub(s2, s3)
        t(np.add, s0, add(s7, s8), out[0])
        s5 = add(add(s0, smul(s7, yar)), smul(s8, ybr))
        s6 = add(rot(smul(s10, yai), -1), rot(smul(s9, ybi), -1))
        t(np.subtract, s5, s6, out[1])
        t(np.add, s5, s6, out[4])
        s11 = add(add(s0, smul(s7, ybr)), smul(s8, yar))
        s12 = sub(rot(smul(s10, ybi), 1), rot(smul(s9, yai), 1))
        t(np.add, s11, s12, out[2])
        t(np.subtract, s11, s12, out[3])


class KissFFTR:
    """kissfft's real FFT of ``nfft`` (even) points: a complex FFT of nfft/2 points on the
    even/odd sample pairs, then a split with the "super twiddles". Spectra are (frames,
    nfft/2 + 1, 2) arrays of interleaved (re, im) samples."""

    def __init__(self, nfft, inverse, dtype):
        if nfft % 2 or nfft < 4:
            raise ValueError(f"length {nfft} must be even and at least 4")
        self.arith = a = arith_for(dtype)
        self.ncfft = n = nfft // 2
        self.fft = KissFFT(n, inverse, a)
        self.h = h = n // 2 + 1           # bins k = 0 .. n/2 of the split (k = 0 feeds only DC)
        phase = -math.pi * ((np.arange(1, h) / n) + .5)
        if inverse:
            phase = -phase
        re, im = _twiddle_values(a.sample, phase)
        zero = np.zeros(1, a.sample)
        self.super_tw = np.concatenate([zero, re]), np.concatenate([zero, im])
        k = np.arange(h)
        self.split_bins = np.stack([k, n - k])      # the split reads bins k and n - k
        self.bins = slice(1, h)                            # k = 1 .. n/2
        self.mirrored = slice(n - 1, n - n // 2 - 1, -1)   # n - k for the same k
        self._plans = {}

    def plan(self, frames):
        """(input buffer, tape, output buffer) for this number of frames, recorded on first
        use (call it ahead to do that work then)."""
        plan = self._plans.get(frames)
        if plan is None:
            build = self._inverse_plan if self.fft.sense > 0 else self._forward_plan
            # no frames: record one and use none of it
            plan = build(max(frames, 1))
            if frames == 0:
                src, _, out = plan
                plan = src[:0], _Tape(), out[:0]
            self._plans[frames] = plan
        return plan

    def _split_input(self, t, src, pos, bins, p):
        """p (2, frames, h) = C_FIXDIV of bins k and (conjugated) n - k of the spectrum whose
        (re, im) values are at pos (frames, bins, 2) in src."""
        a = self.arith
        index = np.moveaxis(pos[:, bins], 0, 1)
        sign = np.broadcast_to(_CONJ_SECOND, index.shape)
        a.gather_fixdiv(t, src, a.pair_index(index), a.pair_index(sign), 2, p)

    def _forward_plan(self, frames):
        a, n, h, t = self.arith, self.ncfft, self.h, _Tape()
        x = np.zeros((frames, 2 * n), a.input_dtype)
        z, z_pos = self.fft.emit(t, x, np.arange(x.size).reshape(frames, n, 2), samples=True)
        p = a.empty(2, frames, h)
        self._split_input(t, a.flat(z), z_pos, self.split_bins % n, p)
        f1, f2, tw = a.empty(frames, h), a.empty(frames, h), a.empty(frames, h)
        t(np.add, p[0], p[1], f1)
        t(np.subtract, p[0], p[1], f2)
        a.cmul(t, f2, a.twiddles(*self.super_tw, frames), tw)
        out = np.zeros((frames, n + 1, 2), a.sample)       # DC and Nyquist stay real
        # for even n the middle bin is written twice; the mirrored write is the one kept
        a.halves(t, f1, tw, out[:, self.bins], out[:, self.mirrored])
        a.dc(t, p[0, ..., :1], out[:, n::-n, 0])
        return x, t, out

    def _inverse_plan(self, frames):
        a, n, h, t = self.arith, self.ncfft, self.h, _Tape()
        spectrum = np.zeros((frames, 2 * (n + 1)), a.input_dtype)
        p = a.empty(2, frames, h)
        self._split_input(t, spectrum, np.arange(spectrum.size).reshape(frames, n + 1, 2),
                          self.split_bins, p)
        fek, tmp, fok, d = (a.empty(frames, h) for _ in range(4))
        t(np.add, p[0], p[1], fek)
        t(np.subtract, p[0], p[1], tmp)
        a.cmul(t, tmp, a.twiddles(*self.super_tw, frames), fok)
        z = a.empty(frames, n)
        # for even n the middle bin is written twice; the mirrored write is the one kept
        t(np.add, fek[..., 1:], fok[..., 1:], z[..., self.bins])
        t(np.subtract, fek[..., 1:], fok[..., 1:], d[..., 1:])
        a.conj(t, d[..., 1:], z[..., self.mirrored])
        dc = np.zeros((frames, 2), a.input_dtype)
        t(np.add, spectrum[:, 0], spectrum[:, 2 * n], dc[:, 0])
        t(np.subtract, spectrum[:, 0], spectrum[:, 2 * n], dc[:, 1])
        a.gather_fixdiv(t, dc, a.pair_index(np.arange(dc.size).reshape(frames, 1, 2)), None, 2,
                        z[..., :1])
        y, _ = self.fft.emit(t, a.flat(z), a.positions((frames, n)))
        out = np.zeros((frames, 2 * n), a.sample)
        a.to_samples(t, y, out)
        return spectrum, t, out

    def forward(self, x, out=None):
        """Real frames (frames, nfft or fewer samples, zero-padded) -> spectrum (frames,
        nfft/2 + 1, 2)."""
        src, tape, result = self.plan(x.shape[0])
        length = x.shape[1]
        np.copyto(src[:, :length], x)
        if length < src.shape[1]:
            src[:, length:] = 0
        tape.run()
        if out is None:
            return result.copy()
        np.copyto(out, result)
        return out

    def inverse(self, spectrum, out=None):
        """Spectrum (frames, nfft/2 + 1, 2) -> real frames (frames, nfft)."""
        src, tape, result = self.plan(spectrum.shape[0])
        np.copyto(src, spectrum.reshape(src.shape))
        tape.run()
        if out is None:
            return result.copy()
        np.copyto(out, result)
        return out
