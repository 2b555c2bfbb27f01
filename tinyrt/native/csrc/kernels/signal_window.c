/* SignalWindow, int16, as TFLM's ApplyWindow: (x * w) in int32, shifted right (arithmetic),
 * saturated to int16. Prepare masks the shift to [0, 31] as the x86 build's shift does. */
#include "signal_window.h"

int tinyrt_signal_window(const tinyrt_signal_window_opdata *p)
{
    const int16_t *x = p->input, *w = p->weights;
    int16_t *y = p->output;
    for (int f = 0; f < p->frames; f++, x += p->frame, y += p->frame)
        for (int i = 0; i < p->frame; i++) {
            int32_t v = ((int32_t)x[i] * w[i]) >> p->shift;
            y[i] = (int16_t)tinyrt_clamp_i32(v, INT16_MIN, INT16_MAX);
        }
    return TINYRT_OK;
}
