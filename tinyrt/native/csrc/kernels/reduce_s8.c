/* Int8 MEAN and SUM as TFLM's quantized reduction: each output's int32 sum of its inputs, less
 * the input zero point times the count (wrapping as TFLM's int32 does, here in uint32), then
 * one requantization whose multiplier already holds MEAN's 1/count, the output zero point and
 * the clamp. The walk is reduce_f32's. */
#include "reduce_s8.h"
#include "../broadcast.h"
#include "../fixedpoint.h"

int tinyrt_reduce_s8(const tinyrt_reduce_s8_opdata *p)
{
    uint32_t *restrict acc = p->acc;
    for (int64_t k = 0; k < p->out_size; k++)
        acc[k] = 0;
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do {
        const int8_t *restrict x = p->input + w.row;
        uint32_t *restrict a = acc + w.at0;
        size_t n = w.n;
        if (w.step0) {
            for (size_t i = 0; i < n; i++)
                a[i] += (uint32_t)(int32_t)x[i];
        } else {
            uint32_t s = a[0];
            for (size_t i = 0; i < n; i++)
                s += (uint32_t)(int32_t)x[i];
            a[0] = s;
        }
    } while (tinyrt_walk_next(&w));
    for (int64_t k = 0; k < p->out_size; k++) {
        int32_t v = (int32_t)(acc[k] - (uint32_t)p->offset);
        p->output[k] = (int8_t)tinyrt_requantize_clamp(v, p->multiplier, p->left, p->right,
                                                       p->output_zp, p->act_min, p->act_max);
    }
    return TINYRT_OK;
}
