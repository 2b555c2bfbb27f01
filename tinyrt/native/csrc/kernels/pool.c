/* MAX_POOL_2D and float AVERAGE_POOL_2D as TFLM's reference: per output, the taps of the
 * window inside the input in (y, x) order; the maximum starts from the type's lowest value
 * (std::max), the float average's total from 0 and is divided by the number of taps in
 * float; then the activation clamp. The window's taps are visited for all channels at once,
 * each channel keeping its own order. */
#include <float.h>

#include "pool.h"

#define TINYRT_POOL_WINDOWS(T, INIT, STEP, FINISH)                                          \
    {                                                                                       \
        const T *input = p->input;                                                          \
        T *output = p->output;                                                              \
        T *restrict acc = p->acc;                                                           \
        for (int b = 0; b < p->batches; b++)                                                \
            for (int oy = 0; oy < p->out_h; oy++)                                           \
                for (int ox = 0; ox < p->out_w; ox++) {                                     \
                    int64_t y0 = (int64_t)oy * p->stride_h - p->pad_top;                    \
                    int64_t x0 = (int64_t)ox * p->stride_w - p->pad_left;                   \
                    int64_t ya = y0 < 0 ? 0 : y0;                                           \
                    int64_t yb = y0 + p->kh > p->in_h ? p->in_h : y0 + p->kh;               \
                    int64_t xa = x0 < 0 ? 0 : x0;                                           \
                    int64_t xb = x0 + p->kw > p->in_w ? p->in_w : x0 + p->kw;               \
                    int64_t count = (yb - ya) * (xb - xa);                                  \
                    T *restrict out = output +                                              \
                        ((size_t)((int64_t)b * p->out_h + oy) * (size_t)p->out_w +          \
                         (size_t)ox) * (size_t)c;                                           \
                    if (count <= 0)                                                         \
                        return TINYRT_ERROR;     /* prepare refuses such windows */         \
                    for (int i = 0; i < c; i++)                                             \
                        acc[i] = INIT;                                                      \
                    for (int64_t y = ya; y < yb; y++)                                       \
                        for (int64_t x = xa; x < xb; x++) {                                 \
                            const T *restrict px = input +                                  \
                                ((size_t)((int64_t)b * p->in_h + y) * (size_t)p->in_w +     \
                                 (size_t)x) * (size_t)c;                                    \
                            for (int i = 0; i < c; i++) {                                   \
                                T v = px[i];                                                \
                                acc[i] = STEP;                                              \
                            }                                                               \
                        }                                                                   \
                    for (int i = 0; i < c; i++) {                                           \
                        T v = acc[i];                                                       \
                        out[i] = FINISH;                                                    \
                    }                                                                       \
                }                                                                           \
        return TINYRT_OK;                                                                   \
    }

int tinyrt_pool(const tinyrt_pool_opdata *p)
{
    int c = p->c;
    float lo = p->act_min_f, hi = p->act_max_f;
    switch (p->kind) {
    case TINYRT_POOL_MAX_F32:
        TINYRT_POOL_WINDOWS(float, -FLT_MAX, acc[i] < v ? v : acc[i],
                            tinyrt_clamp_f32(v, lo, hi))
    case TINYRT_POOL_AVERAGE_F32:
        TINYRT_POOL_WINDOWS(float, 0.0f, acc[i] + v,
                            tinyrt_clamp_f32(v / (float)count, lo, hi))
    case TINYRT_POOL_MAX_S8:
        TINYRT_POOL_WINDOWS(int8_t, INT8_MIN, acc[i] < v ? v : acc[i],
                            (int8_t)tinyrt_clamp_i32(v, p->act_min, p->act_max))
    }
    return TINYRT_ERROR;
}
