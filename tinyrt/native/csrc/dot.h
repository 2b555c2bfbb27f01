/* Integer dot products whose int32 sums wrap as TFLM's accumulators do (done in uint32_t).
 * The portable loops vectorise on hosts; with the Cortex-M DSP extension, SMLAD multiplies
 * and adds two int16 pairs at a time (int8 values widened by SXTB16 first; simd.h has the
 * rotated form). */
#ifndef TINYRT_DOT_H
#define TINYRT_DOT_H

#include "tinyrt.h"

static inline int32_t tinyrt_dot_s8(const int8_t *a, const int8_t *b, int n)
{
    uint32_t sum = 0;
    int i = 0;
#if defined(TINYRT_ARM_DSP)
    int32_t s = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t x = tinyrt_load32(a + i), y = tinyrt_load32(b + i);
        /* the even bytes of both, then the odd: pairs in the same order, so the sums match */
        s = __smlad(__sxtb16(x), __sxtb16(y), s);
        s = __smlad(tinyrt_sxtb16_ror8(x), tinyrt_sxtb16_ror8(y), s);
    }
    sum = (uint32_t)s;
#endif
    for (; i < n; i++)
        sum += (uint32_t)((int32_t)a[i] * b[i]);
    return (int32_t)sum;
}

/* two rows a0, a1 against the same b: each value of b loaded and widened once */
static inline void tinyrt_dot2_s8(const int8_t *a0, const int8_t *a1, const int8_t *b, int n,
                                  int32_t *s0, int32_t *s1)
{
    uint32_t u0 = 0, u1 = 0;
    int i = 0;
#if defined(TINYRT_ARM_DSP)
    int32_t t0 = 0, t1 = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t y = tinyrt_load32(b + i), x0 = tinyrt_load32(a0 + i);
        uint32_t x1 = tinyrt_load32(a1 + i);
        uint32_t ye = __sxtb16(y), yo = tinyrt_sxtb16_ror8(y);
        t0 = __smlad(__sxtb16(x0), ye, t0);
        t0 = __smlad(tinyrt_sxtb16_ror8(x0), yo, t0);
        t1 = __smlad(__sxtb16(x1), ye, t1);
        t1 = __smlad(tinyrt_sxtb16_ror8(x1), yo, t1);
    }
    u0 = (uint32_t)t0;
    u1 = (uint32_t)t1;
#endif
    for (; i < n; i++) {
        u0 += (uint32_t)((int32_t)a0[i] * b[i]);
        u1 += (uint32_t)((int32_t)a1[i] * b[i]);
    }
    *s0 = (int32_t)u0;
    *s1 = (int32_t)u1;
}

static inline int32_t tinyrt_dot_s16(const int16_t *a, const int16_t *b, int n)
{
    uint32_t sum = 0;
    int i = 0;
#if defined(TINYRT_ARM_DSP)
    int32_t s = 0;
    for (; i + 2 <= n; i += 2)
        s = __smlad(tinyrt_load32(a + i), tinyrt_load32(b + i), s);
    sum = (uint32_t)s;
#endif
    for (; i < n; i++)
        sum += (uint32_t)((int32_t)a[i] * b[i]);
    return (int32_t)sum;
}

#endif
