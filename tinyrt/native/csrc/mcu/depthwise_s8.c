/* int8 DEPTHWISE_CONV_2D for microcontrollers: TFLM's arithmetic with no work memory. Each
 * output pixel's channels are summed four at a time in registers along the window; taps
 * outside the input read the input's zero point, so they add nothing, as TFLM skips them.
 *
 * The op data as this file reads it (tinyrt/kernels/depthwise_conv.py, firmware levels):
 *   weights  int8 [kh * kw][out_c]
 *   bias     [out_c]: bias - input_zp * sum w, so that sums over raw input values equal TFLM's
 *            bias + sum (x - input_zp) w, modulo 2^32 as its int32 accumulator wraps
 *   mult, left, right  [out_c]
 *   planes, taps, acc, pad_h, plane_w and phases are not read.
 *
 * With the DSP extension, a word of 4 input channels and a word of their 4 weights are
 * unpacked by SXTB16 into halfword pairs (0, 2) and (1, 3), multiplied and added by SMLABB and
 * SMLATT. */
#include "../kernels/depthwise_s8.h"
#include "../fixedpoint.h"

static inline uint32_t load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* s[0..4) += the 4 channels of input word x times weight word w */
static inline void mac4(uint32_t x, uint32_t w, int32_t *s)
{
#if defined(TINYRT_ARM_DSP)
    uint32_t x02 = __sxtb16(x), x13 = __sxtb16((x >> 8) | (x << 24));
    uint32_t w02 = __sxtb16(w), w13 = __sxtb16((w >> 8) | (w << 24));
    s[0] = __smlabb(x02, w02, s[0]);
    s[2] = __smlatt(x02, w02, s[2]);
    s[1] = __smlabb(x13, w13, s[1]);
    s[3] = __smlatt(x13, w13, s[3]);
#else
    for (int i = 0; i < 4; i++) {
        int32_t xi = (int8_t)(uint8_t)(x >> (8 * i)), wi = (int8_t)(uint8_t)(w >> (8 * i));
        s[i] = (int32_t)((uint32_t)s[i] + (uint32_t)(xi * wi));
    }
#endif
}

/* channels c .. c + 4 of one output pixel whose window starts at (iy0, ix0); ``inside``: the
 * whole window lies in the input (a constant after inlining, so the checks go) */
static inline void pixel_block4(const tinyrt_depthwise_s8_opdata *d, const int8_t *image,
                                int iy0, int ix0, int c, int inside, int8_t *out)
{
    const int8_t *w = (const int8_t *)d->weights + c;
    const uint32_t zp4 = (uint32_t)(uint8_t)d->input_zp * 0x01010101u;
    int32_t s[4] = { d->bias[c], d->bias[c + 1], d->bias[c + 2], d->bias[c + 3] };
    for (int ky = 0; ky < d->kh; ky++) {
        int iy = iy0 + ky * d->dil_h;
        int row_in = inside || (iy >= 0 && iy < d->in_h);
        for (int kx = 0; kx < d->kw; kx++, w += d->out_c) {
            int ix = ix0 + kx * d->dil_w;
            uint32_t x = zp4;
            if (inside || (row_in && ix >= 0 && ix < d->in_w))
                x = load32(image + ((size_t)iy * d->in_w + ix) * d->in_c + c);
            mac4(x, load32(w), s);
        }
    }
    for (int i = 0; i < 4; i++)
        out[c + i] = (int8_t)tinyrt_requantize_clamp(s[i], d->mult[c + i], d->left[c + i],
                                                     d->right[c + i], d->output_zp,
                                                     d->act_min, d->act_max);
}

/* any depth multiplier and channel count, one output channel at a time */
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
                if (!by4) {
                    pixel_any(d, image, iy0, ix0, out);
                } else if (iy0 >= 0 && ix0 >= 0 && iy0 + span_h < d->in_h &&
                           ix0 + span_w < d->in_w) {
                    for (int c = 0; c < d->out_c; c += 4)
                        pixel_block4(d, image, iy0, ix0, c, 1, out);
                } else {
                    for (int c = 0; c < d->out_c; c += 4)
                        pixel_block4(d, image, iy0, ix0, c, 0, out);
                }
            }
        }
    }
    return TINYRT_OK;
}
