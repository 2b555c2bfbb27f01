/* SOFTMAX on float32. See softmax_f32.c. */
#ifndef TINYRT_SOFTMAX_F32_H
#define TINYRT_SOFTMAX_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_softmax_f32(F) \
    F(PTR, const float *, input) F(PTR, float *, output) \
    F(I64, int64_t, rows) F(I64, int64_t, depth) F(F32, float, beta)
TINYRT_DECLARE_OPDATA(softmax_f32)

#endif
