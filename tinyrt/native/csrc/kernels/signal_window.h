/* SignalWindow, int16: each frame times the window, shifted down, saturated.
 * See signal_window.c. */
#ifndef TINYRT_SIGNAL_WINDOW_H
#define TINYRT_SIGNAL_WINDOW_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_window(F) \
    F(PTR, const int16_t *, input)     /* [frames][frame] */ \
    F(PTR, const int16_t *, weights)   /* [frame] */ \
    F(PTR, int16_t *, output)          /* [frames][frame] */ \
    F(I32, int32_t, frames) F(I32, int32_t, frame) F(I32, int32_t, shift)
TINYRT_DECLARE_OPDATA(signal_window)

#endif
