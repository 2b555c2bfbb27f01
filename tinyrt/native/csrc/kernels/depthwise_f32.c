/* float32 DEPTHWISE_CONV_2D: TFLM's reference sum per output (from +0.0 over filter rows then
 * filter columns, taps outside the input skipped; then + bias and the activation clamp).
 *
 * Vectors run across channels; a tile is several output pixels of one row, whose sums are
 * independent chains of adds. Pixels whose window lies within the input columns (the
 * interior) go DW_PIXELS at a time without checks; the others one at a time, skipping taps
 * outside. With a depth multiplier above 1 the input is first written out with each channel
 * repeated dm times (``expanded``), so output channel c reads channel c of it. */
#include "depthwise_f32.h"
#include "../vec_f32.h"

#define DW_PIXELS 8

typedef struct {
    const tinyrt_depthwise_f32_opdata *op;
    const float *src;           /* the input with out_c channels */
    int64_t b, oy;
    size_t cp;                  /* padded channels of a tap's weights */
} dw_row;

/* pixels ox0 .. ox0 + count - 1 of the row, channels c .. c + VF_LANES - 1 (``part`` of them
 * when part > 0); ``checked``: skip taps outside the input columns */
static inline __attribute__((always_inline)) void dw_tile(const dw_row *r, int ox0, int count,
                                                          int c, int part, int checked)
{
    const tinyrt_depthwise_f32_opdata *op = r->op;
    const size_t C = (size_t)op->out_c;
    vf acc[DW_PIXELS];
    for (int p = 0; p < count; p++)
        acc[p] = vf_zero();
    for (int ky = 0; ky < op->kh; ky++) {
        int64_t iy = r->oy * op->stride_h - op->pad_top + (int64_t)ky * op->dil_h;
        if (iy < 0 || iy >= op->in_h)
            continue;
        const float *row = r->src + (size_t)(r->b * op->in_h + iy) * op->in_w * C + c;
        for (int kx = 0; kx < op->kw; kx++) {
            vf w = vf_load(op->weights + (size_t)(ky * op->kw + kx) * r->cp + c);
            for (int p = 0; p < count; p++) {
                int64_t ix = (int64_t)(ox0 + p) * op->stride_w - op->pad_left +
                             (int64_t)kx * op->dil_w;
                if (checked && (ix < 0 || ix >= op->in_w))
                    continue;
                const float *px = row + (size_t)ix * C;
                vf x = part ? vf_load_part(px, part) : vf_load(px);
                acc[p] = vf_add(acc[p], vf_mul(x, w));
            }
        }
    }
    const vf lo = vf_set1(op->act_min), hi = vf_set1(op->act_max);
    float *out = op->output + ((size_t)(r->b * op->out_h + r->oy) * op->out_w + ox0) * C + c;
    for (int p = 0; p < count; p++, out += C) {
        vf v = acc[p];
        if (op->bias)
            v = vf_add(v, vf_load(op->bias + c));
        v = vf_clamp(v, lo, hi);
        if (part)
            vf_store_part(out, v, part);
        else
            vf_store(out, v);
    }
}

/* every channel of pixels ox0 .. ox0 + count - 1 */
static inline __attribute__((always_inline)) void dw_pixels(const dw_row *r, int ox0, int count,
                                                            int checked)
{
    const int C = r->op->out_c;
    int c = 0;
    for (; c + VF_LANES <= C; c += VF_LANES)
        dw_tile(r, ox0, count, c, 0, checked);
    if (c < C)
        dw_tile(r, ox0, count, c, C - c, checked);
}

static void expand(const tinyrt_depthwise_f32_opdata *op)
{
    const size_t pixels = (size_t)op->batches * op->in_h * op->in_w;
    const float *in = op->input;
    float *e = op->expanded;
    for (size_t i = 0; i < pixels; i++)
        for (int c = 0; c < op->in_c; c++, in++)
            for (int m = 0; m < op->dm; m++)
                *e++ = *in;
}

int tinyrt_depthwise_f32(const tinyrt_depthwise_f32_opdata *op)
{
    dw_row r = {.op = op, .src = op->input,
                .cp = (size_t)(op->out_c + 15) / 16 * 16};
    if (op->dm > 1) {
        expand(op);
        r.src = op->expanded;
    }
    /* the interior: output columns whose every tap column is inside the input */
    int64_t last_tap = (int64_t)(op->kw - 1) * op->dil_w;
    int first = 0, end;
    while (first < op->out_w && (int64_t)first * op->stride_w - op->pad_left < 0)
        first++;
    end = first;
    while (end < op->out_w && (int64_t)end * op->stride_w - op->pad_left + last_tap < op->in_w)
        end++;
    for (r.b = 0; r.b < op->batches; r.b++)
        for (r.oy = 0; r.oy < op->out_h; r.oy++) {
            int ox = 0;
            for (; ox < first; ox++)
                dw_pixels(&r, ox, 1, 1);
            for (; ox + DW_PIXELS <= end; ox += DW_PIXELS)
                dw_pixels(&r, ox, DW_PIXELS, 0);
            for (; ox < op->out_w; ox++)
                dw_pixels(&r, ox, 1, 1);
        }
    return TINYRT_OK;
}
