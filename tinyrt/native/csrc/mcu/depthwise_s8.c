/* int8 DEPTHWISE_CONV_2D for microcontrollers: TFLM's arithmetic with at most one row of sums
 * as work memory. Each output pixel's channels are summed four at a time in registers along
 * the window; taps outside the input read the input's zero point, so they add nothing, as
 * TFLM skips them.
 *
 * The op data as this file reads it (tinyrt/kernels/depthwise_conv.py, firmware levels):
 *   weights  int8: [out_c / 4][kh * kw][4], each block of 4 channels' taps together, on
 *            Cortex-M targets (the DSP extension) when dm == 1 and in_c % 4 == 0; else
 *            [kh * kw][out_c]
 *   bias     [out_c]: bias - input_zp * sum w, so that sums over raw input values equal TFLM's
 *            bias + sum (x - input_zp) w, modulo 2^32 as its int32 accumulator wraps
 *   mult, left, right  [out_c]; on Cortex-M4 NULL where the weights are in blocks of 4
 *            channels and the requantization folds (tinyrt/kernels/conv.py
 *            folded_requantization): bias is then a table [out_c][4] of (bias, multiplier,
 *            nudge, shift) per channel, the values of tinyrt_requantize_folded_s8
 *   acc      work [out_c] on Cortex-M4 (the DSP extension without Helium) where the weights
 *            are in blocks of 4 channels: one pixel's sums; else not read
 *   nudge, fold_shift, planes, pairs, pad_h, plane_w and phases are not read.
 *
 * With the DSP extension, a word of 4 input channels and a word of their 4 weights are
 * unpacked by SXTB16 into halfword pairs (0, 2) and (1, 3), multiplied and added by SMLABB and
 * SMLATT; with Helium, 4 channels widen to int32 lanes for a VMUL and a VADD per tap. */
#include "../kernels/depthwise_s8.h"
#include "../fixedpoint.h"

/* any depth multiplier and channel count, one output channel at a time ([kh * kw][out_c]
 * weights) */
static void pixel_any(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                      int ix0, int8_t *out)
{
    for (int oc = 0; oc < d->out_c; oc++) {
        const int ic = oc / d->dm;
        const int8_t *w = (const int8_t *)d->weights + oc;
        uint32_t s = (uint32_t)d->bias[oc];
        for (int ky = 0; ky < d->kh; ky++) {
            int iy = iy0 + ky * d->dil_h;
            for (int kx = 0; kx < d->kw; kx++, w += d->out_c) {
                int ix = ix0 + kx * d->dil_w;
                int32_t x = d->input_zp;
                if (iy >= 0 && iy < d->in_h && ix >= 0 && ix < d->in_w)
                    x = image[((size_t)iy * d->in_w + ix) * d->in_c + ic];
                s += (uint32_t)(x * *w);
            }
        }
        out[oc] = (int8_t)tinyrt_requantize_clamp((int32_t)s, d->mult[oc], d->left[oc],
                                                  d->right[oc], d->output_zp, d->act_min,
                                                  d->act_max);
    }
}

#if defined(TINYRT_ARM_MVE)
/* s + x w over 4 int32 lanes: Helium multiplies and adds vectors by a scalar only (VMLA), so
 * a VMUL and a VADD */
static inline int32x4_t mac4(int32x4_t s, int32x4_t x, int32x4_t w)
{
    return vaddq_s32(s, vmulq_s32(x, w));
}

/* channels c .. c + 4's sums s requantized into out[c .. c + 4) */
static inline void store4(int32x4_t s, const int32_t *mult, const int32_t *left,
                          const int32_t *right, int c, int32x4_t zp, int32x4_t lo,
                          int32x4_t hi, int8_t *out)
{
    int32x4_t r = tinyrt_requantize4_mve(s, vldrwq_s32(mult + c), vldrwq_s32(left + c),
                                         vldrwq_s32(right + c));
    vstrbq_s32(out + c, vminq_s32(vmaxq_s32(vaddq_s32(r, zp), lo), hi));
}

/* Helium: every 4 channels of one output pixel whose window starts at (iy0, ix0), weights
 * [out_c / 4][kh * kw][4]; ``inside``: the whole window lies in the input. The op data's
 * fields are locals: the stores through int8_t pointers could alias it. */
static void pixel_blocks(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                         int ix0, int inside, int8_t *restrict out)
{
    const int out_c = d->out_c, kh = d->kh, kw = d->kw, taps4 = 4 * kh * kw;
    const int in_c = d->in_c, in_w = d->in_w, in_h = d->in_h;
    const int dil_h = d->dil_h, dil_w = d->dil_w;
    const int col_step = dil_w * in_c, row_step = dil_h * in_w * in_c;
    const int8_t *w = (const int8_t *)d->weights;
    const int32_t *bias = d->bias, *mult = d->mult, *left = d->left, *right = d->right;
    const int32x4_t zp = vdupq_n_s32(d->output_zp), lo = vdupq_n_s32(d->act_min);
    const int32x4_t hi = vdupq_n_s32(d->act_max), in_zp = vdupq_n_s32(d->input_zp);
    if (inside && kh == 3 && kw == 3) {
        const int8_t *x = image + ((size_t)iy0 * in_w + ix0) * in_c;
        for (int c = 0; c < out_c; c += 4, w += taps4, x += 4) {
            const int8_t *r0 = x, *r1 = x + row_step, *r2 = r1 + row_step;
            int32x4_t s = vldrwq_s32(bias + c);
            s = mac4(s, vldrbq_s32(r0), vldrbq_s32(w));
            s = mac4(s, vldrbq_s32(r0 + col_step), vldrbq_s32(w + 4));
            s = mac4(s, vldrbq_s32(r0 + 2 * col_step), vldrbq_s32(w + 8));
            s = mac4(s, vldrbq_s32(r1), vldrbq_s32(w + 12));
            s = mac4(s, vldrbq_s32(r1 + col_step), vldrbq_s32(w + 16));
            s = mac4(s, vldrbq_s32(r1 + 2 * col_step), vldrbq_s32(w + 20));
            s = mac4(s, vldrbq_s32(r2), vldrbq_s32(w + 24));
            s = mac4(s, vldrbq_s32(r2 + col_step), vldrbq_s32(w + 28));
            s = mac4(s, vldrbq_s32(r2 + 2 * col_step), vldrbq_s32(w + 32));
            store4(s, mult, left, right, c, zp, lo, hi, out);
        }
        return;
    }
    for (int c = 0; c < out_c; c += 4) {
        int32x4_t s = vldrwq_s32(bias + c);
        for (int ky = 0; ky < kh; ky++) {
            int iy = iy0 + ky * dil_h;
            int row_in = iy >= 0 && iy < in_h;
            for (int kx = 0; kx < kw; kx++, w += 4) {
                int ix = ix0 + kx * dil_w;
                int32x4_t v = in_zp;
                if (row_in && ix >= 0 && ix < in_w)
                    v = vldrbq_s32(image + ((size_t)iy * in_w + ix) * in_c + c);
                s = mac4(s, v, vldrbq_s32(w));
            }
        }
        store4(s, mult, left, right, c, zp, lo, hi, out);
    }
}

#elif defined(TINYRT_ARM_DSP)
/* One tap of 4 channels: input word at [%[x] + offset] times weight word [%[w]], 4 SMLAxy;
 * inline assembly keeps the sums in registers where GCC's scheduler, hoisting every load,
 * would spill them. */
#define TAP4(address) \
    "ldr %[xv], " address "\n\t" \
    "ldr %[wv], [%[w]], #4\n\t" \
    "sxtb16 %[xp], %[xv]\n\t" \
    "sxtb16 %[wp], %[wv]\n\t" \
    "smlabb %[s0], %[xp], %[wp], %[s0]\n\t" \
    "smlatt %[s2], %[xp], %[wp], %[s2]\n\t" \
    "sxtb16 %[xp], %[xv], ror #8\n\t" \
    "sxtb16 %[wp], %[wv], ror #8\n\t" \
    "smlabb %[s1], %[xp], %[wp], %[s1]\n\t" \
    "smlatt %[s3], %[xp], %[wp], %[s3]\n\t"
#define ROW3 TAP4("[%[r]]") TAP4("[%[r], %[cs]]") TAP4("[%[r], %[cs], lsl #1]")

/* s0..s3 += a 3x3 window of 4 channels: taps col_step and row_step bytes apart from x,
 * weights w [9][4] */
#define TAPS_3X3(x, w, col_step, row_step) do { \
        const int8_t *r_ = (x), *w_ = (w); \
        uint32_t xv, wv, xp, wp; \
        __asm__(ROW3 "add %[r], %[r], %[rs]\n\t" ROW3 "add %[r], %[r], %[rs]\n\t" ROW3 \
                : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [w] "+r"(w_), \
                  [r] "+r"(r_), [xv] "=&r"(xv), [wv] "=&r"(wv), [xp] "=&r"(xp), \
                  [wp] "=&r"(wp) \
                : [cs] "r"(col_step), [rs] "r"(row_step) \
                : "memory"); \
    } while (0)

/* s[0..4) += any window of 4 channels (weights w [kh * kw][4]) whose first tap is at
 * (iy0, ix0); taps outside the input read the zero point */
static void taps_any(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                     int ix0, int c, const int8_t *w, int32_t *s)
{
    const uint32_t zp4 = (uint32_t)(uint8_t)d->input_zp * 0x01010101u;
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (int ky = 0; ky < d->kh; ky++) {
        int iy = iy0 + ky * d->dil_h;
        int row_in = iy >= 0 && iy < d->in_h;
        for (int kx = 0; kx < d->kw; kx++, w += 4) {
            int ix = ix0 + kx * d->dil_w;
            uint32_t x = zp4;
            if (row_in && ix >= 0 && ix < d->in_w)
                x = tinyrt_load32(image + ((size_t)iy * d->in_w + ix) * d->in_c + c);
            uint32_t x02 = __sxtb16(x), x13 = tinyrt_sxtb16_ror8(x);
            uint32_t w02 = __sxtb16(tinyrt_load32(w)), w13 = tinyrt_sxtb16_ror8(tinyrt_load32(w));
            s0 = __smlabb(x02, w02, s0); s2 = __smlatt(x02, w02, s2);
            s1 = __smlabb(x13, w13, s1); s3 = __smlatt(x13, w13, s3);
        }
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
}

/* the sums of one output pixel's channels (sums) requantized into out */
static void store_row(const tinyrt_depthwise_s8_opdata *d, const int32_t *sums, int8_t *out)
{
    if (!d->mult)
        tinyrt_requantize_rows_folded_s8(sums, NULL, 0, d->out_c, d->bias, out, NULL);
    else
        tinyrt_requantize_row_s8(sums, d->out_c, d->mult, d->left, d->right, 1, d->output_zp,
                                 d->act_min, d->act_max, out);
}

/* every 4 channels of one output pixel whose window starts at (iy0, ix0), summed into the work
 * row acc, then requantized: two simple loops keep GCC from spilling around the taps'
 * assembly. A 3x3 window inside the input is read where it is, one crossing the border is
 * copied with the zero point into a window of 9 words first; other windows go tap by tap. */
static void pixel_blocks(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                         int ix0, int inside, int8_t *out)
{
    const int taps4 = 4 * d->kh * d->kw, out_c = d->out_c;
    const int8_t *w = (const int8_t *)d->weights;
    /* the biases: every value of bias, or every fourth of its table of prepared values */
    const int32_t *bias = d->bias;
    const int bs = d->mult ? 1 : 4;
    int32_t *sums = d->acc;
    if (d->kh != 3 || d->kw != 3) {
        for (int c = 0; c < out_c; c += 4, w += taps4) {
            for (int i = 0; i < 4; i++)
                sums[c + i] = bias[(c + i) * bs];
            taps_any(d, image, iy0, ix0, c, w, sums + c);
        }
    } else if (inside) {
        const int col_step = d->dil_w * d->in_c, row_step = d->dil_h * d->in_w * d->in_c;
        const int8_t *x = image + ((size_t)iy0 * d->in_w + ix0) * d->in_c;
        for (int c = 0; c < out_c; c += 4, w += taps4) {
            const int32_t *b = bias + c * bs;
            int32_t s0 = b[0], s1 = b[bs], s2 = b[2 * bs], s3 = b[3 * bs];
            TAPS_3X3(x + c, w, col_step, row_step);
            sums[c] = s0;
            sums[c + 1] = s1;
            sums[c + 2] = s2;
            sums[c + 3] = s3;
        }
    } else {
        /* the taps inside the input, and where they are relative to channel 0 */
        int offset[9], in[9];
        for (int t = 0; t < 9; t++) {
            int iy = iy0 + t / 3 * d->dil_h, ix = ix0 + t % 3 * d->dil_w;
            in[t] = iy >= 0 && iy < d->in_h && ix >= 0 && ix < d->in_w;
            offset[t] = in[t] ? (iy * d->in_w + ix) * d->in_c : 0;
        }
        const uint32_t zp4 = (uint32_t)(uint8_t)d->input_zp * 0x01010101u;
        uint32_t window[9];
        for (int c = 0; c < out_c; c += 4, w += taps4) {
            for (int t = 0; t < 9; t++)
                window[t] = in[t] ? tinyrt_load32(image + offset[t] + c) : zp4;
            const int32_t *b = bias + c * bs;
            int32_t s0 = b[0], s1 = b[bs], s2 = b[2 * bs], s3 = b[3 * bs];
            TAPS_3X3((const int8_t *)window, w, 4, 12);
            sums[c] = s0;
            sums[c + 1] = s1;
            sums[c + 2] = s2;
            sums[c + 3] = s3;
        }
    }
    store_row(d, sums, out);
}
#endif

#if !defined(TINYRT_ARM_DSP)
/* portable C: channels c .. c + 4 of one output pixel ([kh * kw][out_c] weights) */
static inline void pixel_block4(const tinyrt_depthwise_s8_opdata *d, const int8_t *image,
                                int iy0, int ix0, int c, int8_t *out)
{
    const int8_t *w = (const int8_t *)d->weights + c;
    int32_t s[4] = { d->bias[c], d->bias[c + 1], d->bias[c + 2], d->bias[c + 3] };
    for (int ky = 0; ky < d->kh; ky++) {
        int iy = iy0 + ky * d->dil_h;
        for (int kx = 0; kx < d->kw; kx++, w += d->out_c) {
            int ix = ix0 + kx * d->dil_w;
            int inside = iy >= 0 && iy < d->in_h && ix >= 0 && ix < d->in_w;
            for (int i = 0; i < 4; i++) {
                int32_t x = d->input_zp;
                if (inside)
                    x = image[((size_t)iy * d->in_w + ix) * d->in_c + c + i];
                s[i] = (int32_t)((uint32_t)s[i] + (uint32_t)(x * w[i]));
            }
        }
    }
    for (int i = 0; i < 4; i++)
        out[c + i] = (int8_t)tinyrt_requantize_clamp(s[i], d->mult[c + i], d->left[c + i],
                                                     d->right[c + i], d->output_zp,
                                                     d->act_min, d->act_max);
}

static void pixel_blocks(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                         int ix0, int inside, int8_t *out)
{
    (void)inside;
    for (int c = 0; c < d->out_c; c += 4)
        pixel_block4(d, image, iy0, ix0, c, out);
}
#endif

int tinyrt_depthwise_s8(const tinyrt_depthwise_s8_opdata *d)
{
    const int by4 = d->dm == 1 && d->in_c % 4 == 0;
    const int span_h = (d->kh - 1) * d->dil_h, span_w = (d->kw - 1) * d->dil_w;
    for (int b = 0; b < d->batches; b++) {
        const int8_t *image = d->input + (size_t)b * d->in_h * d->in_w * d->in_c;
        for (int oy = 0; oy < d->out_h; oy++) {
            int iy0 = oy * d->stride_h - d->pad_top;
            for (int ox = 0; ox < d->out_w; ox++) {
                int ix0 = ox * d->stride_w - d->pad_left;
                int8_t *out = d->output +
                    (((size_t)b * d->out_h + oy) * d->out_w + ox) * d->out_c;
                if (!by4)
                    pixel_any(d, image, iy0, ix0, out);
                else
                    pixel_blocks(d, image, iy0, ix0, iy0 >= 0 && ix0 >= 0 &&
                                 iy0 + span_h < d->in_h && ix0 + span_w < d->in_w, out);
            }
        }
    }
    return TINYRT_OK;
}
