/* ADD, SUB and MUL on int16 with broadcasting, in TFLM's arithmetic. See binary_s16.c. */
#ifndef TINYRT_BINARY_S16_H
#define TINYRT_BINARY_S16_H
#include "../tinyrt.h"

enum { TINYRT_S16_ADD = 0, TINYRT_S16_SUB = 1, TINYRT_S16_MUL = 2 };

#define TINYRT_FIELDS_binary_s16(F) \
    F(PTR, const int16_t *, input1) F(PTR, const int16_t *, input2) F(PTR, int16_t *, output) \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: output walk, input1, input2 */ \
    F(I32, int32_t, rank) F(I32, int32_t, op) \
    F(I32, int32_t, left_shift)        /* ADD/SUB: 15, both inputs shifted up first */ \
    F(I32, int32_t, input1_multiplier) F(I32, int32_t, input1_right) \
    F(I32, int32_t, input2_multiplier) F(I32, int32_t, input2_right) \
    F(I32, int32_t, output_multiplier) F(I32, int32_t, output_left) \
    F(I32, int32_t, output_right) \
    F(I32, int32_t, output_zp) F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(binary_s16)

#endif
