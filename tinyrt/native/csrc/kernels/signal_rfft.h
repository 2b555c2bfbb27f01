/* SignalRfft and SignalIrfft: kissfft's real FFT and its inverse, int16, int32 or float32.
 * See signal_rfft.c. */
#ifndef TINYRT_SIGNAL_RFFT_H
#define TINYRT_SIGNAL_RFFT_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_rfft(F) \
    F(PTR, const void *, input)        /* [frames][in_len] samples or (re, im) pairs */ \
    F(PTR, void *, output)             /* [frames][out_len] */ \
    F(PTR, const int32_t *, factors)   /* kissfft's (radix, remaining) pairs for ncfft */ \
    F(PTR, const void *, twiddles)     /* [ncfft] (re, im) pairs of the sample type */ \
    F(PTR, const void *, super_twiddles) /* [ncfft / 2] (re, im) pairs */ \
    F(PTR, void *, tmp)                /* work: [ncfft] (re, im) pairs */ \
    F(PTR, void *, frame)              /* work: [2 * ncfft] samples, the zero-padded input */ \
    F(I32, int32_t, type)              /* 0 float32, 1 int16, 2 int32 */ \
    F(I32, int32_t, inverse) F(I32, int32_t, ncfft) F(I32, int32_t, frames) \
    F(I32, int32_t, in_len) F(I32, int32_t, out_len) \
    F(F32, float, scale)               /* float inverse: the fft length it divides by */
TINYRT_DECLARE_OPDATA(signal_rfft)

#endif
