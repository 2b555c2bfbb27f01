/* SignalFilterBankSpectralSubtraction, as TFLM's FilterbankSpectralSubtraction: the noise
 * estimate (kept between invokes in a persistent buffer) follows the signal through a one-pole
 * low pass, and the output is the signal less the estimate, at least a floor fraction of the
 * signal. uint32 and uint64 arithmetic as TFLM's; prepare masks the shifts (32-bit ones to
 * [0, 31], 64-bit ones to [0, 63]) as the x86 build does. */
#include "signal_spectral_subtraction.h"

int tinyrt_signal_spectral_subtraction(const tinyrt_signal_spectral_subtraction_opdata *p)
{
    uint32_t *noise = p->noise;
    int up = p->up_bits, down = p->down_bits;
    for (int i = 0; i < p->n; i++) {
        uint32_t x = p->input[i];
        uint32_t scaled = x << up;
        noise[i] = (uint32_t)((scaled * p->coef[i] + noise[i] * p->coef_rest[i]) >> down);
        uint32_t estimate = noise[i];
        if (estimate > scaled) {
            estimate = scaled;
            if (p->clamping)
                noise[i] = estimate;
        }
        uint32_t floor = (uint32_t)(((uint64_t)x * (uint64_t)p->min_remaining) >> down);
        uint32_t rest = (scaled - estimate) >> up;
        p->output[i] = rest > floor ? rest : floor;
    }
    memcpy(p->noise_output, noise, (size_t)p->n_noise * sizeof *noise);
    return TINYRT_OK;
}
