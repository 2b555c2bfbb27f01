/* SignalFilterBank: output c is the sum, modulo 2^64, of its terms coef x input[bin]. Prepare
 * lays out the terms (channel c + 1's weighted bins, then channel c's unweighted ones, as
 * TFLM's FilterbankAccumulateChannels adds them) and checks every bin lies inside the input. */
#include "signal_filter_bank.h"

int tinyrt_signal_filter_bank(const tinyrt_signal_filter_bank_opdata *p)
{
    const uint32_t *x = p->input;
    for (int c = 0; c < p->channels; c++) {
        uint64_t acc = 0;
        for (int32_t t = p->ends[c]; t < p->ends[c + 1]; t++)
            acc += p->coef[t] * (uint64_t)x[p->bins[t]];
        p->output[c] = acc;
    }
    return TINYRT_OK;
}
