/* CAST as TFLM's static_cast, element by element: integers wrap to the output's width
 * (computed through uint32_t / int64_t, so C has no overflow); integers to float32 round to
 * nearest; float32 to integers truncates towards zero and, out of the output's range,
 * saturates, with NaN giving 0 (what the tflite-micro build does where C leaves the result
 * undefined; the numpy kernel does the same). A bool input is its byte, 0 or 1. */
#include "cast.h"

#define TINYRT_CAST_TYPES(X) \
    X(TINYRT_CAST_INT8, int8_t, INT8_MIN, INT8_MAX) \
    X(TINYRT_CAST_UINT8, uint8_t, 0, UINT8_MAX) \
    X(TINYRT_CAST_INT16, int16_t, INT16_MIN, INT16_MAX) \
    X(TINYRT_CAST_UINT16, uint16_t, 0, UINT16_MAX) \
    X(TINYRT_CAST_INT32, int32_t, INT32_MIN, INT32_MAX) \
    X(TINYRT_CAST_UINT32, uint32_t, 0, UINT32_MAX)

/* an integer, as the low bits of its two's complement, in any narrower or equal type */
static inline int64_t wrap_to(int64_t v, int bits, int is_signed)
{
    uint64_t mask = (bits == 64) ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
    uint64_t u = (uint64_t)v & mask;
    if (is_signed && (u >> (bits - 1)))
        return -(int64_t)(((~u) & mask) + 1);
    return (int64_t)u;
}

/* float to an integer range [lo, hi]: truncated, saturated, NaN to 0 */
static inline int64_t float_to(float f, int64_t lo, int64_t hi)
{
    double d = (double)f;
    if (d != d)
        return 0;
    if (d <= (double)lo)
        return lo;
    if (d >= (double)hi)
        return hi;
    return (int64_t)d;
}

#define TINYRT_CAST_FROM_INT(IN_T)                                                          \
    {                                                                                       \
        const IN_T *restrict x = p->input;                                                  \
        switch (p->out_type) {                                                              \
        case TINYRT_CAST_FLOAT32: {                                                         \
            float *restrict y = p->output;                                                   \
            for (int64_t i = 0; i < n; i++)                                                 \
                y[i] = (float)x[i];                                                         \
            return TINYRT_OK;                                                               \
        }                                                                                   \
        TINYRT_CAST_TYPES(TINYRT_CAST_INT_TO)                                               \
        }                                                                                   \
        return TINYRT_ERROR;                                                                \
    }
#define TINYRT_CAST_INT_TO(CODE, OUT_T, LO, HI)                                             \
    case CODE: {                                                                            \
        OUT_T *restrict y = p->output;                                                      \
        for (int64_t i = 0; i < n; i++)                                                     \
            y[i] = (OUT_T)wrap_to((int64_t)x[i], 8 * (int)sizeof(OUT_T), (LO) != 0);        \
        return TINYRT_OK;                                                                   \
    }
#define TINYRT_CAST_FLOAT_TO(CODE, OUT_T, LO, HI)                                           \
    case CODE: {                                                                            \
        OUT_T *restrict y = p->output;                                                      \
        for (int64_t i = 0; i < n; i++)                                                     \
            y[i] = (OUT_T)float_to(x[i], (int64_t)(LO), (int64_t)(HI));                    \
        return TINYRT_OK;                                                                   \
    }

int tinyrt_cast(const tinyrt_cast_opdata *p)
{
    const int64_t n = p->n;
    switch (p->in_type) {
    /* not through TINYRT_CAST_TYPES: a macro does not expand inside its own expansion */
    case TINYRT_CAST_INT8: TINYRT_CAST_FROM_INT(int8_t)
    case TINYRT_CAST_UINT8: TINYRT_CAST_FROM_INT(uint8_t)
    case TINYRT_CAST_INT16: TINYRT_CAST_FROM_INT(int16_t)
    case TINYRT_CAST_UINT16: TINYRT_CAST_FROM_INT(uint16_t)
    case TINYRT_CAST_INT32: TINYRT_CAST_FROM_INT(int32_t)
    case TINYRT_CAST_UINT32: TINYRT_CAST_FROM_INT(uint32_t)
    case TINYRT_CAST_FLOAT32: {
        const float *restrict x = p->input;
        switch (p->out_type) {
        case TINYRT_CAST_FLOAT32:
            memcpy(p->output, x, (size_t)n * sizeof *x);
            return TINYRT_OK;
        TINYRT_CAST_TYPES(TINYRT_CAST_FLOAT_TO)
        }
        return TINYRT_ERROR;
    }
    }
    return TINYRT_ERROR;
}
