/* SignalFilterBankLog: scaled natural log of each channel, as int16.
 * See signal_filter_bank_log.c. */
#ifndef TINYRT_SIGNAL_FILTER_BANK_LOG_H
#define TINYRT_SIGNAL_FILTER_BANK_LOG_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_filter_bank_log(F) \
    F(PTR, const uint32_t *, input) F(PTR, int16_t *, output) \
    F(PTR, const int32_t *, lut)       /* the 130-entry log2 correction table */ \
    F(I32, int32_t, n) F(I32, int32_t, correction_bits) F(I64, int64_t, output_scale)
TINYRT_DECLARE_OPDATA(signal_filter_bank_log)

#endif
