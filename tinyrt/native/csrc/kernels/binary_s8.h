/* Int8 binary ops with broadcasting through their table of every input pair. See
 * binary_s8.c. */
#ifndef TINYRT_BINARY_S8_H
#define TINYRT_BINARY_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_binary_s8(F) \
    F(PTR, const int8_t *, input1) F(PTR, const int8_t *, input2) F(PTR, int8_t *, output) \
    F(PTR, const int8_t *, table)      /* [256][256]: row input1 + 128, column input2 + 128 */ \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: output walk, input1, input2 */ \
    F(I32, int32_t, rank)
TINYRT_DECLARE_OPDATA(binary_s8)

#endif
