/* Integer helpers of TFLM's Signal library (tflite-micro signal/src), shared by the Signal
 * kernels: MostSignificantBit32/64 (0 counts as 32 / 64 bits, as the GCC build gives), the
 * rounded square root Sqrt64 (with Sqrt32's below 2^32), and Log32. Shift counts taken from
 * models are masked by the callers as the x86 build of TFLM's C++ does (32-bit shifts modulo
 * 32, 64-bit ones modulo 64). */
#ifndef TINYRT_SIGNAL_H
#define TINYRT_SIGNAL_H

#include <math.h>

#include "tinyrt.h"

static inline int tinyrt_msb32(uint32_t x)
{
#if defined(__GNUC__)
    return x ? 32 - __builtin_clz(x) : 32;
#else
    int n = 0;
    if (!x)
        return 32;
    for (; x; x >>= 1)
        n++;
    return n;
#endif
}

static inline int tinyrt_msb64(uint64_t x)
{
#if defined(__GNUC__)
    return x ? 64 - __builtin_clzll(x) : 64;
#else
    int n = 0;
    if (!x)
        return 64;
    for (; x; x >>= 1)
        n++;
    return n;
#endif
}

/* TFLM's Sqrt32 and Sqrt64 compute the root bit by bit: the floor of the square root and its
 * remainder, then one up when the remainder exceeds the root, unless the root is already the
 * largest of the width (0xFFFF for values below 2^32, which take Sqrt32's path; 0xFFFFFFFF
 * above). Here the floor comes from the double square root (within one of it), corrected
 * exactly in integers. */
static inline uint32_t tinyrt_sqrt64(uint64_t num)
{
    double estimate = sqrt((double)num);
    uint64_t r = estimate >= 4294967295.0 ? 0xFFFFFFFFu : (uint64_t)estimate;
    while (r * r > num)                          /* r <= 2^32 - 1: r * r fits */
        r--;
    while (r < 0xFFFFFFFFu && (r + 1) * (r + 1) <= num)
        r++;
    uint64_t cap = (num >> 32) ? 0xFFFFFFFFu : 0xFFFFu;
    if (num - r * r > r && r != cap)
        r++;
    return (uint32_t)r;
}

/* Log32: out_scale * ln(x) with 16 fraction bits, for x > 1; ``lut`` holds the 130 entries of
 * log2(1 + f) - f on 128 segments (tinyrt/kernels/signal/filter_bank_post.py's LOG_LUT). All
 * of it in uint32 arithmetic, as TFLM's. */
static inline uint32_t tinyrt_log32(uint32_t x, uint32_t out_scale, const int32_t *lut)
{
    uint32_t integer = (uint32_t)tinyrt_msb32(x) - 1;
    /* the bits below the top one, as a 16-bit fraction */
    int32_t frac = (int32_t)(x - ((uint32_t)1 << integer));
    if (integer < 16)
        frac = (int32_t)((uint32_t)frac << (16 - integer));
    else
        frac >>= integer - 16;
    uint32_t seg = (uint32_t)frac >> 9;
    int32_t c0 = lut[seg], c1 = lut[seg + 1];
    int32_t rel = (int32_t)((c1 - c0) * (int64_t)(frac - (int32_t)(seg << 9)) >> 16);
    uint32_t fraction = (uint32_t)frac + (uint32_t)c0 + (uint32_t)rel;
    uint32_t log2 = (integer << 16) + fraction;
    uint32_t loge = (uint32_t)(((uint64_t)45426 * log2 + 32768) >> 16);
    return (out_scale * loge + 32768u) >> 16;
}

#endif
