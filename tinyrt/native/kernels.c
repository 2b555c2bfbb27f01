/* tinyrt native kernels: int8 convolution, depthwise convolution, fully connected layers,
 * average pooling and softmax with TFLM's arithmetic (int32 accumulators, gemmlowp
 * double-rounding requantization, TFLM's fixed-point softmax). The Python side
 * (tinyrt/native/ops.py) prepares every parameter struct once; each call runs one node.
 *
 * Plain C99. Where the compiler targets AVX-512 VNNI, the GEMM uses its u8 x s8 dot product
 * instruction; every other target takes the portable loops, with the same results.
 *
 * The GEMM multiplies unsigned input bytes (x + 128, i.e. x ^ 0x80) by signed weights: the
 * 128 * sum(w) and zero-point terms are folded into a per-channel constant computed once, so
 * the accumulator equals TFLM's bias + sum (x - zero_point) w exactly, padding included
 * (padded taps hold the zero point and add nothing, as TFLM skips them).
 */
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#define TINYRT_VNNI512 1
#endif

/* ---- requantization ---------------------------------------------------------------------- */

/* TFLM MultiplyByQuantizedMultiplier with gemmlowp's double rounding, plus the output zero
 * point and the activation clamp, of one value. */
static inline int8_t requantize_one(int32_t acc, int32_t mult, int32_t left, int32_t right,
                                    int32_t zp, int32_t lo, int32_t hi)
{
    /* the C code shifts in int32, which wraps */
    int32_t x = (int32_t)((uint32_t)acc << left);
    int64_t prod = (int64_t)x * mult;
    /* SaturatingRoundingDoublingHighMul: nudge and divide by 2^31 toward zero equals a
     * flooring shift of prod + 2^30 (multipliers are non-negative: it never saturates) */
    int32_t h = (int32_t)((prod + ((int64_t)1 << 30)) >> 31);
    /* RoundingDivideByPOT: halves away from zero */
    int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
    int32_t rem = h & mask;
    int32_t thr = (mask >> 1) + (h < 0);
    int32_t r = (h >> right) + (rem > thr) + zp;
    r = r < lo ? lo : r;
    r = r > hi ? hi : r;
    return (int8_t)r;
}

#ifdef TINYRT_VNNI512
/* The same for the 16 lanes of x (the first n < 16 stored when n is smaller). */
static inline void requantize16(__m512i x, const int32_t *mult, const int32_t *left,
                                const int32_t *right, __m512i zp, __m512i lo, __m512i hi,
                                int8_t *out, __mmask16 keep)
{
    __m512i m = _mm512_maskz_loadu_epi32(keep, mult);
    __m512i e = _mm512_maskz_loadu_epi32(keep, right);
    x = _mm512_sllv_epi32(x, _mm512_maskz_loadu_epi32(keep, left));
    const __m512i nudge = _mm512_set1_epi64((int64_t)1 << 30);
    /* 64-bit products of the even lanes, then of the odd lanes moved down */
    __m512i even = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
    __m512i odd = _mm512_srai_epi64(_mm512_add_epi64(
        _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), nudge), 31);
    __m512i h = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, _mm512_slli_epi64(odd, 32));
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), e),
                                    _mm512_set1_epi32(1));
    __m512i rem = _mm512_and_si512(h, mask);
    /* threshold: mask / 2, plus one for negative h */
    __m512i thr = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(h, 31));
    __m512i r = _mm512_srav_epi32(h, e);
    r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, _mm512_set1_epi32(1));
    r = _mm512_add_epi32(r, zp);
    r = _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
    _mm512_mask_cvtsepi32_storeu_epi8(out, keep, r);
}

static inline __mmask16 lanes(int n)
{
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
}
#endif

/* requantize_one over a row whose channel parameters are given per element (channel arrays,
 * tiled to the row's length by the caller where the row spans several pixels) */
static void requantize_row(const int32_t *acc, int n, const int32_t *mult, const int32_t *left,
                           const int32_t *right, int32_t zp, int32_t lo, int32_t hi, int8_t *out)
{
    int i = 0;
#ifdef TINYRT_VNNI512
    __m512i vzp = _mm512_set1_epi32(zp), vlo = _mm512_set1_epi32(lo);
    __m512i vhi = _mm512_set1_epi32(hi);
    for (; i < n; i += 16) {
        __mmask16 keep = lanes(n - i);
        requantize16(_mm512_maskz_loadu_epi32(keep, acc + i), mult + i, left + i, right + i,
                     vzp, vlo, vhi, out + i, keep);
    }
#endif
    for (; i < n; i++)
        out[i] = requantize_one(acc[i], mult[i], left[i], right[i], zp, lo, hi);
}

/* ---- GEMM: acc[p][o] = corr[o] + sum_k col[p][k] * w[o][k] --------------------------------
 * col: uint8 [rows4][kp], rows4 = rows rounded up to 4 (the extra rows are computed, unused);
 * w: packed by tinyrt.native.ops.conv: per block of 16 output channels, per group of 4 k,
 * the 16 x 4 bytes [o][k]; acc: int32 [rows4][op], op = outputs rounded up to 16. */

#ifdef TINYRT_VNNI512
static inline void gemm_tile(const uint8_t *col, int kp, const int8_t *wblock, int k4s,
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
#endif

static void gemm_u8s8(const uint8_t *col, int rows, int kp, const int8_t *w, const int32_t *corr,
                      int32_t *acc, int op)
{
    int k4s = kp / 4, blocks = op / 16;
#ifdef TINYRT_VNNI512
    for (int p = 0; p < rows; p += 4) {
        int b = 0;
        for (; b + 4 <= blocks; b += 4)
            gemm_tile(col + (size_t)p * kp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                      acc + (size_t)p * op + 16 * b, op, 4);
        switch (blocks - b) {
        case 3: gemm_tile(col + (size_t)p * kp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                          acc + (size_t)p * op + 16 * b, op, 3); break;
        case 2: gemm_tile(col + (size_t)p * kp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                          acc + (size_t)p * op + 16 * b, op, 2); break;
        case 1: gemm_tile(col + (size_t)p * kp, kp, w + (size_t)b * k4s * 64, k4s, corr + 16 * b,
                          acc + (size_t)p * op + 16 * b, op, 1); break;
        default: break;
        }
    }
#else
    for (int p = 0; p < rows; p++) {
        const uint8_t *x = col + (size_t)p * kp;
        int32_t *a = acc + (size_t)p * op;
        for (int b = 0; b < blocks; b++) {
            int32_t s[16];
            for (int j = 0; j < 16; j++)
                s[j] = corr[16 * b + j];
            const int8_t *wb = w + (size_t)b * k4s * 64;
            for (int k4 = 0; k4 < k4s; k4++)
                for (int j = 0; j < 16; j++)
                    for (int q = 0; q < 4; q++)
                        s[j] += (int32_t)x[4 * k4 + q] * wb[(size_t)k4 * 64 + 4 * j + q];
            memcpy(a + 16 * b, s, sizeof s);
        }
    }
#endif
}

/* ---- CONV_2D and FULLY_CONNECTED ------------------------------------------------------------ */

typedef struct {
    const int8_t *input;        /* [batches][in_h][in_w][in_c] */
    int8_t *output;             /* [batches][out_h][out_w][out_c] */
    const int8_t *weights;      /* packed, see gemm_u8s8 */
    const int32_t *corr;        /* [op]: bias - (zero_point + 128) * sum w */
    const int32_t *mult, *left, *right;   /* [out_c] */
    uint8_t *col;               /* scratch [rows4][kp] + 16 bytes */
    int32_t *acc;               /* scratch [rows4][op] */
    uint8_t *padded;            /* own memory [batches][pad_h][pad_w][in_c] + 16 bytes, its
                                   border filled with zero_point + 128 once; NULL for 1x1
                                   unit-stride layers without padding */
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_h, pad_w, kp, op;
    int32_t input_zp, output_zp, act_min, act_max;
} tinyrt_conv;

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

int tinyrt_conv_s8(const tinyrt_conv *c)
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
                    uint8_t *dst = col + (size_t)((b * c->out_h + oy) * c->out_w + ox) * c->kp;
                    for (int ky = 0; ky < c->kh; ky++) {
                        const uint8_t *src = c->padded +
                            ((size_t)b * c->pad_h + oy * c->stride_h + ky * c->dil_h) * prow +
                            (size_t)ox * c->stride_w * c->in_c;
                        for (int r = 0; r < runs; r++) {
                            copy_over(dst, src + (size_t)r * c->dil_w * c->in_c, run);
                            dst += run;
                        }
                    }
                }
    }
    gemm_u8s8(col, rows, c->kp, c->weights, c->corr, c->acc, c->op);
    for (int p = 0; p < rows; p++)
        requantize_row(c->acc + (size_t)p * c->op, c->out_c, c->mult, c->left, c->right,
                       c->output_zp, c->act_min, c->act_max, c->output + (size_t)p * c->out_c);
    return 0;
}

/* ---- DEPTHWISE_CONV_2D --------------------------------------------------------------------- */

typedef struct {
    const int8_t *input;        /* [batches][in_h][in_w][in_c] */
    int8_t *output;             /* [batches][out_h][out_w][out_c] */
    const int32_t *weights;     /* [kh * kw][out_w * out_c]: each tap's row tiled along a row,
                                   as the 16 bits of the int8 value, zero-extended */
    const int32_t *bias;        /* [out_w * out_c], tiled likewise */
    const int32_t *mult, *left, *right;   /* [out_w * out_c], tiled likewise */
    int32_t *planes;            /* own memory, zeroed once: [batches][phases][pad_h][plane_w]
                                   [out_c], the input minus its zero point inside the padding,
                                   channels repeated dm times, padded columns dealt to phase
                                   planes (column j to plane j % phases, place j / phases) */
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, dm;
    int32_t kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_h, plane_w, phases;
    int32_t input_zp, output_zp, act_min, act_max;
} tinyrt_depthwise;

#ifdef TINYRT_VNNI512
/* Every output row's columns [0, row rounded down to 16), 16 at a time: the chunk's taps'
 * weights loaded once, then each output row's sum and requantization. x (sign-extended) times
 * w (zero-extended 16 bits): vpmaddwd's high halves add x_high * 0, so each lane is the exact
 * product. A chunk's inputs are contiguous: the whole row's are (one phase plane per stride),
 * or the channels are a multiple of 16 and a chunk lies within one pixel; ``colstep`` is the
 * pixels a tap's input advances per output pixel. Returns the first column left for the
 * caller. Called with a constant ``taps`` for the common 3x3 filter, so the weights stay in
 * registers. */
static inline int depthwise_columns16(const tinyrt_depthwise *d, const int32_t *const *xt,
                                      int taps, size_t step, int colstep, int8_t *out)
{
    int oc = d->out_c, row = d->out_w * oc, end = row / 16 * 16;
    if (colstep > 1 && oc % 16)
        return 0;
    __m512i vzp = _mm512_set1_epi32(d->output_zp), vlo = _mm512_set1_epi32(d->act_min);
    __m512i vhi = _mm512_set1_epi32(d->act_max);
    __m512i w[taps];
    for (int i = 0; i < end; i += 16) {
        for (int t = 0; t < taps; t++)
            w[t] = _mm512_loadu_si512(d->weights + (size_t)t * row + i);
        __m512i bias = _mm512_loadu_si512(d->bias + i);
        size_t x0 = (size_t)i + (size_t)(i / oc) * (colstep - 1) * oc;
        for (int oy = 0; oy < d->out_h; oy++) {
            __m512i a = bias;
            for (int t = 0; t < taps; t++)
                a = _mm512_add_epi32(a, _mm512_madd_epi16(
                    _mm512_loadu_si512(xt[t] + oy * step + x0), w[t]));
            requantize16(a, d->mult + i, d->left + i, d->right + i, vzp, vlo, vhi,
                         out + (size_t)oy * row + i, (__mmask16)0xFFFF);
        }
    }
    return end;
}
#endif

int tinyrt_depthwise_s8(const tinyrt_depthwise *d)
{
    int oc = d->out_c, row = d->out_w * oc, s = d->stride_w, taps = d->kh * d->kw;
    int ph = d->phases, colstep = s / ph;
    size_t plane_row = (size_t)d->plane_w * oc, plane = (size_t)d->pad_h * plane_row;
    const int32_t *xt[taps];
    for (int b = 0; b < d->batches; b++) {
        int32_t *planes = d->planes + (size_t)b * ph * plane;
        /* padded taps hold 0 = zero point - zero point: they add nothing, as TFLM skips them */
        for (int y = 0; y < d->in_h; y++) {
            const int8_t *src = d->input + ((size_t)(b * d->in_h + y) * d->in_w) * d->in_c;
            int32_t *rowp = planes + (size_t)(y + d->pad_top) * plane_row;
            if (ph == 1 && d->dm == 1) {
                int32_t *dst = rowp + (size_t)d->pad_left * oc;
                for (int i = 0; i < d->in_w * oc; i++)
                    dst[i] = src[i] - d->input_zp;
                continue;
            }
            for (int x = 0; x < d->in_w; x++) {
                int j = x + d->pad_left;
                int32_t *dst = rowp + (size_t)(j % ph) * plane + (size_t)(j / ph) * oc;
                const int8_t *px = src + (size_t)x * d->in_c;
                if (d->dm == 1) {
                    for (int i = 0; i < oc; i++)
                        dst[i] = px[i] - d->input_zp;
                } else {
                    for (int i = 0; i < d->in_c; i++)
                        for (int m = 0; m < d->dm; m++)
                            dst[i * d->dm + m] = px[i] - d->input_zp;
                }
            }
        }
        /* output column ox of tap (ky, kx) reads padded column j = ox s + kx dil: in plane
         * j % phases at j / phases, which is ox colstep + (kx dil) / phases there (phases is
         * 1 or s); xt[t] is where tap t reads for output pixel 0 of output row 0, step the
         * distance to the next output row */
        for (int ky = 0; ky < d->kh; ky++)
            for (int kx = 0; kx < d->kw; kx++) {
                int j = kx * d->dil_w;
                xt[ky * d->kw + kx] = planes + (size_t)(j % ph) * plane +
                    (size_t)(ky * d->dil_h) * plane_row + (size_t)(j / ph) * oc;
            }
        size_t step = (size_t)d->stride_h * plane_row;
        int8_t *out = d->output + (size_t)b * d->out_h * row;
        int i = 0;
#ifdef TINYRT_VNNI512
        if (taps == 9)
            i = depthwise_columns16(d, xt, 9, step, colstep, out);
        else
            i = depthwise_columns16(d, xt, taps, step, colstep, out);
#endif
        for (int oy = 0; oy < d->out_h; oy++)
            for (int c = i; c < row; c++) {
                size_t x = (size_t)oy * step + c + (size_t)(c / oc) * (colstep - 1) * oc;
                int32_t a = d->bias[c];
                for (int t = 0; t < taps; t++)
                    a += xt[t][x] * (int16_t)d->weights[(size_t)t * row + c];
                out[(size_t)oy * row + c] = requantize_one(a, d->mult[c], d->left[c],
                                                           d->right[c], d->output_zp,
                                                           d->act_min, d->act_max);
            }
    }
    return 0;
}

/* ---- SOFTMAX (int8 input) ------------------------------------------------------------------
 * TFLM's fixed-point softmax: exp of x - max from tables the caller built with gemmlowp's
 * exp_on_negative_values (Q0.31, and rescaled to the Q12.19 accumulation format), the sum's
 * reciprocal by gemmlowp's Newton-Raphson, one rounding shift per output. */

typedef struct {
    const int8_t *input;        /* [rows][depth] */
    void *output;               /* int8 or int16 [rows][depth] */
    const int32_t *exp_table;   /* [256], indexed by (uint8_t)(x - max) */
    const int32_t *sum_table;   /* [256], likewise */
    int32_t rows, depth, out_bits, out_min, out_max;
} tinyrt_softmax;

/* gemmlowp SaturatingRoundingDoublingHighMul */
static int32_t srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent */
static int32_t saturating_shift_left(int32_t x, int e)
{
    int32_t limit = (int32_t)((((int64_t)1) << (31 - e)) - 1);
    if (x > limit)
        return INT32_MAX;
    if (x < -limit)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out */
static int32_t one_over_one_plus_x(int32_t a)
{
    int64_t sum = (int64_t)a + INT32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    /* 48/17 - 32/17 d, Q2.29, then three Newton-Raphson steps */
    int32_t x = 1515870810 + srdhm(half_denominator, -1010580540);
    for (int i = 0; i < 3; i++) {
        int32_t hd_x = srdhm(half_denominator, x);
        x = x + saturating_shift_left(srdhm(x, (1 << 29) - hd_x), 2);
    }
    return saturating_shift_left(x, 1);
}

static int count_leading_zeros(uint32_t v)
{
    int n = 0;
    for (; n < 32 && !(v & 0x80000000u); n++)
        v <<= 1;
    return n;
}

int tinyrt_softmax_s8(const tinyrt_softmax *p)
{
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = p->input + (size_t)r * p->depth;
        int8_t mx = x[0];
        for (int i = 1; i < p->depth; i++)
            mx = x[i] > mx ? x[i] : mx;
        /* Q12.19 sum: every term is at most 2^19, and depth < 2^12 (the caller checks) */
        int32_t sum = 0;
        for (int i = 0; i < p->depth; i++)
            sum += p->sum_table[(uint8_t)(x[i] - mx)];
        if (sum <= 0)
            return -1;          /* the max's own term makes it positive */
        /* TFLM GetReciprocal(sum, 12 integer bits) */
        int headroom_plus_one = count_leading_zeros((uint32_t)sum);
        int32_t shifted = (int32_t)(((uint32_t)sum << headroom_plus_one) - (1u << 31));
        int32_t scale = one_over_one_plus_x(shifted);
        int exponent = 12 - headroom_plus_one + 31 - p->out_bits;
        int64_t rounding = (((int64_t)1 << exponent) >> 1) + ((int64_t)p->out_min << exponent);
        for (int i = 0; i < p->depth; i++) {
            int64_t e = p->exp_table[(uint8_t)(x[i] - mx)];
            int64_t v = (((e * scale + (1 << 30)) >> 31) + rounding) >> exponent;
            v = v < p->out_min ? p->out_min : v > p->out_max ? p->out_max : v;
            if (p->out_bits == 8)
                ((int8_t *)p->output)[(size_t)r * p->depth + i] = (int8_t)v;
            else
                ((int16_t *)p->output)[(size_t)r * p->depth + i] = (int16_t)v;
        }
    }
    return 0;
}

/* ---- AVERAGE_POOL_2D (int8) ------------------------------------------------------------------
 * TFLM's reference: the sum of the window's taps inside the input, divided by their count
 * with rounding half away from zero (C's truncating division), clamped. */

typedef struct {
    const int8_t *input;        /* [batches][in_h][in_w][c] */
    int8_t *output;             /* [batches][out_h][out_w][c] */
    int32_t *acc;               /* scratch [c] */
    int32_t batches, in_h, in_w, c, out_h, out_w;
    int32_t kh, kw, stride_h, stride_w, pad_top, pad_left, act_min, act_max;
} tinyrt_avgpool;

int tinyrt_avgpool_s8(const tinyrt_avgpool *p)
{
    int c = p->c;
    int32_t *acc = p->acc;
    for (int b = 0; b < p->batches; b++)
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left;
                int ya = y0 < 0 ? 0 : y0, yb = y0 + p->kh > p->in_h ? p->in_h : y0 + p->kh;
                int xa = x0 < 0 ? 0 : x0, xb = x0 + p->kw > p->in_w ? p->in_w : x0 + p->kw;
                int32_t count = (yb - ya) * (xb - xa);
                int8_t *out = p->output + ((size_t)(b * p->out_h + oy) * p->out_w + ox) * c;
                if (count <= 0)
                    return -1;      /* TFLM fails such a window; prepare refuses it first */
                memset(acc, 0, (size_t)c * sizeof *acc);
                for (int y = ya; y < yb; y++)
                    for (int x = xa; x < xb; x++) {
                        const int8_t *px = p->input +
                            ((size_t)(b * p->in_h + y) * p->in_w + x) * c;
                        for (int i = 0; i < c; i++)
                            acc[i] += px[i];
                    }
                for (int i = 0; i < c; i++) {
                    int32_t a = acc[i];
                    int32_t v = a > 0 ? (a + count / 2) / count : (a - count / 2) / count;
                    v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                    out[i] = (int8_t)v;
                }
            }
    return 0;
}

/* which of the fast paths this build has (reported by tinyrt.native.info()) */
int tinyrt_features(void)
{
#ifdef TINYRT_VNNI512
    return 1;
#else
    return 0;
#endif
}
