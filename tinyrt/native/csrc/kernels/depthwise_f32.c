/* float32 DEPTHWISE_CONV_2D: TFLM's reference sum per output (from +0.0 over filter rows then
 * filter columns, taps outside the input skipped; then + bias and the activation clamp).
 *
 * Vectors run across channels; a tile is several output pixels of one row and vectors of
 * channels, whose sums are independent chains of adds. Pixels whose window lies within the
 * input columns (the interior) go DW_PIXELS at a time without checks; the others one at a
 * time with up to DW_VECTORS vectors of channels, skipping taps outside. With a depth multiplier above 1 the input is first written out with each channel
 * repeated dm times (``expanded``), so output channel c reads channel c of it. */
#include "depthwise_f32.h"
#include "../vec_f32.h"

/* output pixels of an interior tile; vectors of channels of a one-pixel tile, at most */
#define DW_PIXELS 4
#define DW_VECTORS 8

typedef struct {
    const tinyrt_depthwise_f32_opdata *op;
    const float *src;           /* the input with out_c channels */
    int64_t b, oy;
    size_t cp;                  /* padded channels of a tap's weights */
} dw_row;

/* pixels ox0 .. ox0 + count - 1 of the row, nv vectors of channels from c (``part``
 * channels in the one vector when part > 0); ``checked``: skip taps outside the input
 * columns. count x nv sums are in flight. */
static inline __attribute__((always_inline)) void dw_tile(const dw_row *r, int ox0, int count,
                                                          int c, int nv, int part, int checked)
{
    const tinyrt_depthwise_f32_opdata *op = r->op;
    const size_t C = (size_t)op->out_c;
    vf acc[DW_VECTORS];
    for (int i = 0; i < count * nv; i++)
        acc[i] = vf_zero();
    for (int ky = 0; ky < op->kh; ky++) {
        int64_t iy = r->oy * op->stride_h - op->pad_top + (int64_t)ky * op->dil_h;
        if (iy < 0 || iy >= op->in_h)
            continue;
        const float *row = r->src + (size_t)(r->b * op->in_h + iy) * op->in_w * C + c;
        for (int kx = 0; kx < op->kw; kx++) {
            const float *wt = op->weights + (size_t)(ky * op->kw + kx) * r->cp + c;
            vf w[DW_VECTORS];
            for (int v = 0; v < nv; v++)
                w[v] = vf_load(wt + v * VF_LANES);
            for (int p = 0; p < count; p++) {
                int64_t ix = (int64_t)(ox0 + p) * op->stride_w - op->pad_left +
                             (int64_t)kx * op->dil_w;
                if (checked && (ix < 0 || ix >= op->in_w))
                    continue;
                const float *px = row + (size_t)ix * C;
                for (int v = 0; v < nv; v++) {
                    vf x = part ? vf_load_part(px, part) : vf_load(px + v * VF_LANES);
                    acc[p * nv + v] = vf_add(acc[p * nv + v], vf_mul(x, w[v]));
                }
            }
        }
    }
    const vf lo = vf_set1(op->act_min), hi = vf_set1(op->act_max);
    float *out = op->output + ((size_t)(r->b * op->out_h + r->oy) * op->out_w + ox0) * C + c;
    for (int p = 0; p < count; p++, out += C)
        for (int v = 0; v < nv; v++) {
            vf s = acc[p * nv + v];
            if (op->bias)
                s = vf_add(s, vf_load(op->bias + c + v * VF_LANES));
            s = vf_clamp(s, lo, hi);
            if (part)
                vf_store_part(out, s, part);
            else
                vf_store(out + v * VF_LANES, s);
        }
}

/* every channel of one pixel, up to DW_VECTORS vectors at a time */
static void dw_pixel(const dw_row *r, int ox, int checked)
{
    const int C = r->op->out_c;
    int c = 0;
    for (; c + DW_VECTORS * VF_LANES <= C; c += DW_VECTORS * VF_LANES)
        dw_tile(r, ox, 1, c, DW_VECTORS, 0, checked);
    for (; c + 2 * VF_LANES <= C; c += 2 * VF_LANES)
        dw_tile(r, ox, 1, c, 2, 0, checked);
    for (; c + VF_LANES <= C; c += VF_LANES)
        dw_tile(r, ox, 1, c, 1, 0, checked);
    if (c < C)
        dw_tile(r, ox, 1, c, 1, C - c, checked);
}

/* every channel of DW_PIXELS interior pixels, two vectors at a time */
static void dw_interior(const dw_row *r, int ox)
{
    const int C = r->op->out_c;
    int c = 0;
    for (; c + 2 * VF_LANES <= C; c += 2 * VF_LANES)
        dw_tile(r, ox, DW_PIXELS, c, 2, 0, 0);
    for (; c + VF_LANES <= C; c += VF_LANES)
        dw_tile(r, ox, DW_PIXELS, c, 1, 0, 0);
    if (c < C)
        dw_tile(r, ox, DW_PIXELS, c, 1, C - c, 0);
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
                dw_pixel(&r, ox, 1);
            for (; ox + DW_PIXELS <= end; ox += DW_PIXELS)
                dw_interior(&r, ox);
            for (; ox < end; ox++)
                dw_pixel(&r, ox, 0);
            for (; ox < op->out_w; ox++)
                dw_pixel(&r, ox, 1);
        }
    return TINYRT_OK;
}
