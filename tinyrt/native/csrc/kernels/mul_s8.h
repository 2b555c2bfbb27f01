/* MUL on int8 with broadcasting, in TFLM's arithmetic. See mul_s8.c. */
#ifndef TINYRT_MUL_S8_H
#define TINYRT_MUL_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_mul_s8(F) \
    F(PTR, const int8_t *, input1) F(PTR, const int8_t *, input2) F(PTR, int8_t *, output) \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: output walk, input1, input2 */ \
    F(I32, int32_t, rank) \
    F(I32, int32_t, input1_offset) F(I32, int32_t, input2_offset)  /* minus the zero points */ \
    F(I32, int32_t, multiplier) F(I32, int32_t, left) F(I32, int32_t, right) \
    F(I32, int32_t, output_zp) F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(mul_s8)

#endif
