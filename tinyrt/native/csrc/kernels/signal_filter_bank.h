/* SignalFilterBank: each output a uint64 sum of coefficient x bin terms.
 * See signal_filter_bank.c. */
#ifndef TINYRT_SIGNAL_FILTER_BANK_H
#define TINYRT_SIGNAL_FILTER_BANK_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_filter_bank(F) \
    F(PTR, const uint32_t *, input) F(PTR, uint64_t *, output) \
    F(PTR, const int16_t *, weights) F(PTR, const int16_t *, unweights) \
    F(PTR, const int32_t *, coef)      /* per term: its weight, or n_weights + its unweight */ \
    F(PTR, const int32_t *, bins)      /* per term: the input bin it reads */ \
    F(PTR, const int32_t *, ends)      /* [channels + 1]: output c sums terms ends[c] .. */ \
    F(I32, int32_t, channels) F(I32, int32_t, n_weights)
TINYRT_DECLARE_OPDATA(signal_filter_bank)

#endif
