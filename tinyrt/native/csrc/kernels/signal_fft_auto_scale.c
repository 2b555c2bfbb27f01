/* SignalFftAutoScale, as TFLM's FftAutoScale: MaxAbs16 keeps its running maximum in an int16
 * (so -32768 stores as -32768, and a negative maximum reads as 32 bits), the shift is
 * 15 - bit length of that maximum (at least 0), and each sample times 2^shift is stored back
 * into int16 (wrapping). */
#include "signal_fft_auto_scale.h"
#include "../signal.h"

int tinyrt_signal_fft_auto_scale(const tinyrt_signal_fft_auto_scale_opdata *p)
{
    const int16_t *x = p->input;
    /* Without a -32768 the running maximum is the plain largest magnitude, which vectorises;
     * with one, the int16 running maximum is followed step by step. */
    int32_t lo = 0, hi = 0;
    for (int i = 0; i < p->n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    int16_t peak = (int16_t)(hi > -lo ? hi : -lo);
    if (lo == INT16_MIN) {
        peak = 0;
        for (int i = 0; i < p->n; i++) {
            int32_t v = x[i];
            if (v > peak)
                peak = (int16_t)v;
            else if (-v > peak)
                peak = (int16_t)(-v);  /* -(-32768) wraps to -32768, as in TFLM's int16 */
        }
    }
    int scale = 16 - tinyrt_msb32((uint32_t)(int32_t)peak) - 1;
    if (scale < 0)
        scale = 0;
    for (int i = 0; i < p->n; i++)
        p->output[i] = (int16_t)(uint16_t)((uint32_t)(int32_t)x[i] << scale);
    *p->scale_bits = scale;
    return TINYRT_OK;
}
