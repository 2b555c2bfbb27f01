/* TFLM's fixed-point arithmetic, once: MultiplyByQuantizedMultiplier with gemmlowp's double
 * rounding (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT), the saturating
 * helpers softmax needs, and the same requantization 8 or 16 lanes at a time.
 *
 * Multipliers are in [0, 2^31); a layer's shift is split into left in [0, 31) and right in
 * [0, 31] by prepare (tinyrt/native/checks.py keeps the ranges). The left shift is done in
 * unsigned 32-bit arithmetic: it wraps exactly as TFLM's int32 multiply by 1 << left does on
 * every target, without C's undefined signed overflow. */
#ifndef TINYRT_FIXEDPOINT_H
#define TINYRT_FIXEDPOINT_H

#include "tinyrt.h"

/* gemmlowp SaturatingRoundingDoublingHighMul for a >= 0 multiplier b (never saturates) */
static inline int32_t tinyrt_high_mul_pos(int32_t a, int32_t b)
{
    int64_t prod = (int64_t)a * b;
    /* nudge and divide by 2^31 toward zero == floor((prod + 2^30) / 2^31) for these
     * operands: |prod| < 2^62, and the nudge makes the two agree */
    return (int32_t)((prod + ((int64_t)1 << 30)) >> 31);
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, e in [0, 31] */
static inline int32_t tinyrt_rounding_shift(int32_t x, int32_t e)
{
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t rem = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0);
    /* arithmetic shift of a negative value: implementation-defined in C99, an arithmetic
     * shift on every compiler tinyrt supports (GCC, Clang) */
    return (x >> e) + (rem > threshold);
}

/* tinyrt_requantize for the common case left == 0, right >= 2 in one 64-bit multiply-add
 * (SMLAL on Arm). With h the high product, e = right and s = (h < 0), TFLM's value is
 * floor((h + 2^(e-1) - s) / 2^e); the two floors fold into
 * floor((acc * mult + 2^30 - s 2^31 + 2^(30+e)) / 2^(31+e)), whose nudge has the high word
 * 2^(e-2) - s and the low word 2^30 + s 2^31, so the value is the high word of the sum shifted
 * right by e - 1. s may be taken as (acc < 0): the two differ only when h == 0, where both
 * give 0. The caller passes nudge_high = 2^(e-2) and shift = e - 1; nudge_high may also carry
 * zp 2^(e-1), which adds zp to the value exactly, as long as the high word stays in int32
 * (tinyrt/kernels/conv.py folded_requantization prepares both per channel). */
static inline int32_t tinyrt_requantize_folded(int32_t acc, int32_t mult, int32_t nudge_high,
                                               int32_t shift)
{
    uint32_t lo = 0x40000000u | ((uint32_t)acc & 0x80000000u);
    int32_t hi = nudge_high + (acc >> 31);
    int64_t v = (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo) + (int64_t)acc * mult;
    return (int32_t)(v >> 32) >> shift;
}

static inline int32_t tinyrt_requantize(int32_t acc, int32_t mult, int32_t left, int32_t right)
{
    if (left == 0 && right >= 2)      /* the usual case: one multiply-add */
        return tinyrt_requantize_folded(acc, mult, (int32_t)1 << (right - 2), right - 1);
    int32_t x = (int32_t)((uint32_t)acc << left);
    return tinyrt_rounding_shift(tinyrt_high_mul_pos(x, mult), right);
}

/* requantized, plus the output zero point, clamped to [lo, hi] */
static inline int32_t tinyrt_requantize_clamp(int32_t acc, int32_t mult, int32_t left,
                                              int32_t right, int32_t zp, int32_t lo, int32_t hi)
{
    return tinyrt_clamp_i32(tinyrt_requantize(acc, mult, left, right) + zp, lo, hi);
}

/* v clamped to int8's range: one SSAT with the DSP extension */
static inline int32_t tinyrt_saturate_s8(int32_t v)
{
#if defined(TINYRT_ARM_DSP)
    return __ssat(v, 8);
#else
    return tinyrt_clamp_i32(v, -128, 127);
#endif
}

/* TFLM's MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift) of the 16x8
 * kernels' int64 accumulators: the multiplier reduced to 16 bits, one rounding shift by
 * 15 - shift, truncated to int32. Prepare keeps shift in [-47, 14] (a total shift in [1, 62]).
 * The product and sum are done in uint64_t: they wrap where TFLM's would overflow. */
static inline int32_t tinyrt_requantize64(int64_t x, int32_t mult, int32_t shift)
{
    int64_t reduced = mult < 0x7FFF0000 ? ((int64_t)mult + (1 << 15)) >> 16 : 0x7FFF;
    int total = 15 - shift;
    uint64_t v = (uint64_t)x * (uint64_t)reduced + ((uint64_t)1 << (total - 1));
    return (int32_t)(uint32_t)(uint64_t)((int64_t)v >> total);
}

/* gemmlowp SaturatingRoundingDoublingHighMul, any operands */
static inline int32_t tinyrt_high_mul(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp SaturatingRoundingMultiplyByPOT for an exponent e in [1, 31) */
static inline int32_t tinyrt_saturating_shift_left(int32_t x, int e)
{
    int32_t limit = (int32_t)((((int64_t)1) << (31 - e)) - 1);
    if (x > limit)
        return INT32_MAX;
    if (x < -limit)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

static inline int tinyrt_count_leading_zeros(uint32_t v)
{
    int n = 0;
    for (; n < 32 && !(v & 0x80000000u); n++)
        v <<= 1;
    return n;
}

#if defined(TINYRT_ARM_MVE)
/* tinyrt_requantize of 4 lanes with per-lane multipliers and shifts (Helium). VQRDMULH is the
 * high product (multipliers are >= 0, so it never saturates); VRSHL by -right rounds ties up,
 * so where right > 0 negative values are first lowered by one (-right's sign bit, ANDed and
 * shifted down, makes the -1; the saturating add leaves INT32_MIN, which shifts to the same
 * value), which makes it round half away from zero. */
static inline int32x4_t tinyrt_requantize4_mve(int32x4_t acc, int32x4_t mult, int32x4_t left,
                                               int32x4_t right)
{
    int32x4_t h = vqrdmulhq_s32(vshlq_s32(acc, left), mult);
    int32x4_t down = vnegq_s32(right);
    h = vqaddq_s32(h, vshrq_n_s32(vandq_s32(h, down), 31));
    return vrshlq_s32(h, down);
}

/* the same with one channel's multiplier and shifts for all 4 lanes */
static inline int32x4_t tinyrt_requantize4_mve_n(int32x4_t acc, int32_t mult, int32_t left,
                                                 int32_t right)
{
    int32x4_t h = vqrdmulhq_n_s32(vshlq_r_s32(acc, left), mult);
    if (right > 0)
        h = vqaddq_s32(h, vshrq_n_s32(h, 31));
    return vrshlq_n_s32(h, -right);
}
#endif

#if defined(TINYRT_AVX512)
/* tinyrt_requantize_clamp of 16 lanes with per-lane multipliers and shifts */
static inline __m512i tinyrt_requantize16(__m512i x, __m512i m, __m512i left, __m512i right,
                                          __m512i zp, __m512i lo, __m512i hi)
{
    x = _mm512_sllv_epi32(x, left);
    const __m512i nudge = _mm512_set1_epi64((int64_t)1 << 30);
    /* 64-bit products of the even lanes, then of the odd lanes moved down; bits 31..62 of
     * each nudged product are the high product */
    __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32),
                                                    _mm512_srli_epi64(m, 32)), nudge);
    __m512i h = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, _mm512_slli_epi64(
        _mm512_srli_epi64(odd, 31), 32));
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), right),
                                    _mm512_set1_epi32(1));
    __m512i rem = _mm512_and_si512(h, mask);
    __m512i threshold = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(h, 31));
    __m512i r = _mm512_srav_epi32(h, right);
    r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, threshold), r,
                              _mm512_set1_epi32(1));
    r = _mm512_add_epi32(r, zp);
    return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}
#endif

#if defined(TINYRT_AVX2)
/* tinyrt_requantize_clamp of 8 lanes with per-lane multipliers and shifts */
static inline __m256i tinyrt_requantize8(__m256i x, __m256i m, __m256i left, __m256i right,
                                         __m256i zp, __m256i lo, __m256i hi)
{
    x = _mm256_sllv_epi32(x, left);
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    /* the low 32 bits of (p >> 31) are the same for a logical and an arithmetic shift */
    __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
    __m256i odd = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(
        _mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), nudge), 31);
    __m256i h = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    __m256i one = _mm256_set1_epi32(1);
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
    __m256i rem = _mm256_and_si256(h, mask);
    __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_srai_epi32(h, 31));
    __m256i r = _mm256_srav_epi32(h, right);
    r = _mm256_sub_epi32(r, _mm256_cmpgt_epi32(rem, threshold));   /* true lanes are -1 */
    r = _mm256_add_epi32(r, zp);
    return _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
}

/* A channel block's constants of tinyrt_requantize8_folded, from its multipliers, nudges and
 * shifts (tinyrt_requantize_folded's, the zero point in the nudge) */
typedef struct {
    __m256i m2, m2_odd, nudge2_even, nudge2_odd, m2_plus1, shift;
} tinyrt_folded8;

static inline tinyrt_folded8 tinyrt_folded8_load(const int32_t *mult, const int32_t *nudge_high,
                                                 const int32_t *shift)
{
    tinyrt_folded8 f;
    const __m256i low = _mm256_set1_epi64x((int64_t)1 << 31);   /* 2 x the nudge's 2^30 */
    __m256i n = _mm256_loadu_si256((const __m256i *)nudge_high);
    f.m2 = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)mult), 1);
    f.m2_odd = _mm256_srli_epi64(f.m2, 32);
    f.m2_plus1 = _mm256_add_epi32(f.m2, _mm256_set1_epi32(1));
    /* twice each lane's 64-bit nudge: its high word times 2^33, modulo 2^64 */
    f.nudge2_even = _mm256_or_si256(_mm256_slli_epi64(n, 33), low);
    f.nudge2_odd = _mm256_or_si256(_mm256_slli_epi64(_mm256_and_si256(
        n, _mm256_set1_epi64x(-((int64_t)1 << 32))), 1), low);
    f.shift = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)shift), _mm256_set1_epi32(1));
    return f;
}

/* tinyrt_requantize_folded of 8 lanes, clamped to [lo, hi], for layers whose every sum keeps
 * |acc m + nudge| + 2^31 below 2^62 (nudge: the 64-bit one; prepare checks it per channel from
 * the layer's largest sums, tinyrt/kernels/conv.py fold_requantization).
 *
 * Twice the folded sum, 2 acc m + 2 nudge - s 2^32 (s = acc < 0), has the same value shifted
 * right by one more, and its sign term falls on the high word: with acc read as unsigned
 * (acc + s 2^32), vpmuludq's product acc_u 2m is 2 acc m + s 2m 2^32, so the high word of
 * acc_u 2m + 2 nudge, less s (2m + 1), is that of the doubled sum (all modulo 2^32; exact
 * while the doubled sum fits int64, which the condition above keeps). */
static inline __m256i tinyrt_requantize8_folded_unclamped(__m256i acc, const tinyrt_folded8 *f)
{
    __m256i even = _mm256_add_epi64(_mm256_mul_epu32(acc, f->m2), f->nudge2_even);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(acc, 32), f->m2_odd),
                                   f->nudge2_odd);
    __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    high = _mm256_sub_epi32(high, _mm256_and_si256(_mm256_srai_epi32(acc, 31), f->m2_plus1));
    return _mm256_srav_epi32(high, f->shift);
}

static inline __m256i tinyrt_requantize8_folded(__m256i acc, const tinyrt_folded8 *f,
                                                __m256i lo, __m256i hi)
{
    return _mm256_min_epi32(_mm256_max_epi32(tinyrt_requantize8_folded_unclamped(acc, f), lo),
                            hi);
}

/* the 8 lanes (already inside int8's range) stored as 8 bytes */
static inline void tinyrt_store8_s8(int8_t *out, __m256i r)
{
    __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storel_epi64((__m128i *)out, _mm_packs_epi16(p16, p16));
}

/* two vectors of 8 int32 lanes stored as 16 bytes, a's then b's, clamped to [lo, hi] (bytes
 * inside int8's range): saturated to int8 by the packs, so the clamp of the bytes is the clamp
 * of the values */
static inline void tinyrt_store16_s8(int8_t *out, __m256i a, __m256i b, __m128i lo, __m128i hi)
{
    /* int16 [a0-3 b0-3 | a4-7 b4-7], its 64-bit quarters reordered to [a | b] */
    __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
    __m128i q = _mm_packs_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
    _mm_storeu_si128((__m128i *)out, _mm_min_epi8(_mm_max_epi8(q, lo), hi));
}

/* rows of n int32 sums (acc_stride apart) requantized to int8 rows (out_stride apart) by
 * per-channel folded values (tinyrt_requantize_folded: multiplier, nudge with the output zero
 * point, shift), clamped to [lo, hi]. Channel block by channel block, so that a block's
 * constants are made once for all the rows. */
static inline void tinyrt_requantize_pixels_folded_s8(const int32_t *acc, int rows,
                                                      size_t acc_stride, int n,
                                                      const int32_t *mult,
                                                      const int32_t *nudge,
                                                      const int32_t *shift, int32_t lo,
                                                      int32_t hi, int8_t *out,
                                                      size_t out_stride)
{
    const __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        tinyrt_folded8 f = tinyrt_folded8_load(mult + i, nudge + i, shift + i);
        for (int r = 0; r < rows; r++)
            tinyrt_store8_s8(out + r * out_stride + i, tinyrt_requantize8_folded(
                _mm256_loadu_si256((const __m256i *)(acc + r * acc_stride + i)), &f, vlo,
                vhi));
    }
    for (int r = 0; r < rows; r++)
        for (int j = i; j < n; j++)
            out[r * out_stride + j] = (int8_t)tinyrt_clamp_i32(tinyrt_requantize_folded(
                acc[r * acc_stride + j], mult[j], nudge[j], shift[j]), lo, hi);
}
#endif


#if defined(TINYRT_SSE2)
/* SSE2 has neither per-lane shifts nor signed 32 x 32 -> 64-bit products: shifts by a lane's
 * count become multiplies by a power of two, and _mm_mul_epu32's unsigned products of the even
 * lanes are corrected for a negative operand (its unsigned product is larger by the other
 * operand times 2^32). */

/* 2^e of each lane, e in [0, 30]: the float 2^e built from its exponent bits, converted
 * exactly */
static inline __m128i tinyrt_pow2_sse2(__m128i e)
{
    __m128i bits = _mm_slli_epi32(_mm_add_epi32(e, _mm_set1_epi32(127)), 23);
    return _mm_cvttps_epi32(_mm_castsi128_ps(bits));
}

/* the unsigned 64-bit products of a and b's 32-bit lanes: even lanes in *even, odd in *odd */
static inline void tinyrt_mul_u32x4_sse2(__m128i a, __m128i b, __m128i *even, __m128i *odd)
{
    *even = _mm_mul_epu32(a, b);
    *odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32));
}

/* tinyrt_requantize of 4 lanes with per-lane multipliers and shifts, plus the zero point (the
 * clamp is left to the caller's saturating packs) */
static inline __m128i tinyrt_requantize4_sse2(__m128i x, __m128i m, __m128i left, __m128i right,
                                              __m128i zp)
{
    const __m128i zero = _mm_setzero_si128();
    const __m128i low = _mm_set_epi32(0, -1, 0, -1), high = _mm_set_epi32(-1, 0, -1, 0);
    __m128i even, odd;
    /* x << left, wrapping: the low halves of x 2^left (most layers have no left shift) */
    if (_mm_movemask_epi8(_mm_cmpeq_epi32(left, zero)) != 0xFFFF) {
        tinyrt_mul_u32x4_sse2(x, tinyrt_pow2_sse2(left), &even, &odd);
        x = _mm_or_si128(_mm_and_si128(even, low), _mm_slli_epi64(odd, 32));
    }
    /* high_mul_pos: (x m + 2^30) >> 31 == (x 2m + 2^31) >> 32, and 2m < 2^32 fits an unsigned
     * lane; the high halves, less 2m where x < 0 */
    __m128i m2 = _mm_add_epi32(m, m);
    const __m128i half = _mm_set_epi32(0, (int32_t)0x80000000u, 0, (int32_t)0x80000000u);
    tinyrt_mul_u32x4_sse2(x, m2, &even, &odd);
    even = _mm_add_epi64(even, half);
    odd = _mm_add_epi64(odd, half);
    __m128i h = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_and_si128(odd, high));
    h = _mm_sub_epi32(h, _mm_and_si128(_mm_srai_epi32(x, 31), m2));
    /* rounding_shift by r >= 1 (half away from zero) is floor((h + 2^(r-1) - (h < 0)) / 2^r);
     * times q = 2^(31-r) <= 2^30 above and below: floor((h q + 2^30 - (h < 0) q) / 2^31), the
     * addend non-negative. Bits 31..62 of the corrected products, less 2q where h < 0. */
    __m128i neg = _mm_srai_epi32(h, 31);
    /* 31 - r, kept at most 30 for r = 0 (whose lanes take h below); min_epi16 does for lanes
     * in [0, 31] */
    __m128i q = tinyrt_pow2_sse2(_mm_min_epi16(_mm_sub_epi32(_mm_set1_epi32(31), right),
                                               _mm_set1_epi32(30)));
    __m128i add = _mm_sub_epi32(_mm_set1_epi32(1 << 30), _mm_and_si128(neg, q));
    tinyrt_mul_u32x4_sse2(h, q, &even, &odd);
    even = _mm_add_epi64(even, _mm_and_si128(add, low));
    odd = _mm_add_epi64(odd, _mm_srli_epi64(add, 32));
    __m128i r = _mm_or_si128(_mm_and_si128(_mm_srli_epi64(even, 31), low),
                             _mm_and_si128(_mm_slli_epi64(odd, 1), high));
    r = _mm_sub_epi32(r, _mm_and_si128(neg, _mm_add_epi32(q, q)));
    __m128i unshifted = _mm_cmpeq_epi32(right, zero);
    r = _mm_or_si128(_mm_and_si128(unshifted, h), _mm_andnot_si128(unshifted, r));
    return _mm_add_epi32(r, zp);
}

/* 8 lanes requantized (zero point added), clamped to [lo, hi] (int16 lanes) and stored as
 * bytes: saturating to int16 first changes nothing, as [lo, hi] lies inside int16 */
static inline void tinyrt_store8_s8_sse2(int8_t *out, __m128i a, __m128i b, __m128i lo,
                                         __m128i hi)
{
    __m128i v = _mm_min_epi16(_mm_max_epi16(_mm_packs_epi32(a, b), lo), hi);
    _mm_storel_epi64((__m128i *)out, _mm_packs_epi16(v, v));
}
#endif


/* A row of n int32 sums requantized to int8 (zero point added, clamped). per_channel: the
 * multiplier and shifts are arrays of n; else mult, left and right each point at one value for
 * the whole row. The row's last lanes are done with masks (AVX-512) or one by one. lo and hi
 * lie in int8's range. */
static inline void tinyrt_requantize_row_s8(const int32_t *acc, int n, const int32_t *mult,
                                            const int32_t *left, const int32_t *right,
                                            int per_channel, int32_t zp, int32_t lo, int32_t hi,
                                            int8_t *out)
{
    int i = 0;
#if defined(TINYRT_AVX512)
    const __m512i vzp = _mm512_set1_epi32(zp), vlo = _mm512_set1_epi32(lo);
    const __m512i vhi = _mm512_set1_epi32(hi);
    const __m512i m1 = _mm512_set1_epi32(mult[0]), l1 = _mm512_set1_epi32(left[0]);
    const __m512i r1 = _mm512_set1_epi32(right[0]);
    for (; i < n; i += 16) {
        __mmask16 keep = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i m = per_channel ? _mm512_maskz_loadu_epi32(keep, mult + i) : m1;
        __m512i l = per_channel ? _mm512_maskz_loadu_epi32(keep, left + i) : l1;
        __m512i r = per_channel ? _mm512_maskz_loadu_epi32(keep, right + i) : r1;
        __m512i v = tinyrt_requantize16(_mm512_maskz_loadu_epi32(keep, acc + i), m, l, r, vzp,
                                        vlo, vhi);
        _mm512_mask_cvtepi32_storeu_epi8(out + i, keep, v);
    }
#elif defined(TINYRT_AVX2)
    const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo);
    const __m256i vhi = _mm256_set1_epi32(hi);
    const __m256i m1 = _mm256_set1_epi32(mult[0]), l1 = _mm256_set1_epi32(left[0]);
    const __m256i r1 = _mm256_set1_epi32(right[0]);
    for (; i + 8 <= n; i += 8) {
        __m256i m = per_channel ? _mm256_loadu_si256((const __m256i *)(mult + i)) : m1;
        __m256i l = per_channel ? _mm256_loadu_si256((const __m256i *)(left + i)) : l1;
        __m256i r = per_channel ? _mm256_loadu_si256((const __m256i *)(right + i)) : r1;
        tinyrt_store8_s8(out + i, tinyrt_requantize8(
            _mm256_loadu_si256((const __m256i *)(acc + i)), m, l, r, vzp, vlo, vhi));
    }
#elif defined(TINYRT_SSE2)
    const __m128i vzp = _mm_set1_epi32(zp);
    const __m128i vlo = _mm_set1_epi16((int16_t)lo), vhi = _mm_set1_epi16((int16_t)hi);
    const __m128i m1 = _mm_set1_epi32(mult[0]), l1 = _mm_set1_epi32(left[0]);
    const __m128i r1 = _mm_set1_epi32(right[0]);
    for (; i + 8 <= n; i += 8) {
        __m128i v[2];
        for (int h = 0; h < 2; h++) {
            int j = i + 4 * h;
            __m128i m = per_channel ? _mm_loadu_si128((const __m128i *)(mult + j)) : m1;
            __m128i l = per_channel ? _mm_loadu_si128((const __m128i *)(left + j)) : l1;
            __m128i r = per_channel ? _mm_loadu_si128((const __m128i *)(right + j)) : r1;
            v[h] = tinyrt_requantize4_sse2(_mm_loadu_si128((const __m128i *)(acc + j)), m, l, r,
                                           vzp);
        }
        tinyrt_store8_s8_sse2(out + i, v[0], v[1], vlo, vhi);
    }
#endif
    for (; i < n; i++) {
        int c = per_channel ? i : 0;
        out[i] = (int8_t)tinyrt_requantize_clamp(acc[i], mult[c], left[c], right[c], zp, lo, hi);
    }
}

/* acc requantized to int8 by a channel's prepared values ch[1..4) (multiplier, nudge with the
 * output zero point, shift: tinyrt_requantize_folded), saturated: for layers whose activation
 * is int8's whole range */
static inline int32_t tinyrt_requantize_folded_s8(int32_t acc, const int32_t *ch)
{
    return tinyrt_saturate_s8(tinyrt_requantize_folded(acc, ch[1], ch[2], ch[3]));
}

/* One or two rows (two: a constant, once inlined) of n int32 sums, the channels of one or two
 * pixels, requantized to int8 by a table [n][4] of prepared channel values (ch[0] is the
 * caller's, ch[1..4) as tinyrt_requantize_folded_s8 reads them), loaded once for both rows. */
static inline void tinyrt_requantize_rows_folded_s8(const int32_t *acc0, const int32_t *acc1,
                                                    int two, int n, const int32_t *table,
                                                    int8_t *out0, int8_t *out1)
{
    for (int i = 0; i < n; i++, table += 4) {
        const int32_t m = table[1], nudge = table[2], shift = table[3];
        int32_t v0 = tinyrt_requantize_folded(acc0[i], m, nudge, shift);
        int32_t v1 = two ? tinyrt_requantize_folded(acc1[i], m, nudge, shift) : 0;
        out0[i] = (int8_t)tinyrt_saturate_s8(v0);
        if (two)
            out1[i] = (int8_t)tinyrt_saturate_s8(v1);
    }
}

#endif
