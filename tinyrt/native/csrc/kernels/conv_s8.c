/* int8 CONV_2D and FULLY_CONNECTED: im2col of the input as unsigned bytes (x + 128), one GEMM
 * with int32 sums, TFLM's requantization.
 *
 * The GEMM multiplies unsigned input bytes by signed weights; the 128 * sum(w) and zero-point
 * terms are folded by prepare into a per-channel constant (corr), so each sum equals TFLM's
 * bias + sum (x - zero_point) w, modulo 2^32 as TFLM's int32 accumulator wraps. Padded taps
 * hold the zero point and add nothing, as TFLM skips them.
 *
 * Weights are packed by prepare (tinyrt/kernels/conv.py) for the level's GEMM: AVX-512 VNNI
 * multiplies bytes with vpdpbusd (int8 [op / 16][kp / 4][16][4]: per block of 16 output
 * channels, per group of 4 taps, the 16 x 4 bytes [o][k]); AVX2 multiplies int16 pairs with
 * vpmaddwd (int16 [op / 16][kp / 2][16][2], then [kp / 2][8][2] for a last 8 channels, op
 * being a multiple of 8 there; exact, unlike vpmaddubsw, which saturates); the portable loops
 * take int16 [op][kp]. */
#include "conv_s8.h"
#include "../fixedpoint.h"
#include "../gemm_s16.h"

/* the GEMM's input columns: bytes for vpdpbusd, int16 for vpmaddwd and the portable dot
 * products (x + 128 either way, so prepare's constants are the same at every level) */
#if defined(TINYRT_AVX512)
typedef uint8_t col_t;
#else
typedef int16_t col_t;
#endif

#if defined(TINYRT_AVX512)
/* nr rows (1 to 4) x nb blocks of 16 channels; called with constants, so the loops unroll
 * and the sums stay in registers */
static inline void gemm_tile_avx512(const col_t *col, int kp, const int8_t *wblock, int k4s,
                                    const int32_t *corr, int32_t *acc, int op, int nb, int nr)
{
    __m512i a[4][4];
    for (int j = 0; j < nb; j++) {
        __m512i c = _mm512_loadu_si512((const void *)(corr + 16 * j));
        for (int r = 0; r < nr; r++)
            a[r][j] = c;
    }
    for (int k4 = 0; k4 < k4s; k4++) {
        __m512i x[4];
        for (int r = 0; r < nr; r++) {
            int32_t v = (int32_t)tinyrt_load32(col + (size_t)r * kp + 4 * k4);
            x[r] = _mm512_set1_epi32(v);
        }
        for (int j = 0; j < nb; j++) {
            __m512i w = _mm512_loadu_si512((const void *)(wblock + ((size_t)j * k4s + k4) * 64));
            for (int r = 0; r < nr; r++)
                a[r][j] = _mm512_dpbusd_epi32(a[r][j], x[r], w);
        }
    }
    for (int r = 0; r < nr; r++)
        for (int j = 0; j < nb; j++)
            _mm512_storeu_si512((void *)(acc + (size_t)r * op + 16 * j), a[r][j]);
}

static inline void gemm_rows_avx512(const col_t *cp, int kp, const int8_t *w, int k4s,
                                    const int32_t *corr, int32_t *ap, int op, int blocks, int nr)
{
    int b = 0;
    for (; b + 4 <= blocks; b += 4)
        gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b, ap + 16 * b, op,
                         4, nr);
    switch (blocks - b) {
    case 3: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b, ap + 16 * b,
                             op, 3, nr); break;
    case 2: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b, ap + 16 * b,
                             op, 2, nr); break;
    case 1: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b, ap + 16 * b,
                             op, 1, nr); break;
    default: break;
    }
}

/* weights: int8 [op / 16][kp / 4][16][4] */
static void gemm(const col_t *col, int rows, int kp, const void *weights, const int32_t *corr,
                 int32_t *acc, int op)
{
    const int8_t *w = (const int8_t *)weights;
    int k4s = kp / 4, blocks = op / 16;
    for (int p = 0; p < rows; p += 4) {
        const col_t *cp = col + (size_t)p * kp;
        int32_t *ap = acc + (size_t)p * op;
        switch (rows - p) {      /* the last rows alone: a single-row layer costs one row */
        case 1: gemm_rows_avx512(cp, kp, w, k4s, corr, ap, op, blocks, 1); break;
        case 2: gemm_rows_avx512(cp, kp, w, k4s, corr, ap, op, blocks, 2); break;
        case 3: gemm_rows_avx512(cp, kp, w, k4s, corr, ap, op, blocks, 3); break;
        default: gemm_rows_avx512(cp, kp, w, k4s, corr, ap, op, blocks, 4); break;
        }
    }
}

#elif defined(TINYRT_AVX2)
/* nr rows (1 to 4, a constant) x one block of 16 channels, weights int16 [kp / 2][16][2]
 * (gemm_s16.h), the constant term added as the sums are stored */
static inline void gemm_block_avx2(const col_t *c0, int kp, const int16_t *w, int k2s,
                                   const int32_t *corr, int32_t *ap, int op, int nr)
{
    __m256i a[4][2];
    tinyrt_tile16_s16_avx2(c0, (size_t)kp, w, k2s, nr, a);
    __m256i k0 = _mm256_loadu_si256((const __m256i *)corr);
    __m256i k1 = _mm256_loadu_si256((const __m256i *)(corr + 8));
    for (int r = 0; r < nr; r++) {
        int32_t *o = ap + (size_t)r * op;
        _mm256_storeu_si256((__m256i *)o, _mm256_add_epi32(a[r][0], k0));
        _mm256_storeu_si256((__m256i *)(o + 8), _mm256_add_epi32(a[r][1], k1));
    }
}

/* the last 8 channels when op is an odd multiple of 8: weights int16 [kp / 2][8][2] */
static inline void gemm_rows8_avx2(const col_t *c0, int kp, const int16_t *wp, int k2s,
                                   const int32_t *corr, int32_t *ap, int op, int nr)
{
    __m256i a[4];
    for (int r = 0; r < nr; r++)
        a[r] = _mm256_setzero_si256();
    for (int k2 = 0; k2 < k2s; k2++, wp += 16) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)wp);
        for (int r = 0; r < nr; r++) {
            int32_t v = (int32_t)tinyrt_load32(c0 + (size_t)r * kp + 2 * k2);
            a[r] = _mm256_add_epi32(a[r], _mm256_madd_epi16(_mm256_set1_epi32(v), w0));
        }
    }
    __m256i k0 = _mm256_loadu_si256((const __m256i *)corr);
    for (int r = 0; r < nr; r++)
        _mm256_storeu_si256((__m256i *)(ap + (size_t)r * op), _mm256_add_epi32(a[r], k0));
}

/* weights: the 16-channel blocks, then (op % 16 == 8) the last 8 channels. Block by block
 * over all the rows, so that a block's weights are read from the first caches for every row
 * (a block of a 1024-deep layer is 32 KB). */
static void gemm(const col_t *col, int rows, int kp, const void *weights, const int32_t *corr,
                 int32_t *acc, int op)
{
    const int16_t *w = (const int16_t *)weights;
    int k2s = kp / 2, blocks = op / 16, tail = op % 16;
    const int16_t *w8 = w + (size_t)blocks * k2s * 32;
    for (int b = 0; b < blocks; b++) {
        const int16_t *wb = w + (size_t)b * k2s * 32;
        for (int p = 0; p < rows; p += 4) {
            const col_t *c0 = col + (size_t)p * kp;
            int32_t *ap = acc + (size_t)p * op + 16 * b;
            switch (rows - p < 4 ? rows - p : 4) {  /* the last rows alone */
            case 1: gemm_block_avx2(c0, kp, wb, k2s, corr + 16 * b, ap, op, 1); break;
            case 2: gemm_block_avx2(c0, kp, wb, k2s, corr + 16 * b, ap, op, 2); break;
            case 3: gemm_block_avx2(c0, kp, wb, k2s, corr + 16 * b, ap, op, 3); break;
            default: gemm_block_avx2(c0, kp, wb, k2s, corr + 16 * b, ap, op, 4); break;
            }
        }
    }
    for (int p = 0; tail && p < rows; p += 4) {
        const col_t *c0 = col + (size_t)p * kp;
        int32_t *ap = acc + (size_t)p * op + 16 * blocks;
        const int32_t *k8 = corr + 16 * blocks;
        switch (rows - p < 4 ? rows - p : 4) {
        case 1: gemm_rows8_avx2(c0, kp, w8, k2s, k8, ap, op, 1); break;
        case 2: gemm_rows8_avx2(c0, kp, w8, k2s, k8, ap, op, 2); break;
        case 3: gemm_rows8_avx2(c0, kp, w8, k2s, k8, ap, op, 3); break;
        default: gemm_rows8_avx2(c0, kp, w8, k2s, k8, ap, op, 4); break;
        }
    }
}

/* AVX2's windows read in place (koff given): instead of columns, each output pixel's window is
 * read from the int16 padded image, where each of its tap pairs lies koff[k2] values past the
 * window's first value (a filter row's run of kw * in_c values, paired, an odd run's last pair
 * completed by a zero weight). rows[r] is pixel r's window. nb: 1 or 2 vectors of 8 channels,
 * weights int16 [k2s][8 nb][2]. */
static inline __attribute__((always_inline)) void window_tile_avx2(
    const int16_t *const *rows, const int32_t *koff, const int16_t *w, int k2s, int nr, int nb,
    __m256i s[4][2])
{
    for (int r = 0; r < nr; r++)
        s[r][0] = s[r][1] = _mm256_setzero_si256();
    for (int k2 = 0; k2 < k2s; k2++, w += 16 * nb) {
        const size_t off = (size_t)koff[k2];
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
        __m256i w1 = nb == 2 ? _mm256_loadu_si256((const __m256i *)(w + 16)) : w0;
        for (int r = 0; r < nr; r++) {
            __m256i x = _mm256_set1_epi32((int32_t)tinyrt_load32(rows[r] + off));
            s[r][0] = _mm256_add_epi32(s[r][0], _mm256_madd_epi16(x, w0));
            if (nb == 2)
                s[r][1] = _mm256_add_epi32(s[r][1], _mm256_madd_epi16(x, w1));
        }
    }
}

static inline __attribute__((always_inline)) void window_rows_avx2(
    const int16_t *const *rows, const int32_t *koff, const int16_t *w, int k2s,
    const int32_t *corr, int32_t *ap, int op, int nr, int nb)
{
    __m256i a[4][2];
    window_tile_avx2(rows, koff, w, k2s, nr, nb, a);
    for (int j = 0; j < nb; j++) {
        __m256i k = _mm256_loadu_si256((const __m256i *)(corr + 8 * j));
        for (int r = 0; r < nr; r++)
            _mm256_storeu_si256((__m256i *)(ap + (size_t)r * op + 8 * j),
                                _mm256_add_epi32(a[r][j], k));
    }
}

/* the sums of n pixels whose windows start at rows[0..n), as gemm() lays them out */
static void gemm_windows(const int16_t *const *rows, int n, int kp, const int32_t *koff,
                         const void *weights, const int32_t *corr, int32_t *acc, int op)
{
    const int16_t *w = (const int16_t *)weights;
    int k2s = kp / 2, blocks = op / 16, tail = op % 16;
    for (int b = 0; b <= blocks; b++) {
        int nb = b < blocks ? 2 : 1;
        if (b == blocks && !tail)
            break;
        const int16_t *wb = w + (size_t)b * k2s * 32;
        for (int p = 0; p < n; p += 4) {
            const int16_t *const *rp = rows + p;
            int32_t *ap = acc + (size_t)p * op + 16 * b;
            const int32_t *kb = corr + 16 * b;
            int nr = n - p < 4 ? n - p : 4;
            if (nb == 2) {
                switch (nr) {
                case 1: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 1, 2); break;
                case 2: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 2, 2); break;
                case 3: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 3, 2); break;
                default: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 4, 2); break;
                }
            } else {
                switch (nr) {
                case 1: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 1, 1); break;
                case 2: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 2, 1); break;
                case 3: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 3, 1); break;
                default: window_rows_avx2(rp, koff, wb, k2s, kb, ap, op, 4, 1); break;
                }
            }
        }
    }
}

#elif defined(TINYRT_SSE2)
/* weights: int16 [op][kp], as the plain loops below take them. Those leave each sum's vector
 * to be added across on its own, which costs more than the products when kp is small; here
 * 4 channels' vectors of a row are added across together, into one vector of their 4 sums. */
static inline __m128i sum_across4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

/* the products of 8 taps (or, when half, 4) of nr rows and 4 channels added to a */
static inline void gemm_taps_sse2(const col_t *x0, int kp, const int16_t *w0, __m128i a[2][4],
                                  int nr, int half)
{
    __m128i wv[4];
    for (int j = 0; j < 4; j++) {
        const __m128i *src = (const __m128i *)(w0 + (size_t)j * kp);
        wv[j] = half ? _mm_loadl_epi64(src) : _mm_loadu_si128(src);
    }
    for (int r = 0; r < nr; r++) {
        const __m128i *src = (const __m128i *)(x0 + (size_t)r * kp);
        __m128i x = half ? _mm_loadl_epi64(src) : _mm_loadu_si128(src);
        for (int j = 0; j < 4; j++)
            a[r][j] = _mm_add_epi32(a[r][j], _mm_madd_epi16(x, wv[j]));
    }
}

/* nr rows (1 or 2; constants, so the sums stay in registers) x 4 channels at a time; kp is a
 * multiple of 4, so a last group of 4 taps is loaded as half a vector */
static inline void gemm_rows_sse2(const col_t *c0, int kp, const int16_t *w,
                                  const int32_t *corr, int32_t *ap, int op, int nr)
{
    for (int o = 0; o < op; o += 4) {
        const int16_t *wo = w + (size_t)o * kp;
        __m128i a[2][4];
        for (int r = 0; r < nr; r++)
            for (int j = 0; j < 4; j++)
                a[r][j] = _mm_setzero_si128();
        int k = 0;
        for (; k + 8 <= kp; k += 8)
            gemm_taps_sse2(c0 + k, kp, wo + k, a, nr, 0);
        if (k < kp)
            gemm_taps_sse2(c0 + k, kp, wo + k, a, nr, 1);
        __m128i k0 = _mm_loadu_si128((const __m128i *)(corr + o));
        for (int r = 0; r < nr; r++)
            _mm_storeu_si128((__m128i *)(ap + (size_t)r * op + o),
                             _mm_add_epi32(sum_across4(a[r][0], a[r][1], a[r][2], a[r][3]), k0));
    }
}

static void gemm(const col_t *col, int rows, int kp, const void *weights, const int32_t *corr,
                 int32_t *acc, int op)
{
    const int16_t *w = (const int16_t *)weights;
    int p = 0;
    for (; p + 2 <= rows; p += 2)
        gemm_rows_sse2(col + (size_t)p * kp, kp, w, corr, acc + (size_t)p * op, op, 2);
    if (p < rows)
        gemm_rows_sse2(col + (size_t)p * kp, kp, w, corr, acc + (size_t)p * op, op, 1);
}

#else
/* weights: int16 [op][kp]. Each sum runs along k, where both operands are contiguous: the
 * compiler vectorises it as a dot product (integer sums may be reordered: they are exact,
 * and wrap as TFLM's int32 accumulator does; the core is built with -fwrapv). */
static void gemm(const col_t *col, int rows, int kp, const void *weights, const int32_t *corr,
                 int32_t *acc, int op)
{
    const int16_t *w = (const int16_t *)weights;
    int p = 0;
    for (; p + 4 <= rows; p += 4) {
        const col_t *x0 = col + (size_t)p * kp, *x1 = x0 + kp, *x2 = x1 + kp, *x3 = x2 + kp;
        for (int o = 0; o < op; o++) {
            const int16_t *wo = w + (size_t)o * kp;
            int32_t s0 = corr[o], s1 = corr[o], s2 = corr[o], s3 = corr[o];
            for (int k = 0; k < kp; k++) {
                s0 += x0[k] * wo[k];
                s1 += x1[k] * wo[k];
                s2 += x2[k] * wo[k];
                s3 += x3[k] * wo[k];
            }
            int32_t *a = acc + (size_t)p * op + o;
            a[0] = s0;
            a[op] = s1;
            a[2 * (size_t)op] = s2;
            a[3 * (size_t)op] = s3;
        }
    }
    for (; p < rows; p++) {      /* the last rows alone */
        const col_t *x0 = col + (size_t)p * kp;
        for (int o = 0; o < op; o++) {
            const int16_t *wo = w + (size_t)o * kp;
            int32_t s0 = corr[o];
            for (int k = 0; k < kp; k++)
                s0 += x0[k] * wo[k];
            acc[(size_t)p * op + o] = s0;
        }
    }
}
#endif

/* n input values as unsigned (x + 128) columns */
static inline void flip_copy(col_t *dst, const int8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (col_t)((uint8_t)src[i] ^ 0x80u);
}

static inline void flip_bytes(uint8_t *dst, const int8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)src[i] ^ 0x80u;
}

/* n bytes of the padded input (already x + 128) into the columns, in pieces of 16: the
 * columns and the padded input have room for the overrun, and whatever lands past n is
 * overwritten by the next run or multiplied by zero weights */
static inline void copy_run(col_t *dst, const uint8_t *src, int n)
{
    for (int i = 0; i < n; i += 16) {
#if defined(TINYRT_AVX512)
        memcpy(dst + i, src + i, 16);
#elif defined(TINYRT_AVX2)
        _mm256_storeu_si256((__m256i *)(dst + i),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
#else
        for (int j = 0; j < 16; j++)
            dst[i + j] = src[i + j];
#endif
    }
}

/* rows [r0, r0 + n) of image b's im2col columns */
static void columns(const tinyrt_conv_s8_opdata *c, int b, int r0, int n, col_t *col)
{
    const size_t kp = (size_t)c->kp;
    if (c->padded == NULL) {
        /* 1x1, unit strides, no padding: the input's pixels are the GEMM's rows */
        const size_t k = (size_t)c->in_c;
        const int8_t *src = c->input + ((size_t)b * c->out_h * c->out_w + (size_t)r0) * k;
        if (k == kp) {
            flip_copy(col, src, (size_t)n * k);
        } else {
            for (int p = 0; p < n; p++) {
                flip_copy(col + (size_t)p * kp, src + (size_t)p * k, k);
                memset(col + (size_t)p * kp + k, 0, (kp - k) * sizeof *col);
            }
        }
        return;
    }
    /* every window row is one contiguous run of kw * in_c bytes of the padded image (unit
     * dilation) or kw runs of in_c */
    const size_t prow = (size_t)c->pad_w * c->in_c;
    const size_t row_step = (size_t)c->stride_h * prow, col_step = (size_t)c->stride_w * c->in_c;
    const size_t ky_step = (size_t)c->dil_h * prow, kx_step = (size_t)c->dil_w * c->in_c;
    const int run = c->dil_w == 1 ? c->kw * c->in_c : c->in_c;
    const int runs = c->dil_w == 1 ? 1 : c->kw, kh = c->kh, out_w = c->out_w;
    int oy = r0 / out_w, ox = r0 % out_w;
    for (int p = 0; p < n; p++) {
        col_t *dst = col + (size_t)p * kp;
        const uint8_t *window = (const uint8_t *)c->padded + (size_t)oy * row_step + (size_t)ox * col_step;
        for (int ky = 0; ky < kh; ky++, window += ky_step) {
            const uint8_t *src = window;
            for (int r = 0; r < runs; r++, src += kx_step, dst += run)
                copy_run(dst, src, run);
        }
        if (++ox == out_w) {
            ox = 0;
            oy++;
        }
    }
}

#if defined(TINYRT_AVX2) && !defined(TINYRT_AVX512)
/* the first value of each of n output pixels' windows, from pixel r0 on, in the int16 padded
 * image (windows read in place) */
static void window_starts(const tinyrt_conv_s8_opdata *c, int r0, int n, const int16_t **rows)
{
    const int16_t *image = (const int16_t *)c->padded;
    const size_t prow = (size_t)c->pad_w * c->in_c;
    const size_t row_step = (size_t)c->stride_h * prow, col_step = (size_t)c->stride_w * c->in_c;
    int oy = r0 / c->out_w, ox = r0 % c->out_w;
    for (int p = 0; p < n; p++) {
        rows[p] = image + (size_t)oy * row_step + (size_t)ox * col_step;
        if (++ox == c->out_w) {
            ox = 0;
            oy++;
        }
    }
}
#endif

/* image b inside the padded border, as unsigned values (x + 128): bytes, or int16 for windows
 * read in place */
static void fill_padded(const tinyrt_conv_s8_opdata *c, int b)
{
    const size_t prow = (size_t)c->pad_w * c->in_c, n = (size_t)c->in_w * c->in_c;
    for (int y = 0; y < c->in_h; y++) {
        const int8_t *src = c->input + ((size_t)b * c->in_h + y) * n;
        size_t at = (size_t)(y + c->pad_top) * prow + (size_t)c->pad_left * c->in_c;
        if (c->koff != NULL) {
            int16_t *dst = (int16_t *)c->padded + at;
            for (size_t i = 0; i < n; i++)
                dst[i] = (int16_t)((uint8_t)src[i] ^ 0x80u);
        } else {
            flip_bytes((uint8_t *)c->padded + at, src, n);
        }
    }
}

int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    /* image by image, chunk output pixels at a time: the columns and sums of a chunk stay in
     * the cache between the copy, the GEMM and the requantization */
    const int pixels = c->out_h * c->out_w;
    col_t *col = (col_t *)c->col;
    for (int b = 0; b < c->batches; b++) {
        if (c->padded != NULL)
            fill_padded(c, b);
        int8_t *out = c->output + (size_t)b * pixels * c->out_c;
        for (int r0 = 0; r0 < pixels; r0 += c->chunk) {
            int n = pixels - r0 < c->chunk ? pixels - r0 : c->chunk;
#if defined(TINYRT_AVX2) && !defined(TINYRT_AVX512)
            if (c->koff != NULL) {
                /* the column buffer holds the windows' starts instead */
                const int16_t **rows = (const int16_t **)c->col;
                window_starts(c, r0, n, rows);
                gemm_windows(rows, n, c->kp, c->koff, c->weights, c->corr, c->acc, c->op);
            } else
#endif
            {
                columns(c, b, r0, n, col);
                gemm(col, n, c->kp, c->weights, c->corr, c->acc, c->op);
            }
#if defined(TINYRT_AVX2) && !defined(TINYRT_AVX512)
            if (c->nudge != NULL) {
                tinyrt_requantize_pixels_folded_s8(c->acc, n, (size_t)c->op, c->out_c,
                                                   c->mult, c->nudge, c->fold_shift,
                                                   c->act_min, c->act_max,
                                                   out + (size_t)r0 * c->out_c,
                                                   (size_t)c->out_c);
                continue;
            }
#endif
            for (int p = 0; p < n; p++)
                tinyrt_requantize_row_s8(c->acc + (size_t)p * c->op, c->out_c, c->mult,
                                         c->left, c->right, 1, c->output_zp, c->act_min,
                                         c->act_max, out + (size_t)(r0 + p) * c->out_c);
        }
    }
    return TINYRT_OK;
}
