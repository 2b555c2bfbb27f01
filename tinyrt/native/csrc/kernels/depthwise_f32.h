/* float32 DEPTHWISE_CONV_2D in TFLM's summation order. See depthwise_f32.c. */
#ifndef TINYRT_DEPTHWISE_F32_H
#define TINYRT_DEPTHWISE_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_depthwise_f32(F) \
    F(PTR, const float *, input)       /* [batches][in_h][in_w][in_c] */ \
    F(PTR, float *, output)            /* [batches][out_h][out_w][out_c] */ \
    F(PTR, const float *, weights)     /* [kh * kw][out_c rounded up to 16], zero padded */ \
    F(PTR, const float *, bias)        /* [out_c rounded up to 16], or NULL */ \
    F(PTR, float *, expanded)          /* work [batches][in_h][in_w][out_c] when dm > 1, \
                                          else NULL */ \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) \
    F(I32, int32_t, in_c) F(I32, int32_t, out_h) F(I32, int32_t, out_w) \
    F(I32, int32_t, out_c) F(I32, int32_t, dm) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, dil_h) \
    F(I32, int32_t, dil_w) F(I32, int32_t, pad_top) F(I32, int32_t, pad_left) \
    F(F32, float, act_min) F(F32, float, act_max)
TINYRT_DECLARE_OPDATA(depthwise_f32)

#endif
