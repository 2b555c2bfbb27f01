/* SignalFilterBankLog, as TFLM's FilterbankLog: Log32 of each channel shifted up by the
 * correction bits (modulo 32, as the x86 build's shift), capped at 32767; 0 for values 0, 1. */
#include "signal_filter_bank_log.h"
#include "../signal.h"

int tinyrt_signal_filter_bank_log(const tinyrt_signal_filter_bank_log_opdata *p)
{
    uint32_t scale = (uint32_t)p->output_scale;
    for (int i = 0; i < p->n; i++) {
        uint32_t v = p->input[i] << p->correction_bits;
        uint32_t l = v > 1 ? tinyrt_log32(v, scale, p->lut) : 0;
        p->output[i] = (int16_t)(l < INT16_MAX ? l : INT16_MAX);
    }
    return TINYRT_OK;
}
