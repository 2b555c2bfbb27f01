/* SignalDelay, int16: each row delayed by a number of samples. See signal_delay.c. */
#ifndef TINYRT_SIGNAL_DELAY_H
#define TINYRT_SIGNAL_DELAY_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_delay(F) \
    F(PTR, const int16_t *, input) F(PTR, int16_t *, output) \
    F(PTR, int16_t *, line)            /* [outer][delay + frame] (persistent) */ \
    F(I32, int32_t, outer) F(I32, int32_t, delay) F(I32, int32_t, frame)
TINYRT_DECLARE_OPDATA(signal_delay)

#endif
