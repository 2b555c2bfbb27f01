/* The AVX2 int16 GEMM tile the int8 convolution and batch matmul share. */
#ifndef TINYRT_GEMM_S16_H
#define TINYRT_GEMM_S16_H

#include "tinyrt.h"

#if defined(TINYRT_AVX2)
/* nr rows (1 to 4, a constant once inlined) of int16 values, ``stride`` values apart, against
 * one block of 16 channels' weights, int16 [k2s][16][2]: vpmaddwd of a broadcast pair of a
 * row's values with 8 channels' pairs of weights gives 8 exact sums of two (unlike vpmaddubsw,
 * which saturates). s[r][0] and s[r][1] get channels 0-7 and 8-15 of row r, summed from zero;
 * int32 lanes wrap as TFLM's accumulator does. */
static inline __attribute__((always_inline)) void tinyrt_tile16_s16_avx2(
    const int16_t *rows, size_t stride, const int16_t *w, int k2s, int nr, __m256i s[4][2])
{
    for (int r = 0; r < nr; r++)
        s[r][0] = s[r][1] = _mm256_setzero_si256();
    for (int k2 = 0; k2 < k2s; k2++, w += 32) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + 16));
        for (int r = 0; r < nr; r++) {
            __m256i x = _mm256_set1_epi32((int32_t)tinyrt_load32(rows + r * stride + 2 * k2));
            tinyrt_accumulate8(&s[r][0], _mm256_madd_epi16(x, w0));
            tinyrt_accumulate8(&s[r][1], _mm256_madd_epi16(x, w1));
        }
    }
}
#endif

#endif
