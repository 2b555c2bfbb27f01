/* SOFTMAX, int8 input: TFLM's fixed-point path. exp(x - max) from tables prepare built with
 * gemmlowp's exp_on_negative_values (Q0.31, and rescaled to the Q12.19 accumulation format),
 * the sum's reciprocal by gemmlowp's Newton-Raphson (TFLM GetReciprocal), one rounding shift
 * per output. Prepare keeps depth < 2^12 so the Q12.19 sum of terms <= 2^19 fits int32. */
#include "softmax_s8.h"
#include "../fixedpoint.h"

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out */
static int32_t one_over_one_plus_x(int32_t a)
{
    int64_t sum = (int64_t)a + INT32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    /* 48/17 - 32/17 d, Q2.29, then three Newton-Raphson steps */
    int32_t x = 1515870810 + tinyrt_high_mul(half_denominator, -1010580540);
    for (int i = 0; i < 3; i++) {
        int32_t hd_x = tinyrt_high_mul(half_denominator, x);
        x = x + tinyrt_saturating_shift_left(tinyrt_high_mul(x, (1 << 29) - hd_x), 2);
    }
    return tinyrt_saturating_shift_left(x, 1);
}

int tinyrt_softmax_s8(const tinyrt_softmax_s8_opdata *p)
{
    for (int r = 0; r < p->rows; r++) {
        const int8_t *x = p->input + (size_t)r * p->depth;
        int8_t mx = x[0];
        for (int i = 1; i < p->depth; i++)
            mx = x[i] > mx ? x[i] : mx;
        int32_t sum = 0;
        for (int i = 0; i < p->depth; i++)
            sum += p->sum_table[(uint8_t)(x[i] - mx)];
        if (sum <= 0)
            return TINYRT_ERROR;        /* the max's own term makes it positive */
        int headroom_plus_one = tinyrt_count_leading_zeros((uint32_t)sum);
        int32_t shifted = (int32_t)(((uint32_t)sum << headroom_plus_one) - (1u << 31));
        int32_t scale = one_over_one_plus_x(shifted);
        int exponent = 12 - headroom_plus_one + 31 - p->out_bits;
        /* out_min * 2^exponent as a product: out_min is negative, and shifting a negative
         * value left is undefined in C */
        int64_t rounding = (((int64_t)1 << exponent) >> 1) +
                           (int64_t)p->out_min * ((int64_t)1 << exponent);
        for (int i = 0; i < p->depth; i++) {
            int64_t e = p->exp_table[(uint8_t)(x[i] - mx)];
            int64_t v = (((e * scale + (1 << 30)) >> 31) + rounding) >> exponent;
            v = v < p->out_min ? p->out_min : v > p->out_max ? p->out_max : v;
            if (p->out_bits == 8)
                ((int8_t *)p->output)[(size_t)r * p->depth + i] = (int8_t)v;
            else
                ((int16_t *)p->output)[(size_t)r * p->depth + i] = (int16_t)v;
        }
    }
    return TINYRT_OK;
}
