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

#ifdef LANES
/* Output columns [0, row rounded down to LANES), LANES at a time; returns the first column
 * left for the scalar loop. ``colstep``: pixels a tap's input advances per output pixel. */
static inline int columns_simd(const tinyrt_depthwise_s8_opdata *d, const plane_t *const *xt,
                               int taps,
                               size_t step, int colstep, int8_t *out)
{
    int oc = d->out_c, row = d->out_w * oc, end = row / LANES * LANES;
    if (colstep > 1 && oc % LANES)
        return 0;
#if defined(TINYRT_AVX512)
    __m512i zp = _mm512_set1_epi32(d->output_zp), lo = _mm512_set1_epi32(d->act_min);
    __m512i hi = _mm512_set1_epi32(d->act_max);
    __m512i w[taps];
    for (int i = 0; i < end; i += 16) {
        for (int t = 0; t < taps; t++)
            w[t] = _mm512_loadu_si512((const weight_t *)d->weights + (size_t)t * row + i);
        __m512i bias = _mm512_loadu_si512(d->bias + i);
        __m512i m = _mm512_loadu_si512(d->mult + i), l = _mm512_loadu_si512(d->left + i);
        __m512i r = _mm512_loadu_si512(d->right + i);
        size_t x0 = (size_t)i + (size_t)(i / oc) * (colstep - 1) * oc;
        for (int oy = 0; oy < d->out_h; oy++) {
            __m512i a = bias;
            for (int t = 0; t < taps; t++)
                a = _mm512_add_epi32(a, _mm512_madd_epi16(
                    _mm512_loadu_si512(xt[t] + oy * step + x0), w[t]));
            _mm_storeu_si128((__m128i *)(out + (size_t)oy * row + i),
                             _mm512_cvtepi32_epi8(tinyrt_requantize16(a, m, l, r, zp, lo, hi)));
        }
    }
#else
    __m256i zp = _mm256_set1_epi32(d->output_zp), lo = _mm256_set1_epi32(d->act_min);
    __m256i hi = _mm256_set1_epi32(d->act_max);
    __m256i w[taps];
    for (int i = 0; i < end; i += 8) {
        for (int t = 0; t < taps; t++)
            w[t] = _mm256_loadu_si256((const __m256i *)((const weight_t *)d->weights +
                                                         (size_t)t * row + i));
        __m256i bias = _mm256_loadu_si256((const __m256i *)(d->bias + i));
        __m256i m = _mm256_loadu_si256((const __m256i *)(d->mult + i));
        __m256i l = _mm256_loadu_si256((const __m256i *)(d->left + i));
        __m256i r = _mm256_loadu_si256((const __m256i *)(d->right + i));
        size_t x0 = (size_t)i + (size_t)(i / oc) * (colstep - 1) * oc;
        for (int oy = 0; oy < d->out_h; oy++) {
            __m256i a = bias;
            for (int t = 0; t < taps; t++)
                a = _mm256_add_epi32(a, _mm256_madd_epi16(
                    _mm256_loadu_si256((const __m256i *)(xt[t] + oy * step + x0)), w[t]));
            tinyrt_store8_s8(out + (size_t)oy * row + i,
                             tinyrt_requantize8(a, m, l, r, zp, lo, hi));
        }
    }
#endif
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
    for (int b = 0; b < d->batches; b++) {
        plane_t *planes = (plane_t *)d->planes + (size_t)b * ph * plane;
        for (int y = 0; y < d->in_h; y++) {
            const int8_t *src = d->input + ((size_t)(b * d->in_h + y) * d->in_w) * d->in_c;
            plane_t *rowp = planes + (size_t)(y + d->pad_top) * plane_row;
            if (ph == 1 && d->dm == 1) {
                plane_t *dst = rowp + (size_t)d->pad_left * oc;
                for (int i = 0; i < d->in_w * oc; i++)
                    dst[i] = src[i] - d->input_zp;
                continue;
            }
            for (int x = 0; x < d->in_w; x++) {
                int j = x + d->pad_left;
                plane_t *dst = rowp + (size_t)(j % ph) * plane + (size_t)(j / ph) * oc;
                const int8_t *px = src + (size_t)x * d->in_c;
                for (int i = 0; i < d->in_c; i++)
                    for (int m = 0; m < d->dm; m++)
                        dst[i * d->dm + m] = px[i] - d->input_zp;
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
        /* a constant tap count for the common 3x3 filter keeps its weights in registers */
        i = taps == 9 ? columns_simd(d, xt, 9, step, colstep, out)
                      : columns_simd(d, xt, taps, step, colstep, out);
#endif
        /* the columns left: per output row, tap by tap into a row of sums (contiguous runs
         * the compiler vectorises), then requantized */
        if (i == row)
            continue;
        int32_t *acc = d->acc;
        for (int oy = 0; oy < d->out_h; oy++) {
            memcpy(acc + i, d->bias + i, (size_t)(row - i) * sizeof *acc);
            for (int t = 0; t < taps; t++) {
                const plane_t *src = xt[t] + (size_t)oy * step;
                const weight_t *wt = weights + (size_t)t * row;
                if (colstep == 1) {
                    for (int c = i; c < row; c++)
                        acc[c] += src[c] * (int16_t)wt[c];
                } else {
                    for (int c = i; c < row; c++)
                        acc[c] += src[c + (size_t)(c / oc) * (colstep - 1) * oc] *
                                  (int16_t)wt[c];
                }
            }
            for (int c = i; c < row; c++)
                out[(size_t)oy * row + c] = (int8_t)tinyrt_requantize_clamp(
                    acc[c], d->mult[c], d->left[c], d->right[c], d->output_zp, d->act_min,
                    d->act_max);
        }
    }
    return TINYRT_OK;
}
