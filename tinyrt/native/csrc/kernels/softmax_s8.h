/* SOFTMAX of an int8 input to int8 or int16, TFLM's fixed-point path. See softmax_s8.c. */
#ifndef TINYRT_SOFTMAX_S8_H
#define TINYRT_SOFTMAX_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_softmax_s8(F) \
    F(PTR, const int8_t *, input)      /* [rows][depth] */ \
    F(PTR, void *, output)             /* int8 or int16 [rows][depth] */ \
    F(PTR, const int32_t *, exp_table) /* [256] exp of a difference, indexed by (uint8)(x - max) */ \
    F(PTR, const int32_t *, sum_table) /* [256] the same in the Q12.19 sum's format */ \
    F(I32, int32_t, rows) F(I32, int32_t, depth) F(I32, int32_t, out_bits) \
    F(I32, int32_t, out_min) F(I32, int32_t, out_max)
TINYRT_DECLARE_OPDATA(softmax_s8)

#endif
