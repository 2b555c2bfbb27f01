/* SignalOverlapAdd: per row, the open tail from the last invoke, then each frame added at
 * step * its index, in time order (int16 saturating after every add, as TFLM's); the first
 * frames * step sums are output and the rest is the next tail. */
#include "signal_overlap_add.h"

int tinyrt_signal_overlap_add(const tinyrt_signal_overlap_add_opdata *p)
{
    size_t n = (size_t)p->frames, size = (size_t)p->size, step = (size_t)p->step;
    size_t tail = size - step, len = (size_t)p->acc_len;
    if ((n - 1) * step + size > len || n * step + tail > len)
        return TINYRT_ERROR;
    for (int r = 0; r < p->outer; r++) {
        if (p->type == 0) {
            float *acc = (float *)p->acc, *state = (float *)p->state + r * tail;
            const float *x = (const float *)p->input + r * n * size;
            float *y = (float *)p->output + r * n * step;
            memset(acc, 0, len * sizeof *acc);
            memcpy(acc, state, tail * sizeof *acc);
            for (size_t j = 0; j < n; j++)
                for (size_t i = 0; i < size; i++)
                    acc[j * step + i] += x[j * size + i];
            memcpy(y, acc, n * step * sizeof *acc);
            memcpy(state, acc + n * step, tail * sizeof *acc);
        } else {
            int32_t *acc = (int32_t *)p->acc;
            int16_t *state = (int16_t *)p->state + r * tail;
            const int16_t *x = (const int16_t *)p->input + r * n * size;
            int16_t *y = (int16_t *)p->output + r * n * step;
            memset(acc, 0, len * sizeof *acc);
            for (size_t i = 0; i < tail; i++)
                acc[i] = state[i];
            for (size_t j = 0; j < n; j++)
                for (size_t i = 0; i < size; i++)
                    acc[j * step + i] = tinyrt_clamp_i32(acc[j * step + i] + x[j * size + i],
                                                         INT16_MIN, INT16_MAX);
            for (size_t i = 0; i < n * step; i++)
                y[i] = (int16_t)acc[i];
            for (size_t i = 0; i < tail; i++)
                state[i] = (int16_t)acc[n * step + i];
        }
    }
    return TINYRT_OK;
}
