/* ADD, SUB, MUL, SQUARED_DIFFERENCE on float32 with broadcasting. See binary_f32.c. */
#ifndef TINYRT_BINARY_F32_H
#define TINYRT_BINARY_F32_H
#include "../tinyrt.h"

enum { TINYRT_BINARY_ADD = 0, TINYRT_BINARY_SUB = 1, TINYRT_BINARY_MUL = 2,
       TINYRT_BINARY_SQUARED_DIFFERENCE = 3 };

#define TINYRT_FIELDS_binary_f32(F) \
    F(PTR, const float *, input1) F(PTR, const float *, input2) F(PTR, float *, output) \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: output walk, input1, input2 */ \
    F(I32, int32_t, rank) F(I32, int32_t, op) \
    F(F32, float, act_min) F(F32, float, act_max)
TINYRT_DECLARE_OPDATA(binary_f32)

#endif
