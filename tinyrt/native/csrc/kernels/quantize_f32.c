/* Float32 QUANTIZE as TFLM's AffineQuantize: x / scale in float, rounded half away from zero
 * (C's round, written as trunc and a correction so it vectorises), converted to int32 as x86
 * converts (NaN and values outside int32 give INT32_MIN), plus the zero point in int32 (which
 * wraps, as TFLM's sum does: INT32_MIN less a zero point becomes a large positive value),
 * clamped. */
#include <math.h>

#include "quantize_f32.h"

static inline int32_t quantize(float x, float scale, int32_t zp, int32_t lo, int32_t hi)
{
    float q = x / scale;
    float t = truncf(q);
    float r = fabsf(q - t) >= 0.5f ? t + (q < 0.0f ? -1.0f : 1.0f) : t;
    int32_t v = fabsf(r) < 2147483648.0f ? (int32_t)r : INT32_MIN;
    return tinyrt_clamp_i32((int32_t)((uint32_t)v + (uint32_t)zp), lo, hi);
}

#define TINYRT_QUANTIZE_LOOP(OUT_T)                                                         \
    {                                                                                       \
        OUT_T *restrict y = p->output;                                                      \
        for (int64_t i = 0; i < n; i++)                                                     \
            y[i] = (OUT_T)quantize(x[i], scale, zp, lo, hi);                                \
        return TINYRT_OK;                                                                   \
    }

int tinyrt_quantize_f32(const tinyrt_quantize_f32_opdata *p)
{
    const float *restrict x = p->input;
    int64_t n = p->n;
    int32_t zp = p->zero_point, lo = p->out_min, hi = p->out_max;
    float scale = p->scale;
    switch (p->out_bytes) {
    case 1: TINYRT_QUANTIZE_LOOP(int8_t)
    case 2: TINYRT_QUANTIZE_LOOP(int16_t)
    case 4: TINYRT_QUANTIZE_LOOP(int32_t)
    }
    return TINYRT_ERROR;
}
