/* SignalFramer: each row's new samples are appended to the ones pending from earlier invokes;
 * every complete frame (size samples, step apart) is output, frames before the first complete
 * one are left as they were, and the samples of unfinished frames move to the front. */
#include "signal_framer.h"

int tinyrt_signal_framer(const tinyrt_signal_framer_opdata *p)
{
    int32_t have = p->counters[0];
    int64_t total = (int64_t)have + (int64_t)p->frames * p->step;
    if (have < 0 || total > p->width)
        return TINYRT_ERROR;
    /* frame j is complete once j + 1 steps have arrived */
    int64_t need = (int64_t)p->size - have;
    int64_t first = need > 0 ? (need + p->step - 1) / p->step - 1 : 0;
    if (first < 0)
        first = 0;
    int64_t done = p->frames - first;
    if (done < 0)
        done = 0;
    size_t in_len = (size_t)p->frames * p->step, size = (size_t)p->size;
    for (int r = 0; r < p->outer; r++) {
        int16_t *buf = p->buffer + (size_t)r * p->width;
        int16_t *out = p->output + (size_t)r * p->frames * size;
        memcpy(buf + have, p->input + (size_t)r * in_len, in_len * sizeof *buf);
        for (int64_t j = 0; j < done; j++)
            memcpy(out + (size_t)(first + j) * size, buf + (size_t)j * p->step,
                   size * sizeof *buf);
        memmove(buf, buf + (size_t)done * p->step, (size_t)(total - done * p->step) * sizeof *buf);
    }
    p->counters[0] = (int32_t)(total - done * p->step);
    *p->valid = (uint8_t)(done == p->frames);
    return TINYRT_OK;
}
