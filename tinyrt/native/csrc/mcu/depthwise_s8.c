/* int8 DEPTHWISE_CONV_2D for microcontrollers: TFLM's arithmetic with no work memory. Each
 * output pixel's channels are summed four at a time in registers along the window; taps
 * outside the input read the input's zero point, so they add nothing, as TFLM skips them.
 *
 * The op data as this file reads it (tinyrt/kernels/depthwise_conv.py, firmware levels):
 *   weights  int8: [out_c / 4][kh * kw][4], each block of 4 channels' taps together, on
 *            Cortex-M targets (the DSP extension) when dm == 1 and in_c % 4 == 0; else
 *            [kh * kw][out_c]
 *   bias     [out_c]: bias - input_zp * sum w, so that sums over raw input values equal TFLM's
 *            bias + sum (x - input_zp) w, modulo 2^32 as its int32 accumulator wraps
 *   mult, left, right  [out_c]
 *   planes, taps, acc, pad_h, plane_w and phases are not read.
 *
 * With the DSP extension, a word of 4 input channels and a word of their 4 weights are
 * unpacked by SXTB16 into halfword pairs (0, 2) and (1, 3), multiplied and added by SMLABB and
 * SMLATT; with Helium, 4 channels widen to int32 lanes for a VMUL and a VADD per tap. */
#include "../kernels/depthwise_s8.h"
#include "../fixedpoint.h"

static inline uint32_t load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

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

/* Helium: channels c .. c + 4 of one output pixel whose window starts at (iy0, ix0), weights
 * w [kh * kw][4]; ``inside``: the whole window lies in the input */
static inline void block4(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                          int ix0, int c, const int8_t *w, int inside, int8_t *out)
{
    const int col_step = d->dil_w * d->in_c, row_step = d->dil_h * d->in_w * d->in_c;
    int32x4_t s = vldrwq_s32(d->bias + c);
    if (inside && d->kh == 3 && d->kw == 3) {
        const int8_t *x = image + ((size_t)iy0 * d->in_w + ix0) * d->in_c + c;
        for (int ky = 0; ky < 3; ky++, x += row_step, w += 12) {
            s = mac4(s, vldrbq_s32(x), vldrbq_s32(w));
            s = mac4(s, vldrbq_s32(x + col_step), vldrbq_s32(w + 4));
            s = mac4(s, vldrbq_s32(x + 2 * col_step), vldrbq_s32(w + 8));
        }
    } else {
        const int32x4_t zp = vdupq_n_s32(d->input_zp);
        for (int ky = 0; ky < d->kh; ky++) {
            int iy = iy0 + ky * d->dil_h;
            int row_in = inside || (iy >= 0 && iy < d->in_h);
            for (int kx = 0; kx < d->kw; kx++, w += 4) {
                int ix = ix0 + kx * d->dil_w;
                int32x4_t v = zp;
                if (inside || (row_in && ix >= 0 && ix < d->in_w))
                    v = vldrbq_s32(image + ((size_t)iy * d->in_w + ix) * d->in_c + c);
                s = mac4(s, v, vldrbq_s32(w));
            }
        }
    }
    int32x4_t r = tinyrt_requantize4_mve(s, vldrwq_s32(d->mult + c), vldrwq_s32(d->left + c),
                                         vldrwq_s32(d->right + c));
    r = vaddq_s32(r, vdupq_n_s32(d->output_zp));
    r = vminq_s32(vmaxq_s32(r, vdupq_n_s32(d->act_min)), vdupq_n_s32(d->act_max));
    vstrbq_s32(out + c, r);
}

#elif defined(TINYRT_ARM_DSP)
/* s0..s3 += the 4 channels of input word x times weight word w */
#define MAC4(x, w) do { \
        uint32_t x_ = (x), w_ = (w); \
        uint32_t x02 = __sxtb16(x_), x13 = tinyrt_sxtb16_ror8(x_); \
        uint32_t w02 = __sxtb16(w_), w13 = tinyrt_sxtb16_ror8(w_); \
        s0 = __smlabb(x02, w02, s0); s2 = __smlatt(x02, w02, s2); \
        s1 = __smlabb(x13, w13, s1); s3 = __smlatt(x13, w13, s3); \
    } while (0)

/* channels c .. c + 4 of one output pixel whose window starts at (iy0, ix0), weights w
 * [kh * kw][4]; ``inside``: the whole window lies in the input (a constant after inlining, so
 * the checks go) */
static inline void block4(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                          int ix0, int c, const int8_t *w, int inside, int8_t *out)
{
    const int col_step = d->dil_w * d->in_c, row_step = d->dil_h * d->in_w * d->in_c;
    int32_t s0 = d->bias[c], s1 = d->bias[c + 1], s2 = d->bias[c + 2], s3 = d->bias[c + 3];
    if (inside && d->kh == 3 && d->kw == 3) {
        const int8_t *x = image + ((size_t)iy0 * d->in_w + ix0) * d->in_c + c;
        const int col_step2 = 2 * col_step;
        for (int ky = 0; ky < 3; ky++, x += row_step, w += 12) {
            MAC4(load32(x), load32(w));
            MAC4(load32(x + col_step), load32(w + 4));
            MAC4(load32(x + col_step2), load32(w + 8));
        }
    } else {
        const uint32_t zp4 = (uint32_t)(uint8_t)d->input_zp * 0x01010101u;
        for (int ky = 0; ky < d->kh; ky++) {
            int iy = iy0 + ky * d->dil_h;
            int row_in = inside || (iy >= 0 && iy < d->in_h);
            for (int kx = 0; kx < d->kw; kx++, w += 4) {
                int ix = ix0 + kx * d->dil_w;
                uint32_t v = zp4;
                if (inside || (row_in && ix >= 0 && ix < d->in_w))
                    v = load32(image + ((size_t)iy * d->in_w + ix) * d->in_c + c);
                MAC4(v, load32(w));
            }
        }
    }
    const int32_t zp = d->output_zp;
    const int32_t *mult = d->mult + c, *left = d->left + c, *right = d->right + c;
    int32_t s[4] = { s0, s1, s2, s3 };
    if (d->act_min == -128 && d->act_max == 127 && tinyrt_requantize_folds(left[0], right[0]) &&
        tinyrt_requantize_folds(left[1], right[1]) &&
        tinyrt_requantize_folds(left[2], right[2]) &&
        tinyrt_requantize_folds(left[3], right[3])) {
        for (int i = 0; i < 4; i++)
            out[c + i] = (int8_t)tinyrt_saturate_s8(tinyrt_requantize_folded(
                s[i], mult[i], tinyrt_folded_nudge(right[i]), right[i] - 1) + zp);
    } else {
        for (int i = 0; i < 4; i++)
            out[c + i] = (int8_t)tinyrt_requantize_clamp(s[i], mult[i], left[i], right[i], zp,
                                                         d->act_min, d->act_max);
    }
}
#endif

#if defined(TINYRT_ARM_DSP)
/* every 4 channels of one output pixel whose window starts at (iy0, ix0) */
static void pixel_blocks(const tinyrt_depthwise_s8_opdata *d, const int8_t *image, int iy0,
                         int ix0, int inside, int8_t *out)
{
    const int taps4 = 4 * d->kh * d->kw;
    const int8_t *w = (const int8_t *)d->weights;
    if (inside) {
        for (int c = 0; c < d->out_c; c += 4, w += taps4)
            block4(d, image, iy0, ix0, c, w, 1, out);
    } else {
        for (int c = 0; c < d->out_c; c += 4, w += taps4)
            block4(d, image, iy0, ix0, c, w, 0, out);
    }
}
#else
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
