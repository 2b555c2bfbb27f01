/* int8 DEPTHWISE_CONV_2D. The input, minus its zero point, is written once per call into
 * padded planes of int16 pairs: the pair at padded row y holds the input at row y and, beside
 * it, at row y + dil_h (0 in the padding, as TFLM skips taps outside the input). Filter rows
 * are taken two at a time, (ky, ky + 1), their weights paired the same way (an odd last row
 * with a zero weight), so one multiply-add of 16-bit pairs (pmaddwd) adds two taps' exact
 * products per channel. Each output row is then a sum over tap pairs of contiguous runs of
 * pairs times the pair's weights, vectorised across the row's columns and channels. The sums
 * are exact in int32: prepare checks that |bias| + 255 * 128 * taps stays inside it.
 *
 * Strided columns are dealt to stride phase planes (phases = stride_w) so that a pair's inputs
 * for a whole output row are contiguous, unless the channels come in multiples of the vector
 * width: then a vector lies within one pixel and reads the padded input as it is (phases = 1),
 * and per block of channels the weights stay in registers along the row (rows_blocked). */
#include "depthwise_s8.h"
#include "../fixedpoint.h"

#ifdef TINYRT_I32_LANES
#define LANES TINYRT_I32_LANES
#endif

/* a pair of int16: the input at two rows, or two taps' weights; multiplied pairwise and added
 * into one int32 */
typedef uint32_t pair_t;

static inline int32_t pair_dot(pair_t x, pair_t w)
{
    return (int32_t)(int16_t)(x & 0xFFFF) * (int16_t)(w & 0xFFFF) +
           (int32_t)(int16_t)(x >> 16) * (int16_t)(w >> 16);
}

/* columns per band: a band's weights and plane columns stay in the first caches while every
 * output row of the band is computed (the planes of a large layer do not) */
#define BAND 256
/* tap pairs whose weights rows_blocked keeps in registers: filters up to 3 x 3 */
#define BLOCK_PAIRS 6

#ifdef LANES

#if defined(TINYRT_AVX512)
typedef __m512i vec_t;
#define VLOAD(p) _mm512_loadu_si512((const void *)(p))
#define VADD(a, b) _mm512_add_epi32(a, b)
#define VMADD(a, b) _mm512_madd_epi16(a, b)
#define VSET1(v) _mm512_set1_epi32(v)
#define VSTORE_S8(out, r) _mm_storeu_si128((__m128i *)(out), _mm512_cvtepi32_epi8(r))
#define VREQUANT tinyrt_requantize16
#elif defined(TINYRT_AVX2)
typedef __m256i vec_t;
#define VLOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define VADD(a, b) _mm256_add_epi32(a, b)
#define VMADD(a, b) _mm256_madd_epi16(a, b)
#define VSET1(v) _mm256_set1_epi32(v)
#define VSTORE_S8(out, r) tinyrt_store8_s8(out, r)
#define VREQUANT tinyrt_requantize8
/* the folded requantization where prepare gives it: fewer operations than the general one */
#define FOLDED 1
#else
typedef __m128i vec_t;
#define VLOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define VADD(a, b) _mm_add_epi32(a, b)
#define VMADD(a, b) _mm_madd_epi16(a, b)
#define VSET1(v) _mm_set1_epi32(v)
/* SSE2: requantized with the clamp to [lo, hi] (int8 values), stored as 4 bytes */
static inline void store4_s8(int8_t *out, __m128i r)
{
    __m128i p = _mm_packs_epi16(_mm_packs_epi32(r, r), r);
    int32_t v = _mm_cvtsi128_si32(p);
    memcpy(out, &v, 4);
}
#define VSTORE_S8(out, r) store4_s8(out, r)
static inline __m128i requant4(__m128i x, __m128i m, __m128i l, __m128i r, __m128i zp,
                               __m128i lo, __m128i hi)
{
    __m128i v = tinyrt_requantize4_sse2(x, m, l, r, zp);
    /* SSE2 has no 32-bit min/max: clamp by compare and select */
    __m128i below = _mm_cmplt_epi32(v, lo), above = _mm_cmpgt_epi32(v, hi);
    v = _mm_or_si128(_mm_and_si128(below, lo), _mm_andnot_si128(below, v));
    return _mm_or_si128(_mm_and_si128(above, hi), _mm_andnot_si128(above, v));
}
#define VREQUANT requant4
#endif

/* Output columns [0, row rounded down to LANES), LANES at a time, band by band; returns the
 * first column left for the scalar loop. ``colstep``: pixels a pair's input advances per
 * output pixel. */
static inline int columns_simd(const tinyrt_depthwise_s8_opdata *d, const pair_t *const *xp,
                               int pairs, size_t step, int colstep, int8_t *out)
{
    int oc = d->out_c, row = d->out_w * oc, end = row / LANES * LANES;
    if (colstep > 1 && oc % LANES)
        return 0;
    const pair_t *weights = (const pair_t *)d->weights;
    vec_t zp = VSET1(d->output_zp), lo = VSET1(d->act_min), hi = VSET1(d->act_max);
    for (int b0 = 0; b0 < end; b0 += BAND) {
        int b1 = b0 + BAND < end ? b0 + BAND : end;
        for (int oy = 0; oy < d->out_h; oy++) {
            /* output pixel px's inputs lie (colstep - 1) * oc pairs further per pixel; px is
             * counted along, not divided out per vector */
            const size_t skip = (size_t)(colstep - 1) * oc;
            int px = b0 / oc, next = (px + 1) * oc;
            for (int i = b0; i < b1; i += LANES) {
                if (i == next) {
                    px++;
                    next += oc;
                }
                size_t x = (size_t)oy * step + (size_t)i + (size_t)px * skip;
                vec_t a = VLOAD(d->bias + i);
                for (int t = 0; t < pairs; t++)
                    a = VADD(a, VMADD(VLOAD(xp[t] + x), VLOAD(weights + (size_t)t * row + i)));
                VSTORE_S8(out + (size_t)oy * row + i,
                          VREQUANT(a, VLOAD(d->mult + i), VLOAD(d->left + i),
                                   VLOAD(d->right + i), zp, lo, hi));
            }
        }
    }
    return end;
}

/* Channels in whole vectors (phases == 1) and at most BLOCK_PAIRS tap pairs: per block of
 * LANES channels, the block's weights, pair pointers and requantization are held in locals
 * over all output pixels, which columns_simd reloads for every vector. */
static inline void rows_blocked(const tinyrt_depthwise_s8_opdata *d, const pair_t *const *xp,
                                int pairs, size_t step, int8_t *out)
{
    const int oc = d->out_c, row = d->out_w * oc, out_w = d->out_w, out_h = d->out_h;
    const size_t pixel = (size_t)d->stride_w * oc;
    const pair_t *weights = (const pair_t *)d->weights;
    const pair_t *p[BLOCK_PAIRS];
    for (int t = 0; t < pairs; t++)
        p[t] = xp[t];
    const vec_t zp = VSET1(d->output_zp), lo = VSET1(d->act_min), hi = VSET1(d->act_max);
    for (int c = 0; c < oc; c += LANES) {
        /* the first oc values of the tiled rows are the channels' own */
        vec_t w[BLOCK_PAIRS];
        for (int t = 0; t < pairs; t++)
            w[t] = VLOAD(weights + (size_t)t * row + c);
        const vec_t bias = VLOAD(d->bias + c), m = VLOAD(d->mult + c);
        const vec_t l = VLOAD(d->left + c), r = VLOAD(d->right + c);
#ifdef FOLDED
        const int folded = d->nudge != NULL;
        tinyrt_folded8 f;
        if (folded)
            f = tinyrt_folded8_load(d->mult + c, d->nudge + c, d->fold_shift + c);
#endif
        for (int oy = 0; oy < out_h; oy++) {
            int8_t *o = out + (size_t)oy * row + c;
            size_t x = (size_t)oy * step + (size_t)c;
            for (int ox = 0; ox < out_w; ox++, x += pixel, o += oc) {
                vec_t a = bias;
                for (int t = 0; t < pairs; t++)
                    a = VADD(a, VMADD(VLOAD(p[t] + x), w[t]));
#ifdef FOLDED
                if (folded) {
                    VSTORE_S8(o, tinyrt_requantize8_folded(a, &f, lo, hi));
                    continue;
                }
#endif
                VSTORE_S8(o, VREQUANT(a, m, l, r, zp, lo, hi));
            }
        }
    }
}
#endif

static inline pair_t make_pair(int32_t first, int32_t second)
{
    return (uint32_t)(uint16_t)first | (uint32_t)(uint16_t)second << 16;
}

/* whether some output row's pair of filter rows starts at padded row y: strided layers skip
 * the rest when filling */
static inline int row_read(const tinyrt_depthwise_s8_opdata *d, int y)
{
    for (int ky = 0; ky < d->kh; ky += 2) {
        int r = y - ky * d->dil_h;
        if (r >= 0 && r % d->stride_h == 0 && r / d->stride_h < d->out_h)
            return 1;
    }
    return 0;
}

/* n values of rows s0 and s1 (either may be NULL: 0) minus zp as pairs */
static inline void fill_run(pair_t *dst, const int8_t *s0, const int8_t *s1, int n, int32_t zp)
{
    int i = 0;
#if defined(TINYRT_AVX2)
    /* 16 at a time: widened to int16, interleaved within each 128-bit half, the halves put
     * back in order */
    const __m256i z = _mm256_set1_epi16((int16_t)zp), none = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        __m256i a = s0 ? _mm256_sub_epi16(_mm256_cvtepi8_epi16(
            _mm_loadu_si128((const __m128i *)(s0 + i))), z) : none;
        __m256i b = s1 ? _mm256_sub_epi16(_mm256_cvtepi8_epi16(
            _mm_loadu_si128((const __m128i *)(s1 + i))), z) : none;
        __m256i lo = _mm256_unpacklo_epi16(a, b), hi = _mm256_unpackhi_epi16(a, b);
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(dst + i + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
#endif
    for (; i < n; i++)
        dst[i] = make_pair(s0 ? s0[i] - zp : 0, s1 ? s1[i] - zp : 0);
}

/* One image (minus the zero point) into the pair planes: padded row y's pairs hold input rows
 * y - pad_top and y - pad_top + dil_h, 0 for a row outside the input. Rows with neither, or
 * that no output row reads, are never written and keep their zeros. */
static void fill_planes(const tinyrt_depthwise_s8_opdata *d, const int8_t *image,
                        size_t plane_row, size_t plane)
{
    const int32_t zp = d->input_zp, dm = d->dm, in_c = d->in_c, in_w = d->in_w, ph = d->phases;
    const int oc = d->out_c;
    const size_t image_row = (size_t)in_w * in_c;
    for (int y = 0; y < d->pad_h; y++) {
        int r0 = y - d->pad_top, r1 = r0 + d->dil_h;
        const int8_t *s0 = r0 >= 0 && r0 < d->in_h ? image + (size_t)r0 * image_row : NULL;
        const int8_t *s1 = r1 >= 0 && r1 < d->in_h ? image + (size_t)r1 * image_row : NULL;
        if ((!s0 && !s1) || (d->stride_h > 1 && !row_read(d, y)))
            continue;
        pair_t *dst = (pair_t *)d->planes + (size_t)y * plane_row;
        if (ph == 1 && dm == 1) {
            fill_run(dst + (size_t)d->pad_left * oc, s0, s1, in_w * oc, zp);
            continue;
        }
        for (int x = 0; x < in_w; x++) {
            int j = x + d->pad_left;
            /* (no division in the usual case of one phase) */
            pair_t *px = ph == 1 ? dst + (size_t)j * oc :
                dst + (size_t)(j % ph) * plane + (size_t)(j / ph) * oc;
            size_t o = (size_t)x * in_c;
            for (int i = 0; i < in_c; i++) {
                pair_t v = make_pair(s0 ? s0[o + i] - zp : 0, s1 ? s1[o + i] - zp : 0);
                int m = 0;
#if defined(TINYRT_AVX2)
                for (; m + 8 <= dm; m += 8)
                    _mm256_storeu_si256((__m256i *)(px + i * dm + m),
                                        _mm256_set1_epi32((int32_t)v));
#endif
                for (; m < dm; m++)
                    px[i * dm + m] = v;
            }
        }
    }
}

int tinyrt_depthwise_s8(const tinyrt_depthwise_s8_opdata *d)
{
    int oc = d->out_c, row = d->out_w * oc, s = d->stride_w;
    int pairs = (d->kh + 1) / 2 * d->kw;
    int ph = d->phases, colstep = s / ph;
    size_t plane_row = (size_t)d->plane_w * oc, plane = (size_t)d->pad_h * plane_row;
    const pair_t **xp = (const pair_t **)d->pairs;
    const pair_t *planes = (const pair_t *)d->planes;
    const pair_t *weights = (const pair_t *)d->weights;
    const int32_t out_zp = d->output_zp, act_min = d->act_min, act_max = d->act_max;
    const int32_t *mult = d->mult, *left = d->left, *right = d->right, *bias = d->bias;
    /* output column ox of tap (ky, kx) reads padded column j = ox s + kx dil: in plane
     * j % phases at j / phases, which is ox colstep + (kx dil) / phases there; xp[t] is where
     * pair t (rows ky = 2 (t / kw), ky + 1; column kx = t % kw) reads for output pixel 0 of
     * output row 0, step the next row's distance */
    for (int t = 0; t < pairs; t++) {
        int ky = 2 * (t / d->kw), j = (t % d->kw) * d->dil_w;
        xp[t] = planes + (size_t)(j % ph) * plane + (size_t)ky * d->dil_h * plane_row +
            (size_t)(j / ph) * oc;
    }
    size_t step = (size_t)d->stride_h * plane_row;
    for (int b = 0; b < d->batches; b++) {
        /* one image's planes, reused */
        fill_planes(d, d->input + (size_t)b * d->in_h * d->in_w * d->in_c, plane_row, plane);
        int8_t *out = d->output + (size_t)b * d->out_h * row;
        int i = 0;
#ifdef LANES
        if (ph == 1 && oc % LANES == 0 && pairs <= BLOCK_PAIRS) {
            /* a constant pair count for the common 3x3 filter unrolls the pair loop */
            if (pairs == 6)
                rows_blocked(d, xp, 6, step, out);
            else
                rows_blocked(d, xp, pairs, step, out);
            continue;
        }
        i = pairs == 6 ? columns_simd(d, xp, 6, step, colstep, out)
                       : columns_simd(d, xp, pairs, step, colstep, out);
#endif
        /* the columns left: per output row, pair by pair into a row of sums, then
         * requantized */
        if (i == row)
            continue;
        int32_t *acc = d->acc;
        for (int oy = 0; oy < d->out_h; oy++) {
            memcpy(acc + i, bias + i, (size_t)(row - i) * sizeof *acc);
            for (int t = 0; t < pairs; t++) {
                const pair_t *src = xp[t] + (size_t)oy * step;
                const pair_t *wt = weights + (size_t)t * row;
                /* pixel by pixel, each pixel's channels contiguous */
                for (int c = i; c < row;) {
                    int px = c / oc, stop = (px + 1) * oc;
                    const pair_t *sp = src + (size_t)px * (colstep - 1) * oc;
                    for (; c < stop; c++)
                        acc[c] += pair_dot(sp[c], wt[c]);
                }
            }
            tinyrt_requantize_row_s8(acc + i, row - i, mult + i, left + i, right + i, 1, out_zp,
                                     act_min, act_max, out + (size_t)oy * row + i);
        }
    }
    return TINYRT_OK;
}
