/* SignalFilterBank: output c is the sum, modulo 2^64, of its terms (un)weight x input[bin],
 * the int16 (un)weight sign-extended to uint64 as in TFLM's C++. Prepare lays out the terms
 * (channel c + 1's weighted bins, then channel c's unweighted ones, as TFLM's
 * FilterbankAccumulateChannels adds them) and checks every bin and (un)weight lies inside its
 * tensor. */
#include "signal_filter_bank.h"

int tinyrt_signal_filter_bank(const tinyrt_signal_filter_bank_opdata *p)
{
    const uint32_t *x = p->input;
    int32_t nw = p->n_weights;
    for (int c = 0; c < p->channels; c++) {
        uint64_t acc = 0;
        for (int32_t t = p->ends[c]; t < p->ends[c + 1]; t++) {
            int32_t k = p->coef[t];
            int16_t w = k < nw ? p->weights[k] : p->unweights[k - nw];
            acc += (uint64_t)(int64_t)w * x[p->bins[t]];
        }
        p->output[c] = acc;
    }
    return TINYRT_OK;
}
