/* Int16 ADD, SUB and MUL as TFLM's reference with zero input zero points (prepare keeps it to
 * those, where no int32 step can overflow): ADD/SUB shift each input left by 15 bits (at most
 * 2^30 in size), requantize it to the common scale and requantize the sum or difference to
 * the output; MUL requantizes the product (at most 2^30). Then the output zero point and the
 * clamp. Rows are walked with broadcast.h. */
#include "binary_s16.h"
#include "../broadcast.h"
#include "../fixedpoint.h"

static void row(const tinyrt_binary_s16_opdata *p, const int16_t *a, const int16_t *b,
                int16_t *o, size_t n, int sa, int sb)
{
    for (size_t i = 0; i < n; i++) {
        int32_t x = a[sa ? i : 0], y = b[sb ? i : 0], r;
        if (p->op == TINYRT_S16_MUL) {
            r = x * y;
        } else {
            x = tinyrt_requantize(x * (1 << p->left_shift), p->input1_multiplier, 0,
                                  p->input1_right);
            y = tinyrt_requantize(y * (1 << p->left_shift), p->input2_multiplier, 0,
                                  p->input2_right);
            r = p->op == TINYRT_S16_SUB ? x - y : x + y;
        }
        o[i] = (int16_t)tinyrt_requantize_clamp(r, p->output_multiplier, p->output_left,
                                                p->output_right, p->output_zp, p->act_min,
                                                p->act_max);
    }
}

int tinyrt_binary_s16(const tinyrt_binary_s16_opdata *p)
{
    if (p->left_shift < 0 || p->left_shift > 15)
        return TINYRT_ERROR;
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do
        row(p, p->input1 + w.at0, p->input2 + w.at1, p->output + w.row, w.n, w.step0,
            w.step1);
    while (tinyrt_walk_next(&w));
    return TINYRT_OK;
}
