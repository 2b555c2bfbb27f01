/* Float32 element-wise functions of one input. See unary_f32.c. */
#ifndef TINYRT_UNARY_F32_H
#define TINYRT_UNARY_F32_H
#include "../tinyrt.h"

enum { TINYRT_UNARY_LOGISTIC = 0, TINYRT_UNARY_TANH = 1, TINYRT_UNARY_HARD_SWISH = 2,
       TINYRT_UNARY_RSQRT = 3, TINYRT_UNARY_GELU = 4, TINYRT_UNARY_GELU_TANH = 5 };

#define TINYRT_FIELDS_unary_f32(F) \
    F(PTR, const float *, input) F(PTR, float *, output) F(I64, int64_t, n) F(I32, int32_t, op)
TINYRT_DECLARE_OPDATA(unary_f32)

#endif
