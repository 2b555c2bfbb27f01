/* SignalDelay: each row's samples wait in a line of delay + frame samples: the input goes in
 * after the pending ones, the oldest frame comes out, the rest moves to the front. */
#include "signal_delay.h"

int tinyrt_signal_delay(const tinyrt_signal_delay_opdata *p)
{
    size_t d = (size_t)p->delay, f = (size_t)p->frame;
    for (int r = 0; r < p->outer; r++) {
        int16_t *line = p->line + (size_t)r * (d + f);
        memcpy(line + d, p->input + (size_t)r * f, f * sizeof *line);
        memcpy(p->output + (size_t)r * f, line, f * sizeof *line);
        memmove(line, line + f, d * sizeof *line);
    }
    return TINYRT_OK;
}
