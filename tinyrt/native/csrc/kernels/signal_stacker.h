/* SignalStacker, int16: consecutive frames stacked, every step frames. See signal_stacker.c. */
#ifndef TINYRT_SIGNAL_STACKER_H
#define TINYRT_SIGNAL_STACKER_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_stacker(F) \
    F(PTR, const int16_t *, input) F(PTR, int16_t *, output) \
    F(PTR, uint8_t *, valid)           /* bool scalar output */ \
    F(PTR, int16_t *, buffer)          /* [size] (persistent) */ \
    F(PTR, int32_t *, counters)        /* pending samples, started (kept between invokes) */ \
    F(I32, int32_t, channels) F(I32, int32_t, left) F(I32, int32_t, size) F(I32, int32_t, step)
TINYRT_DECLARE_OPDATA(signal_stacker)

#endif
