/* SignalEnergy: |z|^2 of complex int16 bins start .. end - 1, as uint32. See signal_energy.c. */
#ifndef TINYRT_SIGNAL_ENERGY_H
#define TINYRT_SIGNAL_ENERGY_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_energy(F) \
    F(PTR, const int16_t *, input)     /* interleaved (re, im) */ \
    F(PTR, uint32_t *, output) F(I32, int32_t, start) F(I32, int32_t, end)
TINYRT_DECLARE_OPDATA(signal_energy)

#endif
