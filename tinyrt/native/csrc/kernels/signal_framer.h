/* SignalFramer, int16: each row cut into overlapping frames. See signal_framer.c. */
#ifndef TINYRT_SIGNAL_FRAMER_H
#define TINYRT_SIGNAL_FRAMER_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_framer(F) \
    F(PTR, const int16_t *, input) F(PTR, int16_t *, output) \
    F(PTR, uint8_t *, valid)           /* bool scalar output */ \
    F(PTR, int16_t *, buffer)          /* [outer][width] (persistent) */ \
    F(PTR, int32_t *, counters)        /* pending samples per row (kept between invokes) */ \
    F(I32, int32_t, outer) F(I32, int32_t, frames) F(I32, int32_t, width) \
    F(I32, int32_t, size) F(I32, int32_t, step)
TINYRT_DECLARE_OPDATA(signal_framer)

#endif
