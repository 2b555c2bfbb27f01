/* AVERAGE_POOL_2D, int8, TFLM's reference arithmetic. See avgpool_s8.c. */
#ifndef TINYRT_AVGPOOL_S8_H
#define TINYRT_AVGPOOL_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_avgpool_s8(F) \
    F(PTR, const int8_t *, input)      /* [batches][in_h][in_w][c] */ \
    F(PTR, int8_t *, output)           /* [batches][out_h][out_w][c] */ \
    F(PTR, int32_t *, acc)             /* work [c] */ \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) F(I32, int32_t, c) \
    F(I32, int32_t, out_h) F(I32, int32_t, out_w) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, pad_top) \
    F(I32, int32_t, pad_left) F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(avgpool_s8)

#endif
