/* SignalEnergy, as TFLM's SpectrumToEnergy: re^2 + im^2 of each int16 bin in start .. end - 1
 * (the sum wraps as TFLM's int32 does, read as uint32); other outputs are left as they are. */
#include "signal_energy.h"

int tinyrt_signal_energy(const tinyrt_signal_energy_opdata *p)
{
    const int16_t *z = p->input;
    for (int i = p->start; i < p->end; i++) {
        int32_t re = z[2 * (size_t)i], im = z[2 * (size_t)i + 1];
        p->output[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
    return TINYRT_OK;
}
