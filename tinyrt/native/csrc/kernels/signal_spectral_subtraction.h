/* SignalFilterBankSpectralSubtraction: noise estimate kept between invokes.
 * See signal_spectral_subtraction.c. */
#ifndef TINYRT_SIGNAL_SPECTRAL_SUBTRACTION_H
#define TINYRT_SIGNAL_SPECTRAL_SUBTRACTION_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_spectral_subtraction(F) \
    F(PTR, const uint32_t *, input) F(PTR, uint32_t *, output) \
    F(PTR, uint32_t *, noise_output)   /* [n_noise] copy of the estimate */ \
    F(PTR, uint32_t *, noise)          /* [n] the estimate (persistent) */ \
    F(PTR, const uint64_t *, coef)     /* [n] smoothing per channel */ \
    F(PTR, const uint64_t *, coef_rest) /* [n] one minus smoothing */ \
    F(I64, int64_t, min_remaining) F(I32, int32_t, up_bits) F(I32, int32_t, down_bits) \
    F(I32, int32_t, clamping) F(I32, int32_t, n) F(I32, int32_t, n_noise)
TINYRT_DECLARE_OPDATA(signal_spectral_subtraction)

#endif
