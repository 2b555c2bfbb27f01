/* SignalFilterBankSquareRoot: rounded uint64 roots, shifted down. See signal_filter_bank_sqrt.c. */
#ifndef TINYRT_SIGNAL_FILTER_BANK_SQRT_H
#define TINYRT_SIGNAL_FILTER_BANK_SQRT_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_filter_bank_sqrt(F) \
    F(PTR, const uint64_t *, input) F(PTR, const int32_t *, scale_bits) \
    F(PTR, uint32_t *, output) F(I32, int32_t, n)
TINYRT_DECLARE_OPDATA(signal_filter_bank_sqrt)

#endif
