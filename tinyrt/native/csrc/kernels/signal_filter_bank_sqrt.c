/* SignalFilterBankSquareRoot, as TFLM's FilterbankSqrt: Sqrt64 of each channel shifted right
 * by the scale-bits input (modulo 32, as the x86 build's shift). */
#include "signal_filter_bank_sqrt.h"
#include "../signal.h"

int tinyrt_signal_filter_bank_sqrt(const tinyrt_signal_filter_bank_sqrt_opdata *p)
{
    int shift = *p->scale_bits & 31;
    for (int i = 0; i < p->n; i++)
        p->output[i] = tinyrt_sqrt64(p->input[i]) >> shift;
    return TINYRT_OK;
}
