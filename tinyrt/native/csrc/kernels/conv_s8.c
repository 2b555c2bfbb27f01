/* int8 CONV_2D and FULLY_CONNECTED: im2col of the input as unsigned bytes (x + 128), one GEMM
 * with int32 sums, TFLM's requantization.
 *
 * The GEMM multiplies unsigned input bytes by signed weights; the 128 * sum(w) and zero-point
 * terms are folded by prepare into a per-channel constant (corr), so each sum equals TFLM's
 * bias + sum (x - zero_point) w, modulo 2^32 as TFLM's int32 accumulator wraps. Padded taps
 * hold the zero point and add nothing, as TFLM skips them.
 *
 * Weights are packed by prepare (tinyrt/kernels/conv.py) as [op / 16][kp / 4][16][4]: per
 * block of 16 output channels, per group of 4 taps, the 16 x 4 bytes [o][k]. AVX-512 VNNI
 * reads a block with vpdpbusd; AVX2 sign-extends 4 channels x 4 taps to int16 and uses
 * vpmaddwd (exact, unlike vpmaddubsw, which saturates). */
#include "conv_s8.h"
#include "../fixedpoint.h"

#if defined(TINYRT_AVX512)
static inline void gemm_tile_avx512(const uint8_t *col, int kp, const int8_t *wblock, int k4s,
                                    const int32_t *corr, int32_t *acc, int op, int nb)
{
    __m512i a[4][4];
    for (int j = 0; j < nb; j++) {
        __m512i c = _mm512_loadu_si512((const void *)(corr + 16 * j));
        for (int r = 0; r < 4; r++)
            a[r][j] = c;
    }
    const uint8_t *c0 = col, *c1 = col + kp, *c2 = col + 2 * kp, *c3 = col + 3 * kp;
    for (int k4 = 0; k4 < k4s; k4++) {
        int32_t v0, v1, v2, v3;
        memcpy(&v0, c0 + 4 * k4, 4);
        memcpy(&v1, c1 + 4 * k4, 4);
        memcpy(&v2, c2 + 4 * k4, 4);
        memcpy(&v3, c3 + 4 * k4, 4);
        __m512i x0 = _mm512_set1_epi32(v0), x1 = _mm512_set1_epi32(v1);
        __m512i x2 = _mm512_set1_epi32(v2), x3 = _mm512_set1_epi32(v3);
        for (int j = 0; j < nb; j++) {
            __m512i w = _mm512_loadu_si512((const void *)(wblock + ((size_t)j * k4s + k4) * 64));
            a[0][j] = _mm512_dpbusd_epi32(a[0][j], x0, w);
            a[1][j] = _mm512_dpbusd_epi32(a[1][j], x1, w);
            a[2][j] = _mm512_dpbusd_epi32(a[2][j], x2, w);
            a[3][j] = _mm512_dpbusd_epi32(a[3][j], x3, w);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < nb; j++)
            _mm512_storeu_si512((void *)(acc + (size_t)r * op + 16 * j), a[r][j]);
}

static void gemm_u8s8(const uint8_t *col, int rows, int kp, const int8_t *w, const int32_t *corr,
                      int32_t *acc, int op)
{
    int k4s = kp / 4, blocks = op / 16;
    for (int p = 0; p < rows; p += 4) {
        const uint8_t *cp = col + (size_t)p * kp;
        int32_t *ap = acc + (size_t)p * op;
        int b = 0;
        for (; b + 4 <= blocks; b += 4)
            gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b, ap + 16 * b,
                             op, 4);
        /* constant block counts, so the accumulators stay in registers */
        switch (blocks - b) {
        case 3: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                                 ap + 16 * b, op, 3); break;
        case 2: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                                 ap + 16 * b, op, 2); break;
        case 1: gemm_tile_avx512(cp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                                 ap + 16 * b, op, 1); break;
        default: break;
        }
    }
}

#elif defined(TINYRT_AVX2)
/* 4 rows x 8 output channels (half a packed block, ``half`` 0 or 1) */
static inline void gemm_tile_avx2(const uint8_t *col, int kp, const int8_t *wblock, int k4s,
                                  int half, const int32_t *corr, int32_t *acc, int op)
{
    /* a[r][0]: channels 0-3 as pairs of partial sums, a[r][1]: channels 4-7 */
    __m256i a[4][2];
    for (int r = 0; r < 4; r++)
        a[r][0] = a[r][1] = _mm256_setzero_si256();
    const int8_t *wp = wblock + 32 * half;
    for (int k4 = 0; k4 < k4s; k4++, wp += 64) {
        __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)wp));
        __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wp + 16)));
        for (int r = 0; r < 4; r++) {
            int32_t v;
            memcpy(&v, col + (size_t)r * kp + 4 * k4, 4);
            __m256i x = _mm256_cvtepu8_epi16(_mm_set1_epi32(v));
            a[r][0] = _mm256_add_epi32(a[r][0], _mm256_madd_epi16(x, w0));
            a[r][1] = _mm256_add_epi32(a[r][1], _mm256_madd_epi16(x, w1));
        }
    }
    __m256i c = _mm256_loadu_si256((const __m256i *)(corr + 8 * half));
    for (int r = 0; r < 4; r++) {
        /* pairs summed: [o0 o1 o4 o5 | o2 o3 o6 o7], then into channel order */
        __m256i s = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a[r][0], a[r][1]), 0xD8);
        _mm256_storeu_si256((__m256i *)(acc + (size_t)r * op + 8 * half),
                            _mm256_add_epi32(s, c));
    }
}

static void gemm_u8s8(const uint8_t *col, int rows, int kp, const int8_t *w, const int32_t *corr,
                      int32_t *acc, int op)
{
    int k4s = kp / 4, blocks = op / 16;
    for (int p = 0; p < rows; p += 4)
        for (int b = 0; b < blocks; b++)
            for (int half = 0; half < 2; half++)
                gemm_tile_avx2(col + (size_t)p * kp, kp, w + (size_t)b * k4s * 64, k4s, half,
                               corr + 16 * b, acc + (size_t)p * op + 16 * b, op);
}

#else
static void gemm_u8s8(const uint8_t *col, int rows, int kp, const int8_t *w, const int32_t *corr,
                      int32_t *acc, int op)
{
    int k4s = kp / 4, blocks = op / 16;
    for (int p = 0; p < rows; p++) {
        const uint8_t *x = col + (size_t)p * kp;
        int32_t *a = acc + (size_t)p * op;
        for (int b = 0; b < blocks; b++) {
            /* unsigned: the sum wraps as TFLM's int32 accumulator does, without overflow */
            uint32_t s[16];
            for (int j = 0; j < 16; j++)
                s[j] = (uint32_t)corr[16 * b + j];
            const int8_t *wb = w + (size_t)b * k4s * 64;
            for (int k4 = 0; k4 < k4s; k4++)
                for (int j = 0; j < 16; j++)
                    for (int q = 0; q < 4; q++)
                        s[j] += (uint32_t)((int32_t)x[4 * k4 + q] * wb[(size_t)k4 * 64 + 4 * j + q]);
            for (int j = 0; j < 16; j++)
                a[16 * b + j] = (int32_t)s[j];
        }
    }
}
#endif

static void requantize_row(const int32_t *acc, int n, const tinyrt_conv_s8_opdata *c, int8_t *out)
{
    int i = 0;
#if defined(TINYRT_AVX512)
    __m512i zp = _mm512_set1_epi32(c->output_zp), lo = _mm512_set1_epi32(c->act_min);
    __m512i hi = _mm512_set1_epi32(c->act_max);
    for (; i + 16 <= n; i += 16) {
        __m512i r = tinyrt_requantize16(_mm512_loadu_si512(acc + i),
                                        _mm512_loadu_si512(c->mult + i),
                                        _mm512_loadu_si512(c->left + i),
                                        _mm512_loadu_si512(c->right + i), zp, lo, hi);
        _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtepi32_epi8(r));
    }
#elif defined(TINYRT_AVX2)
    __m256i zp = _mm256_set1_epi32(c->output_zp), lo = _mm256_set1_epi32(c->act_min);
    __m256i hi = _mm256_set1_epi32(c->act_max);
    for (; i + 8 <= n; i += 8)
        tinyrt_store8_s8(out + i, tinyrt_requantize8(
            _mm256_loadu_si256((const __m256i *)(acc + i)),
            _mm256_loadu_si256((const __m256i *)(c->mult + i)),
            _mm256_loadu_si256((const __m256i *)(c->left + i)),
            _mm256_loadu_si256((const __m256i *)(c->right + i)), zp, lo, hi));
#endif
    for (; i < n; i++)
        out[i] = (int8_t)tinyrt_requantize_clamp(acc[i], c->mult[i], c->left[i], c->right[i],
                                                 c->output_zp, c->act_min, c->act_max);
}

/* copy n input bytes as unsigned (x + 128) */
static inline void flip_copy(uint8_t *dst, const int8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)src[i] ^ 0x80u;
}

/* copy at least n bytes, in 16-byte pieces: the caller's buffers have room for the overrun,
 * and whatever lands past n is overwritten later or multiplied by zero weights */
static inline void copy_over(uint8_t *dst, const uint8_t *src, int n)
{
    for (int i = 0; i < n; i += 16)
        memcpy(dst + i, src + i, 16);
}

int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    int rows = c->batches * c->out_h * c->out_w;
    uint8_t *col = c->col;
    if (c->padded == NULL) {
        /* 1x1, unit strides, no padding: the input's pixels are the GEMM's rows */
        size_t k = (size_t)c->in_c;
        if (k == (size_t)c->kp) {
            flip_copy(col, c->input, (size_t)rows * k);
        } else {
            for (int p = 0; p < rows; p++) {
                flip_copy(col + (size_t)p * c->kp, c->input + (size_t)p * k, k);
                memset(col + (size_t)p * c->kp + k, 0, (size_t)c->kp - k);
            }
        }
    } else {
        /* the input, as unsigned bytes, inside its padded border; then every window row is
         * one contiguous run of kw * in_c bytes (unit dilation) or kw runs of in_c */
        size_t prow = (size_t)c->pad_w * c->in_c;
        for (int b = 0; b < c->batches; b++)
            for (int y = 0; y < c->in_h; y++)
                flip_copy(c->padded + ((size_t)b * c->pad_h + y + c->pad_top) * prow +
                          (size_t)c->pad_left * c->in_c,
                          c->input + ((size_t)b * c->in_h + y) * c->in_w * c->in_c,
                          (size_t)c->in_w * c->in_c);
        int run = c->dil_w == 1 ? c->kw * c->in_c : c->in_c;
        int runs = c->dil_w == 1 ? 1 : c->kw;
        for (int b = 0; b < c->batches; b++)
            for (int oy = 0; oy < c->out_h; oy++)
                for (int ox = 0; ox < c->out_w; ox++) {
                    uint8_t *dst = col + ((size_t)(b * c->out_h + oy) * c->out_w + ox) * c->kp;
                    for (int ky = 0; ky < c->kh; ky++) {
                        const uint8_t *src = c->padded +
                            ((size_t)b * c->pad_h + (size_t)oy * c->stride_h +
                             (size_t)ky * c->dil_h) * prow + (size_t)ox * c->stride_w * c->in_c;
                        for (int r = 0; r < runs; r++) {
                            copy_over(dst, src + (size_t)r * c->dil_w * c->in_c, run);
                            dst += run;
                        }
                    }
                }
    }
    gemm_u8s8(col, rows, c->kp, c->weights, c->corr, c->acc, c->op);
    for (int p = 0; p < rows; p++)
        requantize_row(c->acc + (size_t)p * c->op, c->out_c, c,
                       c->output + (size_t)p * c->out_c);
    return TINYRT_OK;
}
