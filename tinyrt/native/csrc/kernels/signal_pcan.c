/* SignalPCAN, as TFLM's ApplyPcanAutoGainControlFixed: each channel times a gain looked up from
 * its noise estimate (WideDynamicFunction: a quadratic in the 10 bits after the top one, per
 * bit length, from the int16 table), shifted down to a 12-bit-fraction SNR and compressed
 * (x^2 / 4 below 2, x - 1 above; 6 fraction bits out). Prepare checks the table has the 125
 * entries the largest bit length reads and masks the shift to [0, 63]. */
#include "signal_pcan.h"
#include "../signal.h"

static int16_t gain_of(uint32_t x, const int16_t *lut)
{
    if (x <= 2)
        return lut[x];
    int bits = tinyrt_msb32(x);
    lut += 4 * bits - 6;
    int32_t frac = (int32_t)((bits < 11 ? x << (11 - bits) : x >> (bits - 11)) & 0x3FF);
    /* int32 in TFLM; int16 coefficients keep every step inside int32's range */
    int64_t r = ((int64_t)lut[2] * frac) >> 5;
    r += (int64_t)lut[1] * 32;
    r *= frac;
    r = (r + (1 << 14)) >> 15;
    r += lut[0];
    return (int16_t)r;
}

int tinyrt_signal_pcan(const tinyrt_signal_pcan_opdata *p)
{
    for (int i = 0; i < p->n; i++) {
        uint32_t gain = (uint32_t)(int32_t)gain_of(p->noise[i], p->lut);
        uint32_t snr = (uint32_t)(((uint64_t)p->input[i] * gain) >> p->snr_shift);
        p->output[i] = snr < (2u << 12) ? (snr * snr) >> (2 + 2 * 12 - 6)
                                        : (snr >> (12 - 6)) - (1u << 6);
    }
    return TINYRT_OK;
}
