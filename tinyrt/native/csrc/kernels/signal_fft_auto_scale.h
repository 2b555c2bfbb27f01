/* SignalFftAutoScale, int16: the frame shifted up as far as its peak allows.
 * See signal_fft_auto_scale.c. */
#ifndef TINYRT_SIGNAL_FFT_AUTO_SCALE_H
#define TINYRT_SIGNAL_FFT_AUTO_SCALE_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_fft_auto_scale(F) \
    F(PTR, const int16_t *, input) F(PTR, int16_t *, output) \
    F(PTR, int32_t *, scale_bits)      /* scalar output: the shift applied */ \
    F(I32, int32_t, n)
TINYRT_DECLARE_OPDATA(signal_fft_auto_scale)

#endif
