/* QUANTIZE int -> int and DEQUANTIZE int -> float32 with TFLM's arithmetic, value by value. */
#include "requantize.h"
#include "../fixedpoint.h"

static inline int32_t load_int(const void *p, int64_t i, int bytes)
{
    switch (bytes) {
    case 1: return ((const int8_t *)p)[i];
    case 2: return ((const int16_t *)p)[i];
    default: return ((const int32_t *)p)[i];
    }
}

int tinyrt_requantize_int(const tinyrt_requantize_int_opdata *q)
{
    for (int64_t i = 0; i < q->n; i++) {
        /* TFLM subtracts the zero point in int32, which wraps */
        int32_t x = (int32_t)((uint32_t)load_int(q->input, i, q->in_bytes) -
                              (uint32_t)q->input_zp);
        int32_t v = tinyrt_requantize_clamp(x, q->mult, q->left, q->right, q->output_zp,
                                            q->out_min, q->out_max);
        switch (q->out_bytes) {
        case 0: ((uint8_t *)q->output)[i] = (uint8_t)v; break;
        case 1: ((int8_t *)q->output)[i] = (int8_t)v; break;
        case 2: ((int16_t *)q->output)[i] = (int16_t)v; break;
        default: ((int32_t *)q->output)[i] = v; break;
        }
    }
    return TINYRT_OK;
}

int tinyrt_dequantize_int(const tinyrt_dequantize_int_opdata *d)
{
    double scale;
    memcpy(&scale, &d->scale_bits, sizeof scale);
    for (int64_t i = 0; i < d->n; i++)
        d->output[i] = (float)(scale * (double)(load_int(d->input, i, d->in_bytes) -
                                                d->zero_point));
    return TINYRT_OK;
}
