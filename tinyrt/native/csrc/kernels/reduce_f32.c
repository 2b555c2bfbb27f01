/* Float32 MEAN and SUM as TFLM's reference: each output's sum starts from 0 and adds its
 * inputs in the input's order, then MEAN divides it by the count in float. The input is walked
 * row by row (broadcast.h) with the accumulators following it: a row along a kept axis adds
 * into a row of accumulators (vectorised across outputs), a row along a reduced axis is one
 * output's sequential sum. */
#include "reduce_f32.h"
#include "../broadcast.h"

int tinyrt_reduce_f32(const tinyrt_reduce_f32_opdata *p)
{
    float *restrict acc = p->acc;
    for (int64_t k = 0; k < p->out_size; k++)
        acc[k] = 0.0f;
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do {
        const float *restrict x = p->input + w.row;
        float *restrict a = acc + w.at0;
        size_t n = w.n;
        if (w.step0) {
            for (size_t i = 0; i < n; i++)
                a[i] += x[i];
        } else {
            float s = a[0];
            for (size_t i = 0; i < n; i++)
                s += x[i];
            a[0] = s;
        }
    } while (tinyrt_walk_next(&w));
    if (p->mean)
        for (int64_t k = 0; k < p->out_size; k++)
            p->output[k] = acc[k] / p->count;
    else
        for (int64_t k = 0; k < p->out_size; k++)
            p->output[k] = acc[k];
    return TINYRT_OK;
}
