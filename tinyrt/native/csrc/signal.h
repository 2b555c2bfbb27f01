/* Integer helpers of TFLM's Signal library (tflite-micro signal/src), shared by the Signal
 * kernels: MostSignificantBit32/64 (0 counts as 32 / 64 bits, as the GCC build gives), the
 * rounded square roots Sqrt32 / Sqrt64, and Log32. Shift counts taken from models are masked
 * by the callers as the x86 build of TFLM's C++ does (32-bit shifts modulo 32, 64-bit ones
 * modulo 64). */
#ifndef TINYRT_SIGNAL_H
#define TINYRT_SIGNAL_H

#include "tinyrt.h"

static inline int tinyrt_msb32(uint32_t x)
{
    int n = 0;
    if (!x)
        return 32;
    while (x) {
        x >>= 1;
        n++;
    }
    return n;
}

static inline int tinyrt_msb64(uint64_t x)
{
    int n = 0;
    if (!x)
        return 64;
    while (x) {
        x >>= 1;
        n++;
    }
    return n;
}

/* the root rounded up when the remainder exceeds it, never past 0xFFFF */
static inline uint32_t tinyrt_sqrt32(uint32_t num)
{
    if (num == 0)
        return 0;
    uint32_t res = 0;
    int top = (32 - tinyrt_msb32(num)) | 1;
    uint32_t bit = (uint32_t)1 << (31 - top);
    for (int i = (31 - top) / 2 + 1; i > 0; i--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != 0xFFFF)
        res++;
    return res;
}

/* values below 2^32 take Sqrt32's path (and its cap), as TFLM's does */
static inline uint32_t tinyrt_sqrt64(uint64_t num)
{
    if ((num >> 32) == 0)
        return tinyrt_sqrt32((uint32_t)num);
    uint64_t res = 0;
    int top = (64 - tinyrt_msb64(num)) | 1;
    uint64_t bit = (uint64_t)1 << (63 - top);
    for (int i = (63 - top) / 2 + 1; i > 0; i--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != 0xFFFFFFFFu)
        res++;
    return (uint32_t)res;
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
