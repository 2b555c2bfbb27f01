/* int8 CONV_2D and FULLY_CONNECTED for microcontrollers: TFLM's arithmetic in a few hundred
 * bytes of work memory. Two output pixels at a time, their windows are copied as int16 into
 * ``col`` (padded taps hold the input's zero point), then every output channel's two sums run
 * along the window; the sums are requantized as they finish, so nothing larger than two
 * columns is ever held.
 *
 * The op data as this file reads it (tinyrt/kernels/conv.py, firmware levels):
 *   weights  int8 [out_c][kp], the window's taps zero-padded to kp, a multiple of 4
 *   corr     [out_c]: bias - input_zp * sum w, so that the sums over raw input values equal
 *            TFLM's bias + sum (x - input_zp) w, modulo 2^32 as its int32 accumulator wraps
 *   col      work: 2 * kp int16
 *   acc, padded, pad_h, pad_w and op are not read.
 *
 * With the DSP extension (Cortex-M4, M7, M33, M55) the columns hold each group of 4 taps in
 * the order SXTB16 unpacks a word of 4 weights, (0, 2), (1, 3), so one load and two SXTB16
 * give a weight pair per SMLAD and the weights stay int8 in flash. */
#include "../kernels/conv_s8.h"
#include "../fixedpoint.h"

/* one output pixel's window into col[0 .. kp) */
static void window_column(const tinyrt_conv_s8_opdata *c, int b, int oy, int ox, int16_t *col)
{
    const int in_c = c->in_c;
    const int16_t zp = (int16_t)c->input_zp;
    int16_t *dst = col;
    for (int ky = 0; ky < c->kh; ky++) {
        int iy = oy * c->stride_h - c->pad_top + ky * c->dil_h;
        for (int kx = 0; kx < c->kw; kx++) {
            int ix = ox * c->stride_w - c->pad_left + kx * c->dil_w;
            if (iy < 0 || iy >= c->in_h || ix < 0 || ix >= c->in_w) {
                for (int i = 0; i < in_c; i++)
                    dst[i] = zp;
            } else {
                const int8_t *src = c->input +
                    (((size_t)b * c->in_h + iy) * c->in_w + ix) * in_c;
                for (int i = 0; i < in_c; i++)
                    dst[i] = src[i];
            }
            dst += in_c;
        }
    }
    for (int16_t *end = col + c->kp; dst < end; dst++)
        *dst = 0;
#if defined(TINYRT_ARM_DSP)
    /* each group of 4 taps as (0, 2, 1, 3), the pairs SXTB16 makes of a word of weights */
    for (int k = 0; k < c->kp; k += 4) {
        int16_t t = col[k + 1];
        col[k + 1] = col[k + 2];
        col[k + 2] = t;
    }
#endif
}

#if defined(TINYRT_ARM_DSP)
static inline uint32_t load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* the sums of weights rows w0 and w1 with columns x0 and x1 (kp / 4 groups) */
static inline void dot_2x2(const int8_t *w0, const int8_t *w1, const int16_t *x0,
                           const int16_t *x1, int groups, int32_t *s)
{
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
    for (int g = 0; g < groups; g++) {
        uint32_t a = load32(w0), b = load32(w1);
        uint32_t a02 = __sxtb16(a), a13 = __sxtb16((a >> 8) | (a << 24));
        uint32_t b02 = __sxtb16(b), b13 = __sxtb16((b >> 8) | (b << 24));
        uint32_t x02 = load32(x0), x13 = load32(x0 + 2);
        uint32_t y02 = load32(x1), y13 = load32(x1 + 2);
        s00 = __smlad(a02, x02, s00); s00 = __smlad(a13, x13, s00);
        s10 = __smlad(a02, y02, s10); s10 = __smlad(a13, y13, s10);
        s01 = __smlad(b02, x02, s01); s01 = __smlad(b13, x13, s01);
        s11 = __smlad(b02, y02, s11); s11 = __smlad(b13, y13, s11);
        w0 += 4; w1 += 4; x0 += 4; x1 += 4;
    }
    s[0] = s00; s[1] = s01; s[2] = s10; s[3] = s11;
}

static inline int32_t dot_1x1(const int8_t *w, const int16_t *x, int groups, int32_t s)
{
    for (int g = 0; g < groups; g++) {
        uint32_t a = load32(w);
        s = __smlad(__sxtb16(a), load32(x), s);
        s = __smlad(__sxtb16((a >> 8) | (a << 24)), load32(x + 2), s);
        w += 4; x += 4;
    }
    return s;
}
#else
static inline void dot_2x2(const int8_t *w0, const int8_t *w1, const int16_t *x0,
                           const int16_t *x1, int groups, int32_t *s)
{
    /* unsigned sums: they wrap as TFLM's int32 accumulator does, without C's overflow */
    uint32_t s00 = (uint32_t)s[0], s01 = (uint32_t)s[1], s10 = (uint32_t)s[2];
    uint32_t s11 = (uint32_t)s[3];
    for (int k = 0; k < 4 * groups; k++) {
        s00 += (uint32_t)(w0[k] * x0[k]);
        s01 += (uint32_t)(w1[k] * x0[k]);
        s10 += (uint32_t)(w0[k] * x1[k]);
        s11 += (uint32_t)(w1[k] * x1[k]);
    }
    s[0] = (int32_t)s00; s[1] = (int32_t)s01; s[2] = (int32_t)s10; s[3] = (int32_t)s11;
}

static inline int32_t dot_1x1(const int8_t *w, const int16_t *x, int groups, int32_t s)
{
    uint32_t u = (uint32_t)s;
    for (int k = 0; k < 4 * groups; k++)
        u += (uint32_t)(w[k] * x[k]);
    return (int32_t)u;
}
#endif

static inline int8_t output_value(const tinyrt_conv_s8_opdata *c, int32_t acc, int o)
{
    return (int8_t)tinyrt_requantize_clamp(acc, c->mult[o], c->left[o], c->right[o],
                                           c->output_zp, c->act_min, c->act_max);
}

int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    const int out_c = c->out_c, kp = c->kp, groups = c->kp / 4;
    const int8_t *w = (const int8_t *)c->weights;
    int16_t *col0 = (int16_t *)c->col, *col1 = col0 + kp;
    const int pixels = c->out_h * c->out_w;
    for (int b = 0; b < c->batches; b++) {
        int8_t *out = c->output + (size_t)b * pixels * out_c;
        for (int p = 0; p < pixels; p += 2) {
            int pair = p + 1 < pixels;
            window_column(c, b, p / c->out_w, p % c->out_w, col0);
            if (pair)
                window_column(c, b, (p + 1) / c->out_w, (p + 1) % c->out_w, col1);
            int8_t *o0 = out + (size_t)p * out_c, *o1 = o0 + out_c;
            int o = 0;
            if (pair) {
                for (; o + 2 <= out_c; o += 2) {
                    int32_t s[4] = { c->corr[o], c->corr[o + 1], c->corr[o], c->corr[o + 1] };
                    dot_2x2(w + (size_t)o * kp, w + (size_t)(o + 1) * kp, col0, col1, groups, s);
                    o0[o] = output_value(c, s[0], o);
                    o0[o + 1] = output_value(c, s[1], o + 1);
                    o1[o] = output_value(c, s[2], o);
                    o1[o + 1] = output_value(c, s[3], o + 1);
                }
                if (o < out_c) {
                    const int8_t *wo = w + (size_t)o * kp;
                    o0[o] = output_value(c, dot_1x1(wo, col0, groups, c->corr[o]), o);
                    o1[o] = output_value(c, dot_1x1(wo, col1, groups, c->corr[o]), o);
                }
            } else {
                for (; o < out_c; o++)
                    o0[o] = output_value(c, dot_1x1(w + (size_t)o * kp, col0, groups,
                                                    c->corr[o]), o);
            }
        }
    }
    return TINYRT_OK;
}
