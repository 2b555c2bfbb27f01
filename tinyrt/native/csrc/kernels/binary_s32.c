/* Int32 ADD, MUL, DIV, MINIMUM and MAXIMUM as TFLM's reference loops, then the activation
 * clamp prepare passes (the full range where TFLM applies none: ADD, MINIMUM, MAXIMUM).
 * Sums and products wrap as TFLM's WrappingAdd / WrappingMul, computed in uint32_t so that C
 * has no overflow. DIV truncates towards zero as C's `/`; a zero denominator fails the op
 * (TFLM's division traps there), and INT32_MIN / -1, which traps too, gives the quotient 2^31
 * clamped, as the numpy kernel does. Rows are walked with broadcast.h. */
#include "binary_s32.h"
#include "../broadcast.h"

/* one row, x from a (step sa), y from b (step sb): each step pattern its own loop, so that
 * each vectorises */
#define TINYRT_S32_ROW(EXPR)                                                                \
    if (sa && sb) {                                                                         \
        for (size_t i = 0; i < n; i++) {                                                    \
            int32_t x = a[i], y = b[i];                                                     \
            o[i] = tinyrt_clamp_i32(EXPR, lo, hi);                                          \
        }                                                                                   \
    } else if (sa) {                                                                        \
        const int32_t y = b[0];                                                             \
        for (size_t i = 0; i < n; i++) {                                                    \
            int32_t x = a[i];                                                               \
            o[i] = tinyrt_clamp_i32(EXPR, lo, hi);                                          \
        }                                                                                   \
    } else {                                                                                \
        const int32_t x = a[0];                                                             \
        for (size_t i = 0; i < n; i++) {                                                    \
            int32_t y = b[i];                                                               \
            o[i] = tinyrt_clamp_i32(EXPR, lo, hi);                                          \
        }                                                                                   \
    }

static int32_t wrap(uint32_t v)
{
    return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) - INT32_MAX - 1;
}

static int32_t quotient(int32_t x, int32_t y, int32_t hi)
{
    return x == INT32_MIN && y == -1 ? hi : x / y;
}

static int row(int op, const int32_t *restrict a, const int32_t *restrict b,
               int32_t *restrict o, size_t n, int sa, int sb, int32_t lo, int32_t hi)
{
    switch (op) {
    case TINYRT_S32_ADD: TINYRT_S32_ROW(wrap((uint32_t)x + (uint32_t)y)) break;
    case TINYRT_S32_MUL: TINYRT_S32_ROW(wrap((uint32_t)x * (uint32_t)y)) break;
    case TINYRT_S32_DIV:
        for (size_t i = 0; i < (sb ? n : 1); i++)
            if (b[i] == 0)
                return TINYRT_ERROR;
        TINYRT_S32_ROW(quotient(x, y, hi))
        break;
    case TINYRT_S32_MINIMUM: TINYRT_S32_ROW(x < y ? x : y) break;
    default: TINYRT_S32_ROW(x > y ? x : y) break;
    }
    return TINYRT_OK;
}

int tinyrt_binary_s32(const tinyrt_binary_s32_opdata *p)
{
    if (p->op < 0 || p->op > TINYRT_S32_MAXIMUM)
        return TINYRT_ERROR;
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do
        if (row(p->op, p->input1 + w.at0, p->input2 + w.at1, p->output + w.row, w.n, w.step0,
                w.step1, p->act_min, p->act_max))
            return TINYRT_ERROR;
    while (tinyrt_walk_next(&w));
    return TINYRT_OK;
}
