/* int8 DEPTHWISE_CONV_2D. The input, minus its zero point, is written as int32 into padded
 * planes once per call (padded taps then hold 0 and add nothing, as TFLM skips them); each
 * output row is then a sum over taps of contiguous runs times the tap's weights, vectorised
 * across the row's columns and channels. The sums are exact in int32: prepare checks that
 * |bias| + 255 * 128 * taps stays inside it.
 *
 * Strided columns are dealt to stride phase planes (phases = stride_w) so that a tap's inputs
 * for a whole output row are contiguous, unless the channels come in multiples of the vector
 * width: then a vector lies within one pixel and reads the padded input as it is (phases = 1).
 * Weights are the int8 values' 16 bits zero-extended to 32: vpmaddwd of a sign-extended
 * input value then adds x_high * 0, so each lane is the exact product. */
#include "depthwise_s8.h"
#include "../fixedpoint.h"

#if defined(TINYRT_AVX512)
#define LANES 16
#elif defined(TINYRT_AVX2)
#define LANES 8
#endif

/* plane values and weights: int32 for vpmaddwd (weights zero-extended, see above); int16 in
 * the portable build, whose compiler vectorises 16 x 16 -> 32-bit products where a 32-bit
 * multiply may be missing (SSE2) */
#ifdef LANES
typedef int32_t plane_t;
typedef int32_t weight_t;
#else
typedef int16_t plane_t;
typedef int16_t weight_t;
#endif

/* columns per band: a band's weights and plane columns stay in the first caches while every
 * output row of the band is computed (the planes of a large layer do not) */
#define BAND 256

#ifdef LANES

#if defined(TINYRT_AVX512)
typedef __m512i vec_t;
#define VLOAD(p) _mm512_loadu_si512((const void *)(p))
#define VADD(a, b) _mm512_add_epi32(a, b)
#define VMADD(a, b) _mm512_madd_epi16(a, b)
#define VSET1(v) _mm512_set1_epi32(v)
#define VSTORE_S8(out, r) _mm_storeu_si128((__m128i *)(out), _mm512_cvtepi32_epi8(r))
#define VREQUANT tinyrt_requantize16
#else
typedef __m256i vec_t;
#define VLOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define VADD(a, b) _mm256_add_epi32(a, b)
#define VMADD(a, b) _mm256_madd_epi16(a, b)
#define VSET1(v) _mm256_set1_epi32(v)
#define VSTORE_S8(out, r) tinyrt_store8_s8(out, r)
#define VREQUANT tinyrt_requantize8
#endif

/* Output columns [0, row rounded down to LANES), LANES at a time, band by band; returns the
 * first column left for the scalar loop. ``colstep``: pixels a tap's input advances per
 * output pixel. */
static inline int columns_simd(const tinyrt_depthwise_s8_opdata *d, const plane_t *const *xt,
                               int taps, size_t step, int colstep, int8_t *out)
{
    int oc = d->out_c, row = d->out_w * oc, end = row / LANES * LANES;
    if (colstep > 1 && oc % LANES)
        return 0;
    const weight_t *weights = (const weight_t *)d->weights;
    vec_t zp = VSET1(d->output_zp), lo = VSET1(d->act_min), hi = VSET1(d->act_max);
    for (int b0 = 0; b0 < end; b0 += BAND) {
        int b1 = b0 + BAND < end ? b0 + BAND : end;
        for (int oy = 0; oy < d->out_h; oy++) {
            /* output pixel px's tap inputs lie (colstep - 1) * oc values further per pixel;
             * px is counted along, not divided out per vector */
            const size_t skip = (size_t)(colstep - 1) * oc;
            int px = b0 / oc, next = (px + 1) * oc;
            for (int i = b0; i < b1; i += LANES) {
                if (i == next) {
                    px++;
                    next += oc;
                }
                size_t x = (size_t)oy * step + (size_t)i + (size_t)px * skip;
                vec_t a = VLOAD(d->bias + i);
                for (int t = 0; t < taps; t++)
                    a = VADD(a, VMADD(VLOAD(xt[t] + x), VLOAD(weights + (size_t)t * row + i)));
                VSTORE_S8(out + (size_t)oy * row + i,
                          VREQUANT(a, VLOAD(d->mult + i), VLOAD(d->left + i),
                                   VLOAD(d->right + i), zp, lo, hi));
            }
        }
    }
    return end;
}
#endif

#if !defined(LANES) && defined(TINYRT_SSE2)
/* The portable level's int16 planes and weights with SSE2: 8 output columns at a time, their
 * sums kept in registers across the taps. Two taps' values interleaved make pmaddwd's pairs:
 * each 32-bit lane gets x0 w0 + x1 w1 of its column, exact (the pair's sum fits, as the whole
 * sum does); an odd last tap is paired with a zero weight. Same bands and return as
 * columns_simd. */
static inline int columns_sse2(const tinyrt_depthwise_s8_opdata *d, const plane_t *const *xt,
                               int taps, size_t step, int colstep, int8_t *out)
{
    int oc = d->out_c, row = d->out_w * oc, end = row / 8 * 8;
    if (colstep > 1 && oc % 8)
        return 0;
    const weight_t *weights = (const weight_t *)d->weights;
    const __m128i zero = _mm_setzero_si128(), zp = _mm_set1_epi32(d->output_zp);
    const __m128i lo = _mm_set1_epi16((int16_t)d->act_min);
    const __m128i hi = _mm_set1_epi16((int16_t)d->act_max);
    for (int b0 = 0; b0 < end; b0 += BAND) {
        int b1 = b0 + BAND < end ? b0 + BAND : end;
        for (int oy = 0; oy < d->out_h; oy++)
            for (int i = b0; i < b1; i += 8) {
                size_t x = (size_t)oy * step + (size_t)i + (size_t)(i / oc) * (colstep - 1) * oc;
                const weight_t *wi = weights + i;
                __m128i a0 = _mm_loadu_si128((const __m128i *)(d->bias + i));
                __m128i a1 = _mm_loadu_si128((const __m128i *)(d->bias + i + 4));
                int t = 0;
                for (; t + 2 <= taps; t += 2) {
                    __m128i x0 = _mm_loadu_si128((const __m128i *)(xt[t] + x));
                    __m128i x1 = _mm_loadu_si128((const __m128i *)(xt[t + 1] + x));
                    __m128i w0 = _mm_loadu_si128((const __m128i *)(wi + (size_t)t * row));
                    __m128i w1 = _mm_loadu_si128((const __m128i *)(wi + (size_t)(t + 1) * row));
                    a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(x0, x1),
                                                          _mm_unpacklo_epi16(w0, w1)));
                    a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(x0, x1),
                                                          _mm_unpackhi_epi16(w0, w1)));
                }
                if (t < taps) {
                    __m128i x0 = _mm_loadu_si128((const __m128i *)(xt[t] + x));
                    __m128i w0 = _mm_loadu_si128((const __m128i *)(wi + (size_t)t * row));
                    a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(x0, x0),
                                                          _mm_unpacklo_epi16(w0, zero)));
                    a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(x0, x0),
                                                          _mm_unpackhi_epi16(w0, zero)));
                }
                __m128i r[2];
                for (int h = 0; h < 2; h++) {
                    int j = i + 4 * h;
                    r[h] = tinyrt_requantize4_sse2(h ? a1 : a0,
                                                   _mm_loadu_si128((const __m128i *)(d->mult + j)),
                                                   _mm_loadu_si128((const __m128i *)(d->left + j)),
                                                   _mm_loadu_si128((const __m128i *)(d->right + j)),
                                                   zp);
                }
                tinyrt_store8_s8_sse2(out + (size_t)oy * row + i, r[0], r[1], lo, hi);
            }
    }
    return end;
}
#endif

int tinyrt_depthwise_s8(const tinyrt_depthwise_s8_opdata *d)
{
    int oc = d->out_c, row = d->out_w * oc, s = d->stride_w, taps = d->kh * d->kw;
    int ph = d->phases, colstep = s / ph;
    size_t plane_row = (size_t)d->plane_w * oc, plane = (size_t)d->pad_h * plane_row;
    const plane_t **xt = (const plane_t **)d->taps;
    const weight_t *weights = (const weight_t *)d->weights;
    /* locals, not reads through d: the plane stores could alias the op data for all the
     * compiler knows, which would stop it vectorising the fills */
    const int32_t zp = d->input_zp, dm = d->dm, in_c = d->in_c, in_w = d->in_w;
    const int32_t out_zp = d->output_zp, act_min = d->act_min, act_max = d->act_max;
    const int32_t *mult = d->mult, *left = d->left, *right = d->right, *bias = d->bias;
    for (int b = 0; b < d->batches; b++) {
        plane_t *planes = (plane_t *)d->planes;     /* one image's, reused */
        for (int y = 0; y < d->in_h; y++) {
            const int8_t *src = d->input + ((size_t)(b * d->in_h + y) * d->in_w) * d->in_c;
            plane_t *rowp = planes + (size_t)(y + d->pad_top) * plane_row;
            if (ph == 1 && dm == 1) {
                plane_t *dst = rowp + (size_t)d->pad_left * oc;
                const int n = in_w * oc;
                for (int i = 0; i < n; i++)
                    dst[i] = (plane_t)(src[i] - zp);
                continue;
            }
            for (int x = 0; x < in_w; x++) {
                int j = x + d->pad_left;
                plane_t *dst = rowp + (size_t)(j % ph) * plane + (size_t)(j / ph) * oc;
                const int8_t *px = src + (size_t)x * in_c;
                if (dm == 1) {
                    for (int i = 0; i < in_c; i++)
                        dst[i] = (plane_t)(px[i] - zp);
                } else {
                    for (int i = 0; i < in_c; i++)
                        for (int m = 0; m < dm; m++)
                            dst[i * dm + m] = (plane_t)(px[i] - zp);
                }
            }
        }
        /* output column ox of tap (ky, kx) reads padded column j = ox s + kx dil: in plane
         * j % phases at j / phases, which is ox colstep + (kx dil) / phases there; xt[t] is
         * where tap t reads for output pixel 0 of output row 0, step the next row's distance */
        for (int ky = 0; ky < d->kh; ky++)
            for (int kx = 0; kx < d->kw; kx++) {
                int j = kx * d->dil_w;
                xt[ky * d->kw + kx] = planes + (size_t)(j % ph) * plane +
                    (size_t)ky * d->dil_h * plane_row + (size_t)(j / ph) * oc;
            }
        size_t step = (size_t)d->stride_h * plane_row;
        int8_t *out = d->output + (size_t)b * d->out_h * row;
        int i = 0;
#ifdef LANES
        /* a constant tap count for the common 3x3 filter unrolls the tap loop */
        i = taps == 9 ? columns_simd(d, xt, 9, step, colstep, out)
                      : columns_simd(d, xt, taps, step, colstep, out);
#elif defined(TINYRT_SSE2)
        i = taps == 9 ? columns_sse2(d, xt, 9, step, colstep, out)
                      : columns_sse2(d, xt, taps, step, colstep, out);
#endif
        /* the columns left: per output row, tap by tap into a row of sums (contiguous runs
         * the compiler vectorises), then requantized */
        if (i == row)
            continue;
        int32_t *acc = d->acc;
        for (int oy = 0; oy < d->out_h; oy++) {
            memcpy(acc + i, bias + i, (size_t)(row - i) * sizeof *acc);
            for (int t = 0; t < taps; t++) {
                const plane_t *src = xt[t] + (size_t)oy * step;
                const weight_t *wt = weights + (size_t)t * row;
                if (colstep == 1) {
                    for (int c = i; c < row; c++)
                        acc[c] += src[c] * (int16_t)wt[c];
                } else {
                    /* pixel by pixel, each pixel's channels contiguous */
                    for (int c = i; c < row;) {
                        int px = c / oc, stop = (px + 1) * oc;
                        const plane_t *sp = src + (size_t)px * (colstep - 1) * oc;
                        for (; c < stop; c++)
                            acc[c] += sp[c] * (int16_t)wt[c];
                    }
                }
            }
            tinyrt_requantize_row_s8(acc + i, row - i, mult + i, left + i, right + i, 1, out_zp,
                                     act_min, act_max, out + (size_t)oy * row + i);
        }
    }
    return TINYRT_OK;
}
