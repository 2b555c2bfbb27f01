/* tinyrt's compiled core: definitions the kernels, the executor and the Python binding share.
 *
 * Every kernel is one function `int tinyrt_<name>(const tinyrt_<name>_opdata *op)` taking its
 * op data: a struct holding what prepare computed (multipliers, shifts, offsets, bounds, packed
 * weights) and the arena addresses of the node's tensors. The struct's fields are declared
 * once, as an X-macro list in the kernel's header:
 *
 *     #define TINYRT_FIELDS_avgpool_s8(F) F(PTR, const int8_t *, input) F(I32, int32_t, c) ...
 *     TINYRT_DECLARE_OPDATA(avgpool_s8)
 *
 * which declares the struct and the function; module.c exports each field's name, kind,
 * offset and size from the same list, and Python builds its ctypes mirror from that export
 * (tinyrt/native/core.py), so no layout is written twice. Kinds: PTR (any pointer), I32, I64,
 * F32.
 */
#ifndef TINYRT_H
#define TINYRT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

enum { TINYRT_OK = 0, TINYRT_ERROR = 1 };

enum tinyrt_field_kind { TINYRT_KIND_PTR = 0, TINYRT_KIND_I32 = 1, TINYRT_KIND_I64 = 2,
                         TINYRT_KIND_F32 = 3 };

#define TINYRT_FIELD_DECL(kind, ctype, name) ctype name;
#define TINYRT_DECLARE_OPDATA(name) \
    typedef struct { TINYRT_FIELDS_##name(TINYRT_FIELD_DECL) } tinyrt_##name##_opdata; \
    int tinyrt_##name(const tinyrt_##name##_opdata *op);

/* four bytes at any address as a word (unaligned loads are fine on every target; memcpy says
 * so to the compiler without breaking C's aliasing rules) */
static inline uint32_t tinyrt_load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline int32_t tinyrt_clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline float tinyrt_clamp_f32(float v, float lo, float hi)
{
    /* TFLM's ActivationFunctionWithMinMax: max then min, NaN passes through as std::max/min
     * with NaN as first argument do */
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

#endif
