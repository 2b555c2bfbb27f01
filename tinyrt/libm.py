"""The C library's float math functions as tflite-micro's pip build gets them, vectorised.

tflite-micro's kernels call expf, logf, sinf, cosf, expm1f and tanhf (std::exp and friends on
float). On Linux those are glibc's, which are not correctly rounded: rounding numpy's float64
results differs from them in the last bit for 0.05% (expf, logf) to 1% (sinf, cosf, expm1f) of
inputs. These functions follow glibc's algorithms step by step instead:

- expf, logf, sinf, cosf: the double-precision table-and-polynomial algorithms glibc took from
  Arm's optimized-routines (MIT licensed); the constants below are theirs. glibc's x86-64 build
  runs a variant compiled with fused multiply-adds; the fused range reductions, whose
  rounding shows in the result, are computed here with exact products.
- expm1f, tanhf: the single-precision fdlibm algorithms (Sun Microsystems, freely
  redistributable), which glibc 2.36 still uses.

Each takes a float32 array (or scalar) and returns a float32 array.
"""
import numpy as np

f32, f64, u32, u64 = np.float32, np.float64, np.uint32, np.uint64
_h = float.fromhex


def _bits32(x):
    return np.ascontiguousarray(x, f32).view(u32)


def _abstop12(x):
    return (_bits32(x) >> u32(20)) & u32(0x7FF)


def _top12(v):
    return int((np.array(v, f32).view(u32) >> u32(20)) & u32(0x7FF))


# -- expf -----------------------------------------------------------------------------------
_EXP_N = 32
_EXP_TAB = None
_EXP_SHIFT = _h("0x1.8p+52")
_EXP_INVLN2N = _h("0x1.71547652b82fep+0") * _EXP_N
_EXP_C = (_h("0x1.c6af84b912394p-5") / _EXP_N ** 3, _h("0x1.ebfce50fac4f3p-3") / _EXP_N ** 2,
          _h("0x1.62e42ff0c52d6p-1") / _EXP_N)


def _exp_table():
    """tab[i] = bits of 2^(i/32) (correctly rounded) minus i << 47."""
    global _EXP_TAB
    if _EXP_TAB is None:
        from decimal import Decimal, getcontext
        getcontext().prec = 60
        vals = np.array([float(Decimal(2) ** (Decimal(i) / _EXP_N)) for i in range(_EXP_N)], f64)
        _EXP_TAB = vals.view(u64) - (np.arange(_EXP_N, dtype=u64) << u64(52 - 5))
    return _EXP_TAB


def expf(x):
    x = np.asarray(x, f32)
    xd = x.astype(f64)
    z = _EXP_INVLN2N * xd
    kd = z + _EXP_SHIFT
    ki = kd.view(u64)
    kd = kd - _EXP_SHIFT
    r = z - kd
    t = _exp_table()[(ki % u64(_EXP_N)).astype(np.intp)] + (ki << u64(52 - 5))
    s = t.view(f64)
    c0, c1, c2 = _EXP_C
    y = (c0 * r + c1) * (r * r) + (c2 * r + 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        out = (y * s).astype(f32)
        big = _abstop12(x) >= _top12(88.0)
        if big.any():
            out = np.where(big & (x > f32(_h("0x1.62e42ep6"))), f32(np.inf), out)
            out = np.where(big & (x < f32(_h("-0x1.9fe368p6"))), f32(0), out)
            out = np.where(np.isnan(x), x, out)
    return out


# -- logf -----------------------------------------------------------------------------------
_LOG_TAB = np.array([
    (_h("0x1.661ec79f8f3bep+0"), _h("-0x1.57bf7808caadep-2")), (_h("0x1.571ed4aaf883dp+0"), _h("-0x1.2bef0a7c06ddbp-2")),
    (_h("0x1.49539f0f010bp+0"), _h("-0x1.01eae7f513a67p-2")), (_h("0x1.3c995b0b80385p+0"), _h("-0x1.b31d8a68224e9p-3")),
    (_h("0x1.30d190c8864a5p+0"), _h("-0x1.6574f0ac07758p-3")), (_h("0x1.25e227b0b8eap+0"), _h("-0x1.1aa2bc79c81p-3")),
    (_h("0x1.1bb4a4a1a343fp+0"), _h("-0x1.a4e76ce8c0e5ep-4")), (_h("0x1.12358f08ae5bap+0"), _h("-0x1.1973c5a611cccp-4")),
    (_h("0x1.0953f419900a7p+0"), _h("-0x1.252f438e10c1ep-5")), (_h("0x1p+0"), _h("0x0p+0")),
    (_h("0x1.e608cfd9a47acp-1"), _h("0x1.aa5aa5df25984p-5")), (_h("0x1.ca4b31f026aap-1"), _h("0x1.c5e53aa362eb4p-4")),
    (_h("0x1.b2036576afce6p-1"), _h("0x1.526e57720db08p-3")), (_h("0x1.9c2d163a1aa2dp-1"), _h("0x1.bc2860d22477p-3")),
    (_h("0x1.886e6037841edp-1"), _h("0x1.1058bc8a07ee1p-2")), (_h("0x1.767dcf5534862p-1"), _h("0x1.4043057b6ee09p-2")),
], f64)
_LOG_LN2 = _h("0x1.62e42fefa39efp-1")
_LOG_A = (_h("-0x1.00ea348b88334p-2"), _h("0x1.5575b0be00b6ap-2"), _h("-0x1.ffffef20a4123p-2"))
_LOG_OFF = 0x3F330000


def _hi26(c):
    b = np.asarray(c, f64).view(u64) & u64(0xFFFFFFFFF8000000)
    return b.view(f64)


_LOG_INVC = _LOG_TAB[:, 0].copy()
_LOG_INVC_HI = _hi26(_LOG_INVC)
_LOG_INVC_LO = _LOG_INVC - _LOG_INVC_HI


def logf(x):
    x = np.asarray(x, f32)
    ix = _bits32(x).copy()
    special = (ix - u32(0x00800000)) >= u32(0x7F800000 - 0x00800000)
    sub = special & (ix < u32(0x00800000)) & (ix != 0)
    if sub.any():                                   # subnormals: scale into the normal range
        scaled = _bits32((x * f32(2.0 ** 23)).astype(f32)) - u32(23 << 23)
        ix = np.where(sub, scaled, ix)
    tmp = ix - u32(_LOG_OFF)
    i = ((tmp >> u32(19)) % u32(16)).astype(np.intp)
    k = (tmp.view(np.int32) >> 23).astype(f64)
    iz = ix - (tmp & u32(0x1FF << 23))
    z = iz.view(f32).astype(f64)
    # r = z * invc - 1 as one fused multiply-add: z * invc_hi and z * invc_lo are exact, and
    # z * invc_hi - 1 is exact (Sterbenz), so one rounding remains
    r = (z * _LOG_INVC_HI[i] - 1.0) + z * _LOG_INVC_LO[i]
    y0 = _LOG_TAB[i, 1] + k * _LOG_LN2
    r2 = r * r
    a0, a1, a2 = _LOG_A
    y = (a0 * r2 + (a1 * r + a2)) * r2 + (y0 + r)
    out = y.astype(f32)
    if special.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(special & ~sub, np.log(x), out)      # 0, negatives, inf, NaN
    return out


# -- sinf, cosf -----------------------------------------------------------------------------
_PIO4 = _h("0x1.921FB54442D18p-1")
_PI64 = _h("0x1.921FB54442D18p-62")
_HPI_INV = _h("0x1.45F306DC9C883p+23")
_HPI = _h("0x1.921FB54442D18p0")
_HPI_HI = float(_hi26(np.array([_HPI]))[0])
_HPI_LO = _HPI - _HPI_HI
# c0..c4, s1..s3 of the sine and cosine polynomials (the second row: -cos)
_SC = {0: (1.0, _h("-0x1.ffffffd0c621cp-2"), _h("0x1.55553e1068f19p-5"), _h("-0x1.6c087e89a359dp-10"),
           _h("0x1.99343027bf8c3p-16")),
       1: (-1.0, _h("0x1.ffffffd0c621cp-2"), _h("-0x1.55553e1068f19p-5"), _h("0x1.6c087e89a359dp-10"),
           _h("-0x1.99343027bf8c3p-16"))}
_S = (_h("-0x1.555545995a603p-3"), _h("0x1.1107605230bc4p-7"), _h("-0x1.994eb3774cf24p-13"))
_SIGN = np.array([1.0, -1.0, -1.0, 1.0])
_INV_PIO4 = None


def _inv_pio4():
    """4/pi to 192 bits, as 24 overlapping 32-bit words advancing by 8 bits."""
    global _INV_PIO4
    if _INV_PIO4 is None:
        bits = 260
        one = 1 << (bits + 20)

        def arctan_inv(n):          # arctan(1/n) * 2^(bits+20), by its Taylor series
            total, term, k, n2 = 0, one // n, 0, n * n
            while term:
                total += term // (2 * k + 1) if k % 2 == 0 else -(term // (2 * k + 1))
                term //= n2
                k += 1
            return total
        pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))       # Machin
        four_over_pi = (4 << (2 * (bits + 20))) // pi       # scaled by 2^(bits+20)
        _INV_PIO4 = np.array([(four_over_pi >> (bits + 20 - 7 - 8 * j)) & 0xFFFFFFFF
                              for j in range(24)], u64)
    return _INV_PIO4


def _reduce_large(x):
    """Arguments |x| >= 120: (x mod pi/2 in [-pi/4, pi/4] as double, quadrant), by the exact
    integer product with 4/pi."""
    xi = _bits32(x).astype(u64)
    arr = _inv_pio4()
    base = ((xi >> u64(26)) & u64(15)).astype(np.intp)
    shift = (xi >> u64(23)) & u64(7)
    m = ((xi & u64(0xFFFFFF)) | u64(0x800000)) << shift
    res0 = (m * arr[base]) & u64(0xFFFFFFFF)           # a 32-bit product in C
    res1 = m * arr[base + 4]
    res2 = m * arr[base + 8]
    res0 = (res2 >> u64(32)) | (res0 << u64(32))
    res0 = res0 + res1
    n = (res0 + (u64(1) << u64(61))) >> u64(62)
    res0 = res0 - (n << u64(62))
    return res0.view(np.int64).astype(f64) * _PI64, n.astype(np.int64)


def _poly(x, x2, table, cosine):
    """sinf_poly: the sine (or, where ``cosine``, the cosine) polynomial; ``table`` 0 or 1
    per element selects the cosine row (cos or -cos)."""
    x3 = x * x2
    s1, s2, s3 = _S
    sin = (x + x3 * s1) + (x3 * x2) * (s2 + x2 * s3)
    c0 = np.where(table, _SC[1][0], _SC[0][0])
    c1 = np.where(table, _SC[1][1], _SC[0][1])
    c2 = np.where(table, _SC[1][2], _SC[0][2])
    c3 = np.where(table, _SC[1][3], _SC[0][3])
    c4 = np.where(table, _SC[1][4], _SC[0][4])
    x4 = x2 * x2
    cos = (c0 + x2 * c1 + x4 * c2) + (x4 * x2) * (c3 + x2 * c4)
    return np.where(cosine, cos, sin)


def _sincos(y, want_cos):
    y = np.asarray(y, f32)
    shape = y.shape
    y = y.reshape(-1)
    x = y.astype(f64)
    top = _abstop12(y)
    out = np.empty(y.shape, f32)

    small = top < _top12(_PIO4)
    tiny = top < _top12(_h("0x1p-12"))
    mid = ~small & (top < _top12(120.0))
    large = ~small & ~mid & (top < _top12(np.inf))
    bad = ~(small | mid | large)

    # |y| < pi/4: no reduction
    xs = x[small]
    out[small] = _poly(xs, xs * xs, np.zeros(xs.shape, bool), want_cos).astype(f32)
    # |y| < 120: one multiply-subtract with pi/2, fused in glibc: n * hpi_hi is exact and
    # x - n * hpi_hi is exact (Sterbenz), so one rounding remains
    xm = x[mid]
    n = ((np.trunc(xm * _HPI_INV).astype(np.int64) + 0x800000) >> 24)
    rm = (xm - n * _HPI_HI) - n * _HPI_LO
    nq = n
    # |y| >= 120: exact integer reduction, quadrant including the sign
    # (the sign of y joins the quadrant for the sign and table, not for the parity)
    xl, nl = _reduce_large(y[large])
    ql = nl + (_bits32(y[large]) >> u32(31)).astype(np.int64)
    for sel, r, q, n in ((mid, rm, nq, nq), (large, xl, ql, nl)):
        if not sel.any():
            continue
        s = _SIGN[q & 3]
        table = (q & 2) != 0
        cosine = (n & 1) == (0 if want_cos else 1)
        out[sel] = _poly(r * s, r * r, table, cosine).astype(f32)
    out[tiny] = f32(1.0) if want_cos else y[tiny]
    out[bad] = f32(np.nan)
    return out.reshape(shape)


def sinf(x):
    return _sincos(x, False)


def cosf(x):
    return _sincos(x, True)


# -- expm1f (fdlibm, single precision) --------------------------------------------------------
def expm1f(x):
    """fdlibm's expm1f, evaluated in float32 operation by operation as the C code does."""
    x = np.asarray(x, f32)
    shape = x.shape
    x = x.reshape(-1)
    hx = _bits32(x) & u32(0x7FFFFFFF)
    neg = (_bits32(x) >> u32(31)) != 0
    one, half = f32(1.0), f32(0.5)
    ln2_hi, ln2_lo, invln2 = f32(6.9313812256e-01), f32(9.0580006145e-06), f32(1.4426950216e+00)
    q1, q2, q3, q4, q5 = (f32(-3.3333335072e-02), f32(1.5873016091e-03), f32(-7.9365076090e-05),
                          f32(4.0082177293e-06), f32(-2.0109921195e-07))
    out = np.empty(x.shape, f32)
    done = np.zeros(x.shape, bool)

    with np.errstate(over="ignore", invalid="ignore"):
        # huge and non-finite arguments
        huge = hx >= u32(0x4195B844)
        nan = hx > u32(0x7F800000)
        out[nan] = x[nan]
        done |= nan
        inf = hx == u32(0x7F800000)
        out[inf & ~neg] = f32(np.inf)
        out[inf & neg] = f32(-1.0)
        done |= inf
        over = huge & ~done & (x > f32(8.8721679688e+01))
        out[over] = f32(np.inf)
        done |= over
        minus_one = huge & ~done & neg
        out[minus_one] = f32(1e-30) - one
        done |= minus_one
        # tiny arguments: x itself
        tiny = ~done & (hx < u32(0x33000000))
        out[tiny] = x[tiny]
        done |= tiny

        todo = ~done
        xv, nv, hv = x[todo], neg[todo], hx[todo]
        reduce = hv > u32(0x3EB17218)
        near = reduce & (hv < u32(0x3F851592))
        far = reduce & ~near
        k = np.zeros(xv.shape, np.int32)
        hi = np.zeros(xv.shape, f32)
        lo = np.zeros(xv.shape, f32)
        hi[near] = np.where(nv[near], xv[near] + ln2_hi, xv[near] - ln2_hi)
        lo[near] = np.where(nv[near], -ln2_lo, ln2_lo)
        k[near] = np.where(nv[near], -1, 1)
        kf = (invln2 * xv[far] + np.where(nv[far], -half, half)).astype(f32)
        k[far] = np.trunc(kf).astype(np.int32)
        t = k[far].astype(f32)
        hi[far] = xv[far] - t * ln2_hi
        lo[far] = t * ln2_lo
        xr = np.where(reduce, hi - lo, xv).astype(f32)
        c = np.where(reduce, (hi - xr) - lo, f32(0)).astype(f32)

        hfx = half * xr
        hxs = xr * hfx
        r1 = one + hxs * (q1 + hxs * (q2 + hxs * (q3 + hxs * (q4 + hxs * q5))))
        t = f32(3.0) - r1 * hfx
        e = hxs * ((r1 - t) / (f32(6.0) - xr * t))
        res = np.empty(xv.shape, f32)

        k0 = k == 0
        res[k0] = (xr - (xr * e - hxs))[k0]
        e2 = (xr * (e - c) - c) - hxs
        km1 = k == -1
        res[km1] = (half * (xr - e2) - half)[km1]
        k1 = k == 1
        low = k1 & (xr < f32(-0.25))
        res[low] = (-f32(2.0) * (e2 - (xr + half)))[low]
        high = k1 & ~(xr < f32(-0.25))
        res[high] = (one + f32(2.0) * (xr - e2))[high]

        def add_exponent(y, kk):
            return (_bits32(y).view(np.int32) + (kk << 23)).view(f32)

        wide = ((k <= -2) | (k > 56)) & ~k0
        y = one - (e2 - xr)
        res[wide] = (add_exponent(y, k) - one)[wide]
        mid_k = ~k0 & ~km1 & ~k1 & ~wide
        lowk = mid_k & (k < 23)
        tk = (np.int32(0x3F800000) - (np.int32(0x1000000) >> np.clip(k, 0, 31))).view(f32)
        res[lowk] = add_exponent(tk - (e2 - xr), k)[lowk]
        highk = mid_k & ~(k < 23)
        t2 = ((np.int32(0x7F) - k) << 23).view(f32)
        y2 = (xr - (e2 + t2)) + one
        res[highk] = add_exponent(y2, k)[highk]
        out[todo] = res
    return out.reshape(shape)


# -- tanhf (fdlibm, single precision, through expm1f) ------------------------------------------
def tanhf(x):
    x = np.asarray(x, f32)
    one, two = f32(1.0), f32(2.0)
    ix = _bits32(x) & u32(0x7FFFFFFF)
    a = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        big = ix >= u32(0x3F800000)                  # |x| >= 1
        t = expm1f(np.where(big, two * a, -two * a))
        z = np.where(big, one - two / (t + two), -t / (t + two)).astype(f32)
        z = np.where(ix >= u32(0x41B00000), one, z)   # |x| >= 22 (and infinities): 1
        z = np.where(np.signbit(x), -z, z)
        z = np.where(ix < u32(0x24000000), x * (one + x), z)   # tiny, and +-0
        return np.where(np.isnan(x), x, z).astype(f32)
