/* Int8 MUL as TFLM's reference: (x1 + offset1) * (x2 + offset2) in int32 (at most 2^16 in
 * size, so no overflow), requantized (fixedpoint.h), plus the output zero point, clamped.
 * Rows of the output are walked with broadcast.h; AVX-512 and AVX2 take 16 or 8 outputs at a
 * time with the same requantization, the rest (and the portable build) one at a time. */
#include "mul_s8.h"
#include "../broadcast.h"
#include "../fixedpoint.h"

static void row(const tinyrt_mul_s8_opdata *p, const int8_t *a, const int8_t *b, int8_t *o,
                size_t n, int sa, int sb)
{
    size_t i = 0;
    const int32_t oa = p->input1_offset, ob = p->input2_offset;
#if defined(TINYRT_AVX512)
    {
        const __m512i va0 = _mm512_set1_epi32(a[0] + oa), vb0 = _mm512_set1_epi32(b[0] + ob);
        const __m512i voa = _mm512_set1_epi32(oa), vob = _mm512_set1_epi32(ob);
        const __m512i m = _mm512_set1_epi32(p->multiplier), l = _mm512_set1_epi32(p->left);
        const __m512i r = _mm512_set1_epi32(p->right), zp = _mm512_set1_epi32(p->output_zp);
        const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
        for (; i + 16 <= n; i += 16) {
            __m512i x = sa ? _mm512_add_epi32(_mm512_cvtepi8_epi32(
                                 _mm_loadu_si128((const __m128i *)(a + i))), voa) : va0;
            __m512i y = sb ? _mm512_add_epi32(_mm512_cvtepi8_epi32(
                                 _mm_loadu_si128((const __m128i *)(b + i))), vob) : vb0;
            __m512i q = tinyrt_requantize16(_mm512_mullo_epi32(x, y), m, l, r, zp, lo, hi);
            _mm_storeu_si128((__m128i *)(o + i), _mm512_cvtepi32_epi8(q));
        }
    }
#elif defined(TINYRT_AVX2)
    {
        const __m256i va0 = _mm256_set1_epi32(a[0] + oa), vb0 = _mm256_set1_epi32(b[0] + ob);
        const __m256i voa = _mm256_set1_epi32(oa), vob = _mm256_set1_epi32(ob);
        const __m256i m = _mm256_set1_epi32(p->multiplier), l = _mm256_set1_epi32(p->left);
        const __m256i r = _mm256_set1_epi32(p->right), zp = _mm256_set1_epi32(p->output_zp);
        const __m256i lo = _mm256_set1_epi32(p->act_min), hi = _mm256_set1_epi32(p->act_max);
        for (; i + 8 <= n; i += 8) {
            __m256i x = sa ? _mm256_add_epi32(_mm256_cvtepi8_epi32(
                                 _mm_loadl_epi64((const __m128i *)(a + i))), voa) : va0;
            __m256i y = sb ? _mm256_add_epi32(_mm256_cvtepi8_epi32(
                                 _mm_loadl_epi64((const __m128i *)(b + i))), vob) : vb0;
            tinyrt_store8_s8(o + i, tinyrt_requantize8(_mm256_mullo_epi32(x, y), m, l, r, zp,
                                                       lo, hi));
        }
    }
#endif
    for (; i < n; i++) {
        int32_t prod = (a[sa ? i : 0] + oa) * (b[sb ? i : 0] + ob);
        o[i] = (int8_t)tinyrt_requantize_clamp(prod, p->multiplier, p->left, p->right,
                                               p->output_zp, p->act_min, p->act_max);
    }
}

int tinyrt_mul_s8(const tinyrt_mul_s8_opdata *p)
{
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do
        row(p, p->input1 + w.at0, p->input2 + w.at1, p->output + w.row, w.n, w.step0,
            w.step1);
    while (tinyrt_walk_next(&w));
    return TINYRT_OK;
}
