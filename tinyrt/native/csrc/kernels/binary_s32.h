/* ADD, MUL, DIV, MINIMUM and MAXIMUM on int32 with broadcasting. See binary_s32.c. */
#ifndef TINYRT_BINARY_S32_H
#define TINYRT_BINARY_S32_H
#include "../tinyrt.h"

enum { TINYRT_S32_ADD = 0, TINYRT_S32_MUL = 1, TINYRT_S32_DIV = 2, TINYRT_S32_MINIMUM = 3,
       TINYRT_S32_MAXIMUM = 4 };

#define TINYRT_FIELDS_binary_s32(F) \
    F(PTR, const int32_t *, input1) F(PTR, const int32_t *, input2) F(PTR, int32_t *, output) \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: output walk, input1, input2 */ \
    F(I32, int32_t, rank) F(I32, int32_t, op) \
    F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(binary_s32)

#endif
