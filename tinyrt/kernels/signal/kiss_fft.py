"""KISS FFT (Mark Borgerding's kissfft v130, as tflite-micro vendors it), vectorised.

TFLM's SignalRfft / SignalIrfft run kissfft's real FFT built three times: with FIXED_POINT=16
(int16 samples), FIXED_POINT=32 (int32) and as float. The fixed-point builds scale each
butterfly's inputs down by its radix and round every product back to the sample width, so the
results depend on the exact factorisation, the order of the stages and each rounding, wrap and
shift; the float build depends on the order of its float32 operations. All of that is reproduced
here, but each stage processes all its butterflies (of every frame) at once.

Complex values are kept as separate real and imaginary arrays of shape (frames, n): int64 holding
values already wrapped to the sample width for the fixed-point builds, float32 for the float one.
"""
import math

import numpy as np

RADICES = (2, 3, 4, 5)


class FixedArith:
    """kissfft's fixed-point macros for ``bits``-bit samples (FIXED_POINT=16 or 32)."""

    def __init__(self, bits):
        self.dtype = np.dtype(np.int16 if bits == 16 else np.int32)
        self.frac = bits - 1
        self.samp_max = (1 << self.frac) - 1
        self.round_bias = 1 << (self.frac - 1)

    def load(self, x):
        return np.asarray(x).astype(np.int64)

    def store(self, x):
        """Assignment to a sample: C's conversion wraps to the sample width."""
        return x.astype(self.dtype).astype(np.int64)

    def sround(self, x):
        return self.store((x + self.round_bias) >> self.frac)

    def mul(self, ar, ai, br, bi):
        return self.sround(ar * br - ai * bi), self.sround(ar * bi + ai * br)

    def smul(self, a, b):
        return self.sround(a * b)

    def fixdiv(self, r, i, p):
        k = self.samp_max // p
        return self.sround(r * k), self.sround(i * k)

    def half(self, x):
        # the operand is a C int expression: 32 bits wide, so a 32-bit sum wraps before the shift
        return x.astype(np.int32).astype(np.int64) >> 1

    def twiddle(self, phase):
        return (math.floor(.5 + self.samp_max * math.cos(phase)),
                math.floor(.5 + self.samp_max * math.sin(phase)))


class FloatArith:
    """The float build: float32 operations in kissfft's order, no scaling."""
    dtype = np.dtype(np.float32)
    _half = np.float32(0.5)

    def load(self, x):
        return np.asarray(x, np.float32)

    def store(self, x):
        return x

    def mul(self, ar, ai, br, bi):
        return ar * br - ai * bi, ar * bi + ai * br

    def smul(self, a, b):
        return a * b

    def fixdiv(self, r, i, p):
        return r, i

    def half(self, x):
        return x * self._half

    def twiddle(self, phase):
        return math.cos(phase), math.sin(phase)


def arith_for(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return FloatArith()
    return FixedArith(8 * dtype.itemsize)


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


def _twiddles(arith, phases):
    """Twiddle table (real, imag) for the given phases, stored as samples. cos and sin come from
    the C library (math.cos), as kissfft's own calls do, so the roundings agree."""
    re, im = zip(*(arith.twiddle(float(p)) for p in phases))
    return (arith.load(np.array(re, np.float64).astype(arith.dtype)),
            arith.load(np.array(im, np.float64).astype(arith.dtype)))


class KissFFT:
    """A complex FFT of ``nfft`` points (inverse: unscaled), as kiss_fft with the arithmetic of
    ``arith``. Raises ValueError for lengths kissfft would need its generic butterfly for (TFLM's
    build has no memory for its scratch)."""

    def __init__(self, nfft, inverse, arith):
        self.nfft = nfft
        self.inverse = inverse
        self.arith = arith
        self.factors = factorize(nfft)
        bad = [p for p, _ in self.factors if p not in RADICES]
        if bad:
            raise ValueError(f"length {nfft} has the factor {bad[0]}; only radices 2, 3, 4 and 5 "
                             "are supported")
        phase = (-2 * math.pi * np.arange(nfft)) / nfft
        if inverse:
            phase = -phase
        tw_re, tw_im = _twiddles(arith, phase)

        # kissfft recurses depth first; the leaves copy input samples in a mixed-radix digit order
        perm = np.zeros(1, np.int64)
        fstride = 1
        self.stages = []
        for p, m in self.factors:
            perm = (perm[:, None] + np.arange(p) * fstride).reshape(-1)
            # twiddle index of butterfly leg q at position u is q*u*fstride
            idx = np.arange(p)[:, None] * np.arange(m)[None, :] * fstride
            extra = {}
            if p == 3:
                extra["epi3_im"] = tw_im[fstride * m]
            elif p == 5:
                extra["ya"] = (tw_re[fstride * m], tw_im[fstride * m])
                extra["yb"] = (tw_re[2 * fstride * m], tw_im[2 * fstride * m])
            self.stages.append((p, m, fstride, tw_re[idx], tw_im[idx], extra))
            fstride *= p
        self.perm = perm
        self.stages.reverse()         # the deepest stage's butterflies run first

    def __call__(self, re, im):
        """FFT of each row of ``re + i*im`` (shape (frames, nfft)); returns (re, im)."""
        frames = re.shape[0]
        re, im = re[:, self.perm], im[:, self.perm]
        for p, m, fstride, tw_re, tw_im, extra in self.stages:
            # (frames, blocks, leg q, position u): leg q of butterfly u is element u + q*m
            shape = (frames, fstride, p, m)
            re, im = re.reshape(shape), im.reshape(shape)
            legs_re = [re[:, :, q] for q in range(p)]
            legs_im = [im[:, :, q] for q in range(p)]
            out = getattr(self, f"_bfly{p}")(legs_re, legs_im, tw_re, tw_im, extra)
            re = np.stack([o[0] for o in out], axis=2).reshape(frames, self.nfft)
            im = np.stack([o[1] for o in out], axis=2).reshape(frames, self.nfft)
        return re, im

    # Each butterfly takes the p legs (each (frames, blocks, m)) and returns p (re, im) pairs.
    def _scaled_legs(self, legs_re, legs_im, p):
        a = self.arith
        return [a.fixdiv(r, i, p) for r, i in zip(legs_re, legs_im)]

    def _bfly2(self, legs_re, legs_im, tw_re, tw_im, extra):
        a = self.arith
        (f0r, f0i), (f1r, f1i) = self._scaled_legs(legs_re, legs_im, 2)
        tr, ti = a.mul(f1r, f1i, tw_re[1], tw_im[1])
        return ((a.store(f0r + tr), a.store(f0i + ti)),
                (a.store(f0r - tr), a.store(f0i - ti)))

    def _bfly3(self, legs_re, legs_im, tw_re, tw_im, extra):
        a = self.arith
        (f0r, f0i), (f1r, f1i), (f2r, f2i) = self._scaled_legs(legs_re, legs_im, 3)
        s1r, s1i = a.mul(f1r, f1i, tw_re[1], tw_im[1])
        s2r, s2i = a.mul(f2r, f2i, tw_re[2], tw_im[2])
        s3r, s3i = a.store(s1r + s2r), a.store(s1i + s2i)
        s0r, s0i = a.store(s1r - s2r), a.store(s1i - s2i)
        g1r, g1i = a.store(f0r - a.half(s3r)), a.store(f0i - a.half(s3i))
        s0r, s0i = a.smul(s0r, extra["epi3_im"]), a.smul(s0i, extra["epi3_im"])
        g0r, g0i = a.store(f0r + s3r), a.store(f0i + s3i)
        g2r, g2i = a.store(g1r + s0i), a.store(g1i - s0r)
        g1r, g1i = a.store(g1r - s0i), a.store(g1i + s0r)
        return (g0r, g0i), (g1r, g1i), (g2r, g2i)

    def _bfly4(self, legs_re, legs_im, tw_re, tw_im, extra):
        a = self.arith
        (f0r, f0i), (f1r, f1i), (f2r, f2i), (f3r, f3i) = self._scaled_legs(legs_re, legs_im, 4)
        s0r, s0i = a.mul(f1r, f1i, tw_re[1], tw_im[1])
        s1r, s1i = a.mul(f2r, f2i, tw_re[2], tw_im[2])
        s2r, s2i = a.mul(f3r, f3i, tw_re[3], tw_im[3])
        s5r, s5i = a.store(f0r - s1r), a.store(f0i - s1i)
        f0r, f0i = a.store(f0r + s1r), a.store(f0i + s1i)
        s3r, s3i = a.store(s0r + s2r), a.store(s0i + s2i)
        s4r, s4i = a.store(s0r - s2r), a.store(s0i - s2i)
        g2 = a.store(f0r - s3r), a.store(f0i - s3i)
        g0 = a.store(f0r + s3r), a.store(f0i + s3i)
        if self.inverse:
            g1 = a.store(s5r - s4i), a.store(s5i + s4r)
            g3 = a.store(s5r + s4i), a.store(s5i - s4r)
        else:
            g1 = a.store(s5r + s4i), a.store(s5i - s4r)
            g3 = a.store(s5r - s4i), a.store(s5i + s4r)
        return g0, g1, g2, g3

    def _bfly5(self, legs_re, legs_im, tw_re, tw_im, extra):
        a = self.arith
        (yar, yai), (ybr, ybi) = extra["ya"], extra["yb"]
        (s0r, s0i), *rest = self._scaled_legs(legs_re, legs_im, 5)
        (s1r, s1i), (s2r, s2i), (s3r, s3i), (s4r, s4i) = (
            a.mul(r, i, tw_re[q + 1], tw_im[q + 1]) for q, (r, i) in enumerate(rest))
        s7r, s7i = a.store(s1r + s4r), a.store(s1i + s4i)
        s10r, s10i = a.store(s1r - s4r), a.store(s1i - s4i)
        s8r, s8i = a.store(s2r + s3r), a.store(s2i + s3i)
        s9r, s9i = a.store(s2r - s3r), a.store(s2i - s3i)
        g0 = a.store(s0r + (s7r + s8r)), a.store(s0i + (s7i + s8i))
        s5r = a.store(s0r + a.smul(s7r, yar) + a.smul(s8r, ybr))
        s5i = a.store(s0i + a.smul(s7i, yar) + a.smul(s8i, ybr))
        s6r = a.store(a.smul(s10i, yai) + a.smul(s9i, ybi))
        s6i = a.store(-a.smul(s10r, yai) - a.smul(s9r, ybi))
        g1 = a.store(s5r - s6r), a.store(s5i - s6i)
        g4 = a.store(s5r + s6r), a.store(s5i + s6i)
        s11r = a.store(s0r + a.smul(s7r, ybr) + a.smul(s8r, yar))
        s11i = a.store(s0i + a.smul(s7i, ybr) + a.smul(s8i, yar))
        s12r = a.store(-a.smul(s10i, ybi) + a.smul(s9i, yai))
        s12i = a.store(a.smul(s10r, ybi) - a.smul(s9r, yai))
        g2 = a.store(s11r + s12r), a.store(s11i + s12i)
        g3 = a.store(s11r - s12r), a.store(s11i - s12i)
        return g0, g1, g2, g3, g4


class KissFFTR:
    """kissfft's real FFT of ``nfft`` (even) points: a complex FFT of nfft/2 points on the
    even/odd sample pairs, then a split with the "super twiddles"."""

    def __init__(self, nfft, inverse, dtype):
        if nfft % 2 or nfft < 4:
            raise ValueError(f"length {nfft} must be even and at least 4")
        self.arith = a = arith_for(dtype)
        self.ncfft = n = nfft // 2
        self.fft = KissFFT(n, inverse, a)
        phase = -math.pi * ((np.arange(1, n // 2 + 1) / n) + .5)
        if inverse:
            phase = -phase
        self.super_re, self.super_im = _twiddles(a, phase)
        self.k = np.arange(1, n // 2 + 1)

    def forward(self, x):
        """Real frames (frames, nfft) -> spectrum (re, im), each (frames, nfft/2 + 1)."""
        a, n, k = self.arith, self.ncfft, self.k
        x = a.load(x)
        zr, zi = self.fft(x[:, 0::2], x[:, 1::2])
        re = np.zeros((x.shape[0], n + 1), zr.dtype)
        im = np.zeros_like(re)
        dcr, dci = a.fixdiv(zr[:, 0], zi[:, 0], 2)
        re[:, 0], re[:, n] = a.store(dcr + dci), a.store(dcr - dci)
        pkr, pki = a.fixdiv(zr[:, k], zi[:, k], 2)
        pnkr, pnki = a.fixdiv(zr[:, n - k], a.store(-zi[:, n - k]), 2)
        f1r, f1i = a.store(pkr + pnkr), a.store(pki + pnki)
        f2r, f2i = a.store(pkr - pnkr), a.store(pki - pnki)
        twr, twi = a.mul(f2r, f2i, self.super_re, self.super_im)
        re[:, k] = a.store(a.half(f1r + twr))
        im[:, k] = a.store(a.half(f1i + twi))
        # for even n the middle bin is written twice; this second write is the one kept
        re[:, n - k] = a.store(a.half(f1r - twr))
        im[:, n - k] = a.store(a.half(twi - f1i))
        return re, im

    def inverse(self, re, im):
        """Spectrum (re, im), each (frames, nfft/2 + 1) -> real frames (frames, nfft)."""
        a, n, k = self.arith, self.ncfft, self.k
        re, im = a.load(re), a.load(im)
        zr = np.empty((re.shape[0], n), re.dtype)
        zi = np.empty_like(zr)
        zr[:, 0], zi[:, 0] = a.fixdiv(a.store(re[:, 0] + re[:, n]),
                                      a.store(re[:, 0] - re[:, n]), 2)
        fkr, fki = a.fixdiv(re[:, k], im[:, k], 2)
        fnr, fni = a.fixdiv(re[:, n - k], a.store(-im[:, n - k]), 2)
        ekr, eki = a.store(fkr + fnr), a.store(fki + fni)
        dr, di = a.store(fkr - fnr), a.store(fki - fni)
        okr, oki = a.mul(dr, di, self.super_re, self.super_im)
        zr[:, k], zi[:, k] = a.store(ekr + okr), a.store(eki + oki)
        zr[:, n - k], zi[:, n - k] = a.store(ekr - okr), a.store(-a.store(eki - oki))
        tr, ti = self.fft(zr, zi)
        out = np.empty((re.shape[0], 2 * n), tr.dtype)
        out[:, 0::2], out[:, 1::2] = tr, ti
        return out
