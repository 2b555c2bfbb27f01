/* int8 CONV_2D and FULLY_CONNECTED for microcontrollers: TFLM's arithmetic in a few windows'
 * worth of work memory (a kilobyte at most for the usual models). A few output pixels at a
 * time, every output channel's sums run along their windows and are requantized as they
 * finish, so nothing larger than a few windows is ever held. A pointwise convolution (1x1,
 * unit strides, unpadded) reads its windows, the input's pixels, where they are; other
 * windows are gathered as bytes into ``col``, taps outside the input holding the input's zero
 * point.
 *
 * The op data as this file reads it (tinyrt/kernels/conv.py, firmware levels):
 *   corr     [out_c]: bias - input_zp * sum w, so that the sums over raw input values equal
 *            TFLM's bias + sum (x - input_zp) w, modulo 2^32 as its int32 accumulator wraps
 *   mult, left, right  [out_c]; on Cortex-M4 NULL for a layer with an even channel count whose
 *            requantization folds (tinyrt/kernels/conv.py folded_requantization): corr is then
 *            a table [out_c][4] of (corr, multiplier, nudge, shift) per channel, the values of
 *            tinyrt_requantize_folded_s8, one load base for all of a channel's values
 *   weights, col  by target:
 *     Cortex-M4 (the DSP extension, no Helium): int8 [out_c / 2][kp / 4][2][4], the window's
 *       taps zero-padded to kp (a multiple of 4), channels paired (an odd last channel with a
 *       zero one); col holds two pixels' windows as int16, 4 taps of one pixel then the same 4
 *       of the other, each 4 in the order (0, 2, 1, 3) that SXTB16 and SXTB16 ROR 8 unpack a
 *       word of 4 weights in, so one load and two SXTB16 give the weight pairs of 4 SMLADs.
 *       [2][kp] int16, then kp bytes where windows are gathered unless the layer is pointwise
 *       with in_c % 4 == 0; NULL for such a layer whose windows are unpacked as they are read
 *       (a single pixel, or a long window: FULLY_CONNECTED).
 *     Cortex-M55 (Helium): int8 [out_c][kp]; col [4][kp] bytes, four pixels' windows.
 *     other targets (portable C): int8 [out_c][kp]; col kp bytes.
 *   A pointwise layer's pixels are copied into col before any of their outputs is stored, as
 *   the compact plan may put the output over the input (tinyrt/memory/streaming.py); col is
 *   NULL, and the input read where it is, only for FULLY_CONNECTED, whose output never
 *   overlaps its input.
 *   nudge, fold_shift, acc, padded, koff, pad_h, pad_w and op are not read. */
#include "../kernels/conv_s8.h"
#include "../fixedpoint.h"

/* Windows' rows are short, often a few bytes: their copies go a word at a time where they can
 * (unaligned words are fine on every target), and GCC is kept from turning them into calls to
 * memset and memcpy, whose overhead would exceed the copying. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

static int is_pointwise(const tinyrt_conv_s8_opdata *c)
{
    return c->kh == 1 && c->kw == 1 && c->stride_h == 1 && c->stride_w == 1 &&
           c->pad_top == 0 && c->pad_left == 0 && c->out_h == c->in_h && c->out_w == c->in_w;
}

static inline void fill_bytes(int8_t *dst, int8_t v, int n)
{
    const uint32_t v4 = (uint32_t)(uint8_t)v * 0x01010101u;
    int i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(dst + i, &v4, 4);
    for (; i < n; i++)
        dst[i] = v;
}

static inline void copy_bytes(int8_t *dst, const int8_t *src, int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4)
        memcpy(dst + i, src + i, 4);
    for (; i < n; i++)
        dst[i] = src[i];
}

/* output pixel p of batch b's window into dst[0 .. kp): taps outside the input hold the
 * input's zero point, those past the window 0 (their weights are 0) */
static void gather_window(const tinyrt_conv_s8_opdata *c, int b, int p, int8_t *dst)
{
    const int in_c = c->in_c, in_w = c->in_w, kw = c->kw, dil_w = c->dil_w;
    const int8_t zp = (int8_t)c->input_zp;
    const int iy0 = p / c->out_w * c->stride_h - c->pad_top;
    const int ix0 = p % c->out_w * c->stride_w - c->pad_left;
    const int8_t *image = c->input + (size_t)b * c->in_h * in_w * in_c;
    /* the taps kx in [kx0, kx1) lie inside the input's width, the same on every row */
    int kx0 = 0, kx1 = kw;
    while (kx0 < kx1 && ix0 + kx0 * dil_w < 0)
        kx0++;
    while (kx1 > kx0 && ix0 + (kx1 - 1) * dil_w >= in_w)
        kx1--;
    const int row = kw * in_c;
    int8_t *end = dst + c->kp;
    for (int ky = 0; ky < c->kh; ky++, dst += row) {
        int iy = iy0 + ky * c->dil_h;
        if (iy < 0 || iy >= c->in_h) {
            fill_bytes(dst, zp, row);
            continue;
        }
        fill_bytes(dst, zp, kx0 * in_c);
        const int8_t *src = image + ((size_t)iy * in_w + ix0 + kx0 * dil_w) * in_c;
        if (dil_w == 1) {
            copy_bytes(dst + kx0 * in_c, src, (kx1 - kx0) * in_c);
        } else {
            for (int kx = kx0; kx < kx1; kx++, src += (size_t)dil_w * in_c)
                copy_bytes(dst + kx * in_c, src, in_c);
        }
        fill_bytes(dst + kx1 * in_c, zp, (kw - kx1) * in_c);
    }
    fill_bytes(dst, 0, (int)(end - dst));
}

#if defined(TINYRT_ARM_MVE)
/* Helium: four pixels' windows x[0..4) against one channel's weights w, 16 taps per
 * VMLADAVA; n taps, the last ones predicated */
static inline int32x4_t dot_4x1(const int8_t *w, const int8_t *const *x, int n, int32_t init)
{
    const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
    int32_t s0 = init, s1 = init, s2 = init, s3 = init;
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        int8x16_t wv = vld1q_s8(w + k);
        s0 = vmladavaq_s8(s0, vld1q_s8(x0 + k), wv);
        s1 = vmladavaq_s8(s1, vld1q_s8(x1 + k), wv);
        s2 = vmladavaq_s8(s2, vld1q_s8(x2 + k), wv);
        s3 = vmladavaq_s8(s3, vld1q_s8(x3 + k), wv);
    }
    if (k < n) {
        mve_pred16_t p = vctp8q((uint32_t)(n - k));
        int8x16_t wv = vldrbq_z_s8(w + k, p);
        s0 = vmladavaq_p_s8(s0, vldrbq_z_s8(x0 + k, p), wv, p);
        s1 = vmladavaq_p_s8(s1, vldrbq_z_s8(x1 + k, p), wv, p);
        s2 = vmladavaq_p_s8(s2, vldrbq_z_s8(x2 + k, p), wv, p);
        s3 = vmladavaq_p_s8(s3, vldrbq_z_s8(x3 + k, p), wv, p);
    }
    int32x4_t v = vdupq_n_s32(s0);
    v = vsetq_lane_s32(s1, v, 1);
    v = vsetq_lane_s32(s2, v, 2);
    return vsetq_lane_s32(s3, v, 3);
}

int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    const int out_c = c->out_c, kp = c->kp, pointwise = is_pointwise(c);
    const int8_t *w = (const int8_t *)c->weights;
    /* a pointwise layer's pixels follow one another across the batches */
    const int images = pointwise ? 1 : c->batches;
    const int pixels = c->out_h * c->out_w * (pointwise ? c->batches : 1);
    const int n = pointwise ? c->in_c : kp;
    const int32x4_t zp = vdupq_n_s32(c->output_zp), lo = vdupq_n_s32(c->act_min);
    const int32x4_t hi = vdupq_n_s32(c->act_max);
    /* the four pixels' outputs lie out_c bytes apart */
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)out_c);
    for (int b = 0; b < images; b++) {
        int8_t *out = c->output + (size_t)b * pixels * out_c;
        for (int p = 0; p < pixels; p += 4) {
            const int count = pixels - p < 4 ? pixels - p : 4;
            const int8_t *x[4];
            for (int i = 0; i < 4; i++) {
                int q = p + (i < count ? i : count - 1);
                if (pointwise && c->col == NULL) {
                    x[i] = c->input + (size_t)q * c->in_c;
                } else if (pointwise) {
                    /* copied before any output of these pixels is stored: the output may
                     * overlap the input (the compact plan) */
                    int8_t *col = (int8_t *)c->col + (size_t)i * kp;
                    if (i < count)
                        copy_bytes(col, c->input + (size_t)q * c->in_c, c->in_c);
                    x[i] = (int8_t *)c->col + (size_t)(i < count ? i : count - 1) * kp;
                } else {
                    int8_t *col = (int8_t *)c->col + (size_t)i * kp;
                    if (i < count)
                        gather_window(c, b, q, col);
                    x[i] = (int8_t *)c->col + (size_t)(i < count ? i : count - 1) * kp;
                }
            }
            const mve_pred16_t keep = vctp32q((uint32_t)count);
            int8_t *o_px = out + (size_t)p * out_c;
            for (int o = 0; o < out_c; o++) {
                int32x4_t s = dot_4x1(w + (size_t)o * kp, x, n, c->corr[o]);
                int32x4_t r = tinyrt_requantize4_mve_n(s, c->mult[o], c->left[o], c->right[o]);
                r = vminq_s32(vmaxq_s32(vaddq_s32(r, zp), lo), hi);
                vstrbq_scatter_offset_p_s32(o_px + o, offsets, r, keep);
            }
        }
    }
    return TINYRT_OK;
}

#elif defined(TINYRT_ARM_DSP)
/* channel o's sum s requantized into out[o] */
static inline void store_pixel(const tinyrt_conv_s8_opdata *c, int o, int32_t s, int8_t *out)
{
    out[o] = (int8_t)tinyrt_requantize_clamp(s, c->mult[o], c->left[o], c->right[o],
                                             c->output_zp, c->act_min, c->act_max);
}

/* one pixel's 4n window bytes widened into its int16 column slot: 4 taps as (0, 2, 1, 3) at
 * col[0..4), the next 4 at col[8..12) (the other pixel's slot interleaves) */
static void widen_window(const int8_t *src, int n, int16_t *col)
{
    for (int k = 0; k < n; k += 4, col += 8) {
        uint32_t v = tinyrt_load32(src + k);
        uint32_t even = __sxtb16(v), odd = tinyrt_sxtb16_ror8(v);
        memcpy(col, &even, 4);
        memcpy(col + 2, &odd, 4);
    }
}

/* 4 taps of channels a, b (weight words) against pixel halfword pairs x02, x13 and y02, y13 */
#define MAC_2X2(a, b, x02, x13, y02, y13) do { \
        uint32_t a02 = __sxtb16(a), a13 = tinyrt_sxtb16_ror8(a); \
        uint32_t b02 = __sxtb16(b), b13 = tinyrt_sxtb16_ror8(b); \
        s00 = __smlad(a02, x02, s00); s00 = __smlad(a13, x13, s00); \
        s01 = __smlad(b02, x02, s01); s01 = __smlad(b13, x13, s01); \
        s10 = __smlad(a02, y02, s10); s10 = __smlad(a13, y13, s10); \
        s11 = __smlad(b02, y02, s11); s11 = __smlad(b13, y13, s11); \
    } while (0)

/* 4 taps of a channel pair against the two interleaved columns, in registers GCC's scheduler
 * would otherwise spill from (it hoists every load): LDRD the pair's weight words, unpack
 * them, then LDRD each pixel's halfword pairs for 4 SMLADs */
#define GROUP_2X2 \
    "ldrd %[a], %[b], [%[w]], #8\n\t" \
    "sxtb16 %[a02], %[a]\n\t" \
    "sxtb16 %[a], %[a], ror #8\n\t" \
    "sxtb16 %[b02], %[b]\n\t" \
    "sxtb16 %[b], %[b], ror #8\n\t" \
    "ldrd %[p], %[q], [%[x]], #8\n\t" \
    "smlad %[s00], %[a02], %[p], %[s00]\n\t" \
    "smlad %[s00], %[a], %[q], %[s00]\n\t" \
    "smlad %[s01], %[b02], %[p], %[s01]\n\t" \
    "smlad %[s01], %[b], %[q], %[s01]\n\t" \
    "ldrd %[p], %[q], [%[x]], #8\n\t" \
    "smlad %[s10], %[a02], %[p], %[s10]\n\t" \
    "smlad %[s10], %[a], %[q], %[s10]\n\t" \
    "smlad %[s11], %[b02], %[p], %[s11]\n\t" \
    "smlad %[s11], %[b], %[q], %[s11]\n\t"

/* channel pair w ([kp / 4][2][4]) against the two interleaved int16 columns x; s[0], s[1]:
 * the first pixel's channels, s[2], s[3] the second's */
static inline void dot_2x2(const int8_t *w, const int16_t *x, int kp, int32_t *s)
{
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
    uint32_t a, b, a02, b02, p, q;
    int k = kp;
#define DOT_OPERANDS [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), \
        [w] "+r"(w), [x] "+r"(x), [a] "=&r"(a), [b] "=&r"(b), [a02] "=&r"(a02), \
        [b02] "=&r"(b02), [p] "=&r"(p), [q] "=&r"(q)
    for (; k >= 8; k -= 8)
        __asm__(GROUP_2X2 GROUP_2X2 : DOT_OPERANDS : : "memory");
    if (k)
        __asm__(GROUP_2X2 : DOT_OPERANDS : : "memory");
#undef DOT_OPERANDS
    s[0] = s00; s[1] = s01; s[2] = s10; s[3] = s11;
}

/* the same with the two pixels' int8 windows x0, x1 unpacked as they are read */
static inline void dot_2x2_s8(const int8_t *w, const int8_t *x0, const int8_t *x1, int kp,
                              int32_t *s)
{
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
    for (int k = 0; k < kp; k += 4, w += 8) {
        uint32_t u = tinyrt_load32(x0 + k), v = tinyrt_load32(x1 + k);
        MAC_2X2(tinyrt_load32(w), tinyrt_load32(w + 4), __sxtb16(u), tinyrt_sxtb16_ror8(u), __sxtb16(v),
                tinyrt_sxtb16_ror8(v));
    }
    s[0] = s00; s[1] = s01; s[2] = s10; s[3] = s11;
}

/* Every output channel of two pixels: their int16 columns col, or where col is NULL their
 * int8 windows x0, x1 (the same for an odd last pixel, whose outputs are then stored twice).
 * The outputs are restrict: stores through int8_t pointers could otherwise alias the op data,
 * and GCC would load its fields again after every output. */
static void channel_pairs(const tinyrt_conv_s8_opdata *c, const int16_t *col, const int8_t *x0,
                          const int8_t *x1, int8_t *restrict out0, int8_t *restrict out1)
{
    const int out_c = c->out_c, kp = c->kp;
    const int8_t *wo = (const int8_t *)c->weights;
    if (!c->mult) {
        /* a table of prepared channel values, an even number of channels (see the top) */
        const int32_t *ch = c->corr;
        for (int o = 0; o < out_c; o += 2, wo += 2 * kp, ch += 8) {
            int32_t s[4] = { ch[0], ch[4], ch[0], ch[4] };
            if (col)
                dot_2x2(wo, col, kp, s);
            else
                dot_2x2_s8(wo, x0, x1, kp, s);
            /* all four values before any store, which GCC could not otherwise tell apart
             * from the table */
            const int32_t v00 = tinyrt_requantize_folded_s8(s[0], ch);
            const int32_t v10 = tinyrt_requantize_folded_s8(s[2], ch);
            const int32_t v01 = tinyrt_requantize_folded_s8(s[1], ch + 4);
            const int32_t v11 = tinyrt_requantize_folded_s8(s[3], ch + 4);
            out0[o] = (int8_t)v00;
            out1[o] = (int8_t)v10;
            out0[o + 1] = (int8_t)v01;
            out1[o + 1] = (int8_t)v11;
        }
        return;
    }
    const int32_t *corr = c->corr;
    for (int o = 0; o < out_c; o += 2, wo += 2 * kp) {
        /* past an odd last channel, o1 == o: its outputs are stored first, then overwritten
         * by channel o's */
        const int o1 = o + 1 < out_c ? o + 1 : o;
        int32_t s[4] = { corr[o], corr[o1], corr[o], corr[o1] };
        if (col)
            dot_2x2(wo, col, kp, s);
        else
            dot_2x2_s8(wo, x0, x1, kp, s);
        store_pixel(c, o1, s[1], out0);
        store_pixel(c, o1, s[3], out1);
        store_pixel(c, o, s[0], out0);
        store_pixel(c, o, s[2], out1);
    }
}

int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    const int out_c = c->out_c, kp = c->kp, in_c = c->in_c, pointwise = is_pointwise(c);
    const int8_t *input = c->input;
    int16_t *col = (int16_t *)c->col;
    int8_t *window = col ? (int8_t *)(col + 2 * kp) : NULL;
    const int direct = col == NULL, from_input = pointwise && in_c % 4 == 0;
    /* a pointwise layer's pixels follow one another across the batches */
    const int images = pointwise ? 1 : c->batches;
    const int pixels = c->out_h * c->out_w * (pointwise ? c->batches : 1);
    for (int b = 0; b < images; b++) {
        int8_t *out = c->output + (size_t)b * pixels * out_c;
        for (int p = 0; p < pixels; p += 2) {
            /* an odd last pixel is paired with itself: its second outputs are the same values
             * stored again */
            const int q = p + 1 < pixels ? p + 1 : p;
            const int8_t *x0 = window, *x1 = window;
            if (direct || from_input) {
                x0 = input + (size_t)p * in_c;
                x1 = input + (size_t)q * in_c;
            }
            if (!direct) {
                for (int slot = 0; slot < 2; slot++) {
                    const int8_t *src = slot ? x1 : x0;
                    if (!from_input) {
                        gather_window(c, b, slot ? q : p, window);
                        src = window;
                    }
                    widen_window(src, kp, col + 4 * slot);
                }
            }
            channel_pairs(c, direct ? NULL : col, x0, x1, out + (size_t)p * out_c,
                          out + (size_t)q * out_c);
        }
    }
    return TINYRT_OK;
}

#else
/* portable C: one pixel and one channel at a time */
int tinyrt_conv_s8(const tinyrt_conv_s8_opdata *c)
{
    const int out_c = c->out_c, kp = c->kp, pointwise = is_pointwise(c);
    const int8_t *w = (const int8_t *)c->weights;
    const int images = pointwise ? 1 : c->batches;
    const int pixels = c->out_h * c->out_w * (pointwise ? c->batches : 1);
    const int depth = c->kh * c->kw * c->in_c;
    for (int b = 0; b < images; b++) {
        int8_t *out = c->output + (size_t)b * pixels * out_c;
        for (int p = 0; p < pixels; p++, out += out_c) {
            const int8_t *x = c->input + (size_t)p * c->in_c;
            if (!pointwise) {
                gather_window(c, b, p, (int8_t *)c->col);
                x = (const int8_t *)c->col;
            } else if (c->col != NULL) {
                /* copied before the pixel's outputs are stored over it (compact plan) */
                copy_bytes((int8_t *)c->col, x, c->in_c);
                x = (const int8_t *)c->col;
            }
            for (int o = 0; o < out_c; o++) {
                const int8_t *wo = w + (size_t)o * kp;
                /* unsigned sums: they wrap as TFLM's int32 accumulator does, without C's
                 * overflow */
                uint32_t s = (uint32_t)c->corr[o];
                for (int k = 0; k < depth; k++)
                    s += (uint32_t)(wo[k] * x[k]);
                out[o] = (int8_t)tinyrt_requantize_clamp((int32_t)s, c->mult[o], c->left[o],
                                                         c->right[o], c->output_zp, c->act_min,
                                                         c->act_max);
            }
        }
    }
    return TINYRT_OK;
}
#endif
