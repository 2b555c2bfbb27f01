/* The compiled core's vector requantization against its scalar one (tinyrt_requantize, the
 * reference kernels' arithmetic), built with one level's flags by test_native_requantize.py:
 * every left shift in [0, 30] and right shift in [0, 31], multipliers and sums at the ends of
 * their ranges, compared on the full int32 result (no clamp hides a difference); then the int8
 * row helper, per channel and per tensor, with its clamps and odd lengths; at AVX2 and AVX-512
 * the folded requantization too. Prints the number of values compared and of mismatches;
 * exits 1 on any mismatch. */
#include <stdio.h>

#include "fixedpoint.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)state;
}

static const int32_t SUMS[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1,
                               INT32_MAX - 1, 1 << 30, -(1 << 30), (1 << 30) - 1,
                               -(1 << 30) - 1, 0x55555555, -0x55555555};
static const int32_t MULTS[] = {0, 1, 2, INT32_MAX, INT32_MAX - 1, 1 << 30, (1 << 30) + 1,
                                0x7FFF0000, 0x55555555};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int32_t some_sum(void)
{
    switch (next() % 4) {
    case 0: return SUMS[next() % COUNT(SUMS)];
    case 1: return (int32_t)(next() % 200001) - 100000;
    case 2: return (int32_t)next() >> (next() % 31);
    default: return (int32_t)next();
    }
}

static int32_t some_mult(void)
{
    return next() % 3 == 0 ? MULTS[next() % COUNT(MULTS)] : (int32_t)(next() & 0x7FFFFFFF);
}

#ifdef TINYRT_I32_LANES
#define LANES TINYRT_I32_LANES
#endif

#ifdef LANES
/* LANES values requantized by the level's vector function, zero point added, unclamped */
static void vector_requantize(const int32_t *x, const int32_t *m, const int32_t *l,
                              const int32_t *r, int32_t zp, int32_t *out)
{
#if defined(TINYRT_AVX512)
    __m512i v = tinyrt_requantize16(_mm512_loadu_si512(x), _mm512_loadu_si512(m),
                                    _mm512_loadu_si512(l), _mm512_loadu_si512(r),
                                    _mm512_set1_epi32(zp), _mm512_set1_epi32(INT32_MIN),
                                    _mm512_set1_epi32(INT32_MAX));
    _mm512_storeu_si512(out, v);
#elif defined(TINYRT_AVX2)
    __m256i v = tinyrt_requantize8(
        _mm256_loadu_si256((const __m256i *)x), _mm256_loadu_si256((const __m256i *)m),
        _mm256_loadu_si256((const __m256i *)l), _mm256_loadu_si256((const __m256i *)r),
        _mm256_set1_epi32(zp), _mm256_set1_epi32(INT32_MIN), _mm256_set1_epi32(INT32_MAX));
    _mm256_storeu_si256((__m256i *)out, v);
#else
    __m128i v = tinyrt_requantize4_sse2(
        _mm_loadu_si128((const __m128i *)x), _mm_loadu_si128((const __m128i *)m),
        _mm_loadu_si128((const __m128i *)l), _mm_loadu_si128((const __m128i *)r),
        _mm_set1_epi32(zp));
    _mm_storeu_si128((__m128i *)out, v);
#endif
}

static long check_vector(long *count)
{
    long bad = 0;
    int32_t x[LANES], m[LANES], l[LANES], r[LANES], got[LANES];
    /* every pair of shifts, with sums and multipliers from the ends of their ranges */
    for (int left = 0; left <= 30; left++)
        for (int right = 0; right <= 31; right++)
            for (int rep = 0; rep < 40; rep++) {
                int32_t zp = (int32_t)(next() % 256) - 128;
                for (int k = 0; k < LANES; k++) {
                    x[k] = some_sum();
                    m[k] = some_mult();
                    l[k] = left;
                    r[k] = right;
                }
                vector_requantize(x, m, l, r, zp, got);
                for (int k = 0; k < LANES; k++, (*count)++)
                    bad += got[k] != (int32_t)((uint32_t)tinyrt_requantize(x[k], m[k], l[k],
                                                                           r[k]) + (uint32_t)zp);
            }
    /* shifts differing from lane to lane */
    for (int rep = 0; rep < 200000; rep++) {
        int32_t zp = (int32_t)next();
        for (int k = 0; k < LANES; k++) {
            x[k] = some_sum();
            m[k] = some_mult();
            l[k] = next() % 2 ? 0 : (int32_t)(next() % 31);
            r[k] = (int32_t)(next() % 32);
        }
        vector_requantize(x, m, l, r, zp, got);
        for (int k = 0; k < LANES; k++, (*count)++)
            bad += got[k] != (int32_t)((uint32_t)tinyrt_requantize(x[k], m[k], l[k], r[k]) +
                                       (uint32_t)zp);
    }
    return bad;
}
#endif

static long check_rows(long *count)
{
    enum { N = 45 };
    int32_t acc[N], mult[N], left[N], right[N];
    int8_t out[N];
    long bad = 0;
    for (int rep = 0; rep < 50000; rep++) {
        int per_channel = next() % 4 != 0, n = 1 + (int)(next() % N);
        for (int i = 0; i < N; i++) {
            /* large right shifts so that many results land inside the clamp */
            acc[i] = some_sum();
            mult[i] = some_mult();
            left[i] = next() % 2 ? 0 : (int32_t)(next() % 31);
            right[i] = next() % 2 ? 20 + (int32_t)(next() % 12) : (int32_t)(next() % 32);
        }
        int32_t zp = (int32_t)(next() % 256) - 128;
        int32_t lo = next() % 3 ? -128 : -128 + (int32_t)(next() % 128);
        int32_t hi = next() % 3 ? 127 : lo + (int32_t)(next() % (uint32_t)(128 - lo));
        tinyrt_requantize_row_s8(acc, n, mult, left, right, per_channel, zp, lo, hi, out);
        for (int i = 0; i < n; i++, (*count)++) {
            int c = per_channel ? i : 0;
            bad += out[i] != (int8_t)tinyrt_requantize_clamp(acc[i], mult[c], left[c], right[c],
                                                             zp, lo, hi);
        }
    }
    return bad;
}

#if defined(TINYRT_AVX2)
/* gemmlowp's two roundings, as TFLM computes them, for a right shift only */
static int32_t two_roundings(int32_t x, int32_t m, int32_t right)
{
    return tinyrt_rounding_shift(tinyrt_high_mul_pos(x, m), right);
}

/* a sum the folded vector requantization takes with multiplier m and 64-bit nudge
 * nudge_high 2^32 + 2^30: |acc m + nudge| + 2^31 < 2^62 (prepare's condition), the largest
 * such sums of either sign included */
static int32_t bounded_sum(int32_t m, int32_t nudge_high)
{
    int64_t nudge = (int64_t)nudge_high * ((int64_t)1 << 32) + (1 << 30);
    int64_t room = ((int64_t)1 << 62) - ((int64_t)1 << 31) - 1 - (nudge < 0 ? -nudge : nudge);
    int64_t end = m > 0 ? room / m : INT32_MAX;
    if (end > INT32_MAX)
        end = INT32_MAX;
    switch (next() % 6) {
    case 0: return (int32_t)end;
    case 1: return (int32_t)-end;
    default: return (int32_t)(some_sum() % (end + 1));
    }
}

/* AVX2's folded requantization (tinyrt_requantize8_folded and the pixel rows built on it)
 * against the two roundings: every right shift it takes, [2, 23], zero points in int8's range,
 * sums up to the ends prepare lets it take */
static long check_folded(long *count)
{
    long bad = 0;
    int32_t x[8], m[8], nudge[8], shift[8], got[8];
    for (int right = 2; right <= 23; right++)
        for (int rep = 0; rep < 20000; rep++) {
            int32_t zp = (int32_t)(next() % 256) - 128;
            for (int k = 0; k < 8; k++) {
                m[k] = some_mult();
                nudge[k] = (1 << (right - 2)) + zp * (1 << (right - 1));
                x[k] = bounded_sum(m[k], nudge[k]);
                shift[k] = right - 1;
            }
            tinyrt_folded8 f = tinyrt_folded8_load(m, nudge, shift);
            _mm256_storeu_si256((__m256i *)got, tinyrt_requantize8_folded(
                _mm256_loadu_si256((const __m256i *)x), &f, _mm256_set1_epi32(INT32_MIN),
                _mm256_set1_epi32(INT32_MAX)));
            for (int k = 0; k < 8; k++, (*count)++)
                bad += got[k] != two_roundings(x[k], m[k], right) + zp;
        }
    /* rows of pixels, clamped to int8, with a scalar tail (n not a multiple of 8) */
    enum { ROWS = 3, N = 21 };
    int32_t acc[ROWS][N], mult[N], nh[N], sh[N];
    int8_t out[ROWS][N];
    for (int rep = 0; rep < 20000; rep++) {
        int32_t zp = (int32_t)(next() % 256) - 128, n = 1 + (int32_t)(next() % N);
        int32_t lo = next() % 2 ? -128 : zp, hi = 127;
        for (int i = 0; i < N; i++) {
            int32_t right = 2 + (int32_t)(next() % 22);
            mult[i] = some_mult();
            nh[i] = (1 << (right - 2)) + zp * (1 << (right - 1));
            sh[i] = right - 1;
            for (int r = 0; r < ROWS; r++)
                acc[r][i] = bounded_sum(mult[i], nh[i]);
        }
        tinyrt_requantize_pixels_folded_s8(&acc[0][0], ROWS, N, n, mult, nh, sh, lo, hi,
                                           &out[0][0], N);
        for (int r = 0; r < ROWS; r++)
            for (int i = 0; i < n; i++, (*count)++)
                bad += out[r][i] != (int8_t)tinyrt_clamp_i32(
                    two_roundings(acc[r][i], mult[i], sh[i] + 1) + zp, lo, hi);
    }
    return bad;
}
#endif

int main(void)
{
    long count = 0, bad = check_rows(&count);
#if defined(TINYRT_AVX2)
    /* AVX-512 runs it too, for the convolution windows it reads in place */
    bad += check_folded(&count);
#endif
#ifdef LANES
    bad += check_vector(&count);
    printf("lanes %d\n", LANES);
#else
    printf("lanes 1\n");
#endif
    printf("compared %ld, mismatches %ld\n", count, bad);
    return bad != 0;
}
