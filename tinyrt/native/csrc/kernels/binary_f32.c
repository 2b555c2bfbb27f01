/* Float32 ADD, SUB, MUL and SQUARED_DIFFERENCE as TFLM's reference loops: one float operation
 * per element (the difference squared by a separate multiply), then the activation clamp
 * (max, then min). Rows of the output are walked with broadcast.h; each row's loop is plain
 * C the compiler vectorises, which cannot change a single-operation result. */
#include "binary_f32.h"
#include "../broadcast.h"

/* one row: x from a (step sa), y from b (step sb); the three step patterns get their own loop
 * so each vectorises */
#define TINYRT_BINARY_ROW(EXPR)                                                             \
    if (sa && sb) {                                                                         \
        for (size_t i = 0; i < n; i++) {                                                    \
            float x = a[i], y = b[i];                                                       \
            o[i] = tinyrt_clamp_f32(EXPR, lo, hi);                                          \
        }                                                                                   \
    } else if (sa) {                                                                        \
        const float y = b[0];                                                               \
        for (size_t i = 0; i < n; i++) {                                                    \
            float x = a[i];                                                                 \
            o[i] = tinyrt_clamp_f32(EXPR, lo, hi);                                          \
        }                                                                                   \
    } else {                                                                                \
        const float x = a[0];                                                               \
        for (size_t i = 0; i < n; i++) {                                                    \
            float y = b[i];                                                                 \
            o[i] = tinyrt_clamp_f32(EXPR, lo, hi);                                          \
        }                                                                                   \
    }

static void row(int op, const float *restrict a, const float *restrict b, float *restrict o,
                size_t n, int sa, int sb, float lo, float hi)
{
    switch (op) {
    case TINYRT_BINARY_ADD: TINYRT_BINARY_ROW(x + y) break;
    case TINYRT_BINARY_SUB: TINYRT_BINARY_ROW(x - y) break;
    case TINYRT_BINARY_MUL: TINYRT_BINARY_ROW(x * y) break;
    default: TINYRT_BINARY_ROW((x - y) * (x - y)) break;
    }
}

int tinyrt_binary_f32(const tinyrt_binary_f32_opdata *p)
{
    if (p->op < 0 || p->op > TINYRT_BINARY_SQUARED_DIFFERENCE)
        return TINYRT_ERROR;
    tinyrt_walk w;
    tinyrt_walk_start(&w, p->rank, p->geometry);
    do
        row(p->op, p->input1 + w.at0, p->input2 + w.at1, p->output + w.row, w.n, w.step0,
            w.step1, p->act_min, p->act_max);
    while (tinyrt_walk_next(&w));
    return TINYRT_OK;
}
