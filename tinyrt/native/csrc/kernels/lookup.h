/* Element-wise ops of 8- or 16-bit inputs through a table of every input value. See
 * lookup.c. */
#ifndef TINYRT_LOOKUP_H
#define TINYRT_LOOKUP_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_lookup(F) \
    F(PTR, const void *, input) F(PTR, void *, output) \
    F(PTR, const void *, table)        /* entry v mod 2^(8 * in_bytes): the output of value v */ \
    F(I64, int64_t, n) \
    F(I32, int32_t, in_bytes)          /* 1 or 2 */ \
    F(I32, int32_t, out_bytes)         /* 1, 2 or 4 */ \
    F(I32, int32_t, in_signed)         /* for in_min: the input is int8/int16 (else uint) */ \
    F(I32, int32_t, in_min)            /* inputs below it fail the op (RSQRT); else INT32_MIN */
TINYRT_DECLARE_OPDATA(lookup)

#endif
