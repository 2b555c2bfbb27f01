/* SignalPCAN: per-channel gain from the noise estimate, then compression. See signal_pcan.c. */
#ifndef TINYRT_SIGNAL_PCAN_H
#define TINYRT_SIGNAL_PCAN_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_pcan(F) \
    F(PTR, const uint32_t *, input) F(PTR, const uint32_t *, noise) \
    F(PTR, const int16_t *, lut) F(PTR, uint32_t *, output) \
    F(I32, int32_t, n) F(I32, int32_t, snr_shift)
TINYRT_DECLARE_OPDATA(signal_pcan)

#endif
