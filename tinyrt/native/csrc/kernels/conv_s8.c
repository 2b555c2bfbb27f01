/* int8 CONV_2D and FULLY_CONNECTED: one GEMM of the input's windows, as unsigned values
 * (x + 128), by the weights, with int32 sums, then TFLM's requantization. The windows are
 * copied as im2col columns, or, where the filter's columns are adjacent (unit column
 * dilation), read in place from an int16 padded copy of the image by the int16 GEMM: at AVX2,
 * and at AVX-512 where prepare picks it (tinyrt/kernels/conv.py windows_at_avx512).
 *
 * The GEMM multiplies unsigned input values by signed weights; the 128 * sum(w) and zero-point
 * terms are folded by prepare into a per-channel constant (corr), so each sum equals TFLM's
 * bias + sum (x - zero_point) w, modulo 2^32 as TFLM's int32 accumulator wraps. Padded taps
 * hold the zero point and add nothing, as TFLM skips them.
 *
 * Weights are packed by prepare (tinyrt/kernels/conv.py) for the level's GEMM: AVX-512 VNNI
 * multiplies bytes with vpdpbusd (int8 [op / 16][kp / 4][16][4]: per block of 16 output
 * channels, per group of 4 taps, the 16 x 4 bytes [o][k]); AVX2 multiplies int16 pairs with
 * vpmaddwd (int16 [op / 16][kp / 2][16][2], then [kp / 2][8][2] for a last 8 channels, op
 * being a multiple of 8 there; exact, unlike vpmaddubsw, which saturates; for windows read in
 * place each filter row's taps made even by a zero, conv.py window_taps), as AVX-512 does
 * for the windows it reads in place; the portable loops take int16 [op][kp]. */
#include "conv_s8.h"
#include "../fixedpoint.h"

/* the GEMM's input columns: bytes for vpdpbusd, int16 for vpmaddwd and the portable dot
 * products (x + 128 either way, so prepare's constants are the same at every level) */
#if defined(TINYRT_AVX512)
typedef uint8_t col_t;
#else
typedef int16_t col_t;
#endif

#if defined(TINYRT_AVX2)
/* AVX2 reads each output pixel's GEMM row through a pointer and koff, the offset of each of its
 * tap pairs: a row of the columns (koff = 0, 2, 4, ...) or, with windows read in place, the
 * window's first value in the int16 padded image (koff: each filter row's run of kw * in_c
 * values, paired, an odd run's last pair completed by a zero weight). */

/* the first value of each output pixel's row, pixel after pixel: columns rows (col_step kp,
 * never wrapping) or windows in the padded image */
typedef struct {
    const int16_t *image;
    size_t row_step, col_step;
    int out_w, oy, ox;
} rows_avx2;

static inline const int16_t *next_row(rows_avx2 *it)
{
    const int16_t *row = it->image + (size_t)it->oy * it->row_step + (size_t)it->ox * it->col_step;
    if (++it->ox == it->out_w) {
        it->ox = 0;
        it->oy++;
    }
    return row;
}

/* where a chunk's sums go: requantized to int8 at once (the folded requantization, whole
 * blocks of 8 channels) when out is set, else stored as int32 sums [n][op] */
typedef struct {
    int32_t *acc;
    int8_t *out;
    const int32_t *mult, *nudge, *shift;
    int32_t lo, hi;
    int op, out_c;
} sink_avx2;

/* nr rows (1 to 4) x nb vectors of 8 channels (1 or 2), constants once inlined, so the sums
 * stay in registers: vpmaddwd of a broadcast pair of a row's values with 8 channels' pairs of
 * weights gives 8 exact sums of two (unlike vpmaddubsw, which saturates). Weights int16
 * [k2s][8 nb][2]. Then the constant term, and the requantization or the sums' store. */
static inline __attribute__((always_inline)) void tile_avx2(
    const int16_t *const *rows, const int32_t *koff, const int16_t *w, int k2s, int nr, int nb,
    const int32_t *corr, const tinyrt_folded8 *f, const sink_avx2 *s, int p, int c0)
{
    __m256i a[4][2];
    for (int r = 0; r < nr; r++)
        a[r][0] = a[r][1] = _mm256_setzero_si256();
    for (int k2 = 0; k2 < k2s; k2++, w += 16 * nb) {
        const size_t off = (size_t)koff[k2];
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
        __m256i w1 = nb == 2 ? _mm256_loadu_si256((const __m256i *)(w + 16)) : w0;
        for (int r = 0; r < nr; r++) {
            __m256i x = _mm256_set1_epi32((int32_t)tinyrt_load32(rows[r] + off));
            tinyrt_accumulate8(&a[r][0], _mm256_madd_epi16(x, w0));
            if (nb == 2)
                tinyrt_accumulate8(&a[r][1], _mm256_madd_epi16(x, w1));
        }
    }
    for (int j = 0; j < nb; j++) {
        __m256i k = _mm256_loadu_si256((const __m256i *)(corr + c0 + 8 * j));
        for (int r = 0; r < nr; r++)
            a[r][j] = _mm256_add_epi32(a[r][j], k);
    }
    if (s->out != NULL) {
        const __m256i lo = _mm256_set1_epi32(s->lo), hi = _mm256_set1_epi32(s->hi);
        const __m128i lo8 = _mm_set1_epi8((int8_t)s->lo), hi8 = _mm_set1_epi8((int8_t)s->hi);
        for (int r = 0; r < nr; r++) {
            int8_t *o = s->out + (size_t)(p + r) * s->out_c + c0;
            if (nb == 2)
                tinyrt_store16_s8(o, tinyrt_requantize8_folded_unclamped(a[r][0], &f[0]),
                                  tinyrt_requantize8_folded_unclamped(a[r][1], &f[1]), lo8, hi8);
            else
                tinyrt_store8_s8(o, tinyrt_requantize8_folded(a[r][0], &f[0], lo, hi));
        }
    } else {
        for (int r = 0; r < nr; r++)
            for (int j = 0; j < nb; j++)
                _mm256_storeu_si256((__m256i *)(s->acc + (size_t)(p + r) * s->op + c0 + 8 * j),
                                    a[r][j]);
    }
}

/* n rows against every block of 16 channels, then (op % 16 == 8) the last 8. Block by block
 * over all the rows, so that a block's weights are read from the first caches for every row
 * (a block of a 1024-deep layer is 32 KB), and its requantization constants are made once. */
static void gemm_avx2(rows_avx2 start, int n, int kp, const int32_t *koff, const void *weights,
                      const int32_t *corr, const sink_avx2 *s)
{
    const int k2s = kp / 2;
    for (int c0 = 0; c0 < s->op; c0 += 16) {
        const int nb = c0 + 16 <= s->op ? 2 : 1;
        const int16_t *wb = (const int16_t *)weights + (size_t)c0 * k2s * 2;
        tinyrt_folded8 f[2];
        if (s->out != NULL)
            for (int j = 0; j < nb; j++)
                f[j] = tinyrt_folded8_load(s->mult + c0 + 8 * j, s->nudge + c0 + 8 * j,
                                           s->shift + c0 + 8 * j);
        rows_avx2 it = start;
        for (int p = 0; p < n; p += 4) {
            const int16_t *rp[4];
            int nr = n - p < 4 ? n - p : 4;
            for (int r = 0; r < nr; r++)
                rp[r] = next_row(&it);
#define TILE(NR, NB) tile_avx2(rp, koff, wb, k2s, NR, NB, corr, f, s, p, c0)
            if (nb == 2) {
                switch (nr) {   /* the last rows alone */
                case 1: TILE(1, 2); break;
                case 2: TILE(2, 2); break;
                case 3: TILE(3, 2); break;
                default: TILE(4, 2); break;
                }
            } else {
                switch (nr) {
                case 1: TILE(1, 1); break;
                case 2: TILE(2, 1); break;
                case 3: TILE(3, 1); break;
                default: TILE(4, 1); break;
                }
            }
#undef TILE
        }
    }
}
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
/* AVX2 runs every GEMM through gemm_avx2 */
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
        const uint8_t *window = (const uint8_t *)c->padded + (size_t)oy * row_step +
                                (size_t)ox * col_step;
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

/* image b inside the padded border, as unsigned values (x + 128): bytes, or int16 for windows
 * read in place */
static void fill_padded(const tinyrt_conv_s8_opdata *c, int b)
{
    const size_t prow = (size_t)c->pad_w * c->in_c, n = (size_t)c->in_w * c->in_c;
    for (int y = 0; y < c->in_h; y++) {
        const int8_t *src = c->input + ((size_t)b * c->in_h + y) * n;
        size_t at = (size_t)(y + c->pad_top) * prow + (size_t)c->pad_left * c->in_c;
        if (c->windows) {
            int16_t *dst = (int16_t *)c->padded + at;
            for (size_t i = 0; i < n; i++)
                dst[i] = (int16_t)((uint8_t)src[i] ^ 0x80u);
        } else {
            flip_bytes((uint8_t *)c->padded + at, src, n);
        }
    }
}

#if defined(TINYRT_AVX2)
/* Output pixels [r0, r0 + n) of image b through the int16 GEMM (koff given: at AVX2, and at
 * AVX-512 for windows read in place), requantized in the GEMM where the folded
 * requantization serves whole blocks of 8 channels or after it where it folds otherwise.
 * Returns 1 when the outputs are written, 0 when the sums are left in acc for the general
 * requantization, -1 for columns AVX-512 cannot make (prepare never asks). */
static int chunk_int16(const tinyrt_conv_s8_opdata *c, int b, int r0, int n, col_t *col,
                       int8_t *out)
{
    const int at_once = c->nudge != NULL && c->out_c % 8 == 0;
    sink_avx2 s = {c->acc, at_once ? out + (size_t)r0 * c->out_c : NULL, c->mult, c->nudge,
                   c->fold_shift, c->act_min, c->act_max, c->op, c->out_c};
    rows_avx2 rows;
    if (c->windows) {
        const size_t prow = (size_t)c->pad_w * c->in_c;
        rows = (rows_avx2){(const int16_t *)c->padded, (size_t)c->stride_h * prow,
                           (size_t)c->stride_w * c->in_c, c->out_w, r0 / c->out_w,
                           r0 % c->out_w};
    } else {
#if defined(TINYRT_AVX512)
        (void)b;
        (void)col;
        return -1;      /* AVX-512's columns are bytes */
#else
        columns(c, b, r0, n, col);
        rows = (rows_avx2){col, 0, (size_t)c->kp, INT32_MAX, 0, 0};
#endif
    }
    gemm_avx2(rows, n, c->kp, c->koff, c->weights, c->corr, &s);
    if (at_once)
        return 1;
    if (c->nudge == NULL)
        return 0;
    tinyrt_requantize_pixels_folded_s8(c->acc, n, (size_t)c->op, c->out_c, c->mult, c->nudge,
                                       c->fold_shift, c->act_min, c->act_max,
                                       out + (size_t)r0 * c->out_c, (size_t)c->out_c);
    return 1;
}
#endif

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
#if defined(TINYRT_AVX2)
            if (c->koff != NULL) {
                int done = chunk_int16(c, b, r0, n, col, out);
                if (done < 0)
                    return TINYRT_ERROR;
                if (done)
                    continue;
            } else
#endif
            {
#if !defined(TINYRT_AVX2) || defined(TINYRT_AVX512)
                columns(c, b, r0, n, col);
                gemm(col, n, c->kp, c->weights, c->corr, c->acc, c->op);
#endif
            }
            for (int p = 0; p < n; p++)
                tinyrt_requantize_row_s8(c->acc + (size_t)p * c->op, c->out_c, c->mult,
                                         c->left, c->right, 1, c->output_zp, c->act_min,
                                         c->act_max, out + (size_t)(r0 + p) * c->out_c);
        }
    }
    return TINYRT_OK;
}
