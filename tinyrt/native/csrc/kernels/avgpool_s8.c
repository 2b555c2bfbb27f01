/* AVERAGE_POOL_2D, int8: the sum of the window's taps inside the input, divided by their
 * count with rounding half away from zero (C's truncating division), clamped, as TFLM's
 * reference. Prepare keeps the window's taps below 2^23 so the int32 sum cannot overflow,
 * and only the taps inside the input are visited. */
#include "avgpool_s8.h"

int tinyrt_avgpool_s8(const tinyrt_avgpool_s8_opdata *p)
{
    int c = p->c;
    int32_t *acc = p->acc;
    for (int b = 0; b < p->batches; b++)
        for (int oy = 0; oy < p->out_h; oy++)
            for (int ox = 0; ox < p->out_w; ox++) {
                int64_t y0 = (int64_t)oy * p->stride_h - p->pad_top;
                int64_t x0 = (int64_t)ox * p->stride_w - p->pad_left;
                int64_t ya = y0 < 0 ? 0 : y0, yb = y0 + p->kh > p->in_h ? p->in_h : y0 + p->kh;
                int64_t xa = x0 < 0 ? 0 : x0, xb = x0 + p->kw > p->in_w ? p->in_w : x0 + p->kw;
                int64_t count = (yb - ya) * (xb - xa);
                int8_t *out = p->output + ((size_t)(b * p->out_h + oy) * p->out_w + ox) * c;
                if (count <= 0)
                    return TINYRT_ERROR;    /* TFLM fails such a window; prepare refuses it */
                memset(acc, 0, (size_t)c * sizeof *acc);
                for (int64_t y = ya; y < yb; y++)
                    for (int64_t x = xa; x < xb; x++) {
                        const int8_t *px = p->input +
                            ((size_t)(b * p->in_h + y) * p->in_w + (size_t)x) * c;
                        for (int i = 0; i < c; i++)
                            acc[i] += px[i];
                    }
                int32_t n = (int32_t)count;
                for (int i = 0; i < c; i++) {
                    int32_t a = acc[i];
                    int32_t v = a > 0 ? (a + n / 2) / n : (a - n / 2) / n;
                    out[i] = (int8_t)tinyrt_clamp_i32(v, p->act_min, p->act_max);
                }
            }
    return TINYRT_OK;
}
