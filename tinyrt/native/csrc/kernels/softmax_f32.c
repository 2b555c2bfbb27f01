/* Float32 SOFTMAX as TFLM's reference, row by row: the row's maximum (std::max from the lowest
 * float), expf((x - max) * beta) stored while summed in order from 0, then each divided by the
 * sum. */
#include <float.h>
#include <math.h>

#include "softmax_f32.h"

int tinyrt_softmax_f32(const tinyrt_softmax_f32_opdata *p)
{
    int64_t depth = p->depth;
    float beta = p->beta;
    for (int64_t r = 0; r < p->rows; r++) {
        const float *restrict x = p->input + (size_t)r * (size_t)depth;
        float *restrict y = p->output + (size_t)r * (size_t)depth;
        float max = -FLT_MAX;
        for (int64_t c = 0; c < depth; c++)
            max = max < x[c] ? x[c] : max;
        float sum = 0.0f;
        for (int64_t c = 0; c < depth; c++) {
            float e = expf((x[c] - max) * beta);
            y[c] = e;
            sum += e;
        }
        for (int64_t c = 0; c < depth; c++)
            y[c] = y[c] / sum;
    }
    return TINYRT_OK;
}
