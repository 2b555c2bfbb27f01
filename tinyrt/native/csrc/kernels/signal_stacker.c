/* SignalStacker: frames of ``channels`` samples are appended to a buffer of ``size``; when it
 * is full it is output and its first ``step`` samples dropped. The first frame after a reset
 * also fills the left context. Prepare keeps step <= size, so the buffer never overflows. */
#include "signal_stacker.h"

int tinyrt_signal_stacker(const tinyrt_signal_stacker_opdata *p)
{
    int32_t *pending = &p->counters[0], *started = &p->counters[1];
    size_t c = (size_t)p->channels;
    if (*started) {
        if (*pending + p->channels > p->size)
            return TINYRT_ERROR;
        memcpy(p->buffer + *pending, p->input, c * sizeof *p->buffer);
        *pending += p->channels;
    } else {
        for (int i = 0; i <= p->left; i++)
            memcpy(p->buffer + (size_t)i * c, p->input, c * sizeof *p->buffer);
        *pending = p->channels * (p->left + 1);
        *started = 1;
    }
    int valid = *pending >= p->size;
    if (valid) {
        size_t keep = (size_t)(p->size - p->step);
        memcpy(p->output, p->buffer, (size_t)p->size * sizeof *p->buffer);
        memmove(p->buffer, p->buffer + p->step, keep * sizeof *p->buffer);
        *pending = (int32_t)keep;
    }
    *p->valid = (uint8_t)valid;
    return TINYRT_OK;
}
