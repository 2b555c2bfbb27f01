/* float32 CONV_2D in TFLM's summation order. See conv_f32.c. */
#ifndef TINYRT_CONV_F32_H
#define TINYRT_CONV_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_conv_f32(F) \
    F(PTR, const float *, input)       /* [batches][in_h][in_w][in_c] */ \
    F(PTR, float *, output)            /* [batches][out_h][out_w][out_c] */ \
    F(PTR, const float *, weights)     /* packed: [out_c / 16][kh * kw * in_c][16] */ \
    F(PTR, const float *, bias)        /* [out_c rounded up to 16], or NULL */ \
    F(PTR, float *, col)               /* work [chunk][kh * kw * in_c]; NULL for pointwise */ \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) \
    F(I32, int32_t, in_c) F(I32, int32_t, out_h) F(I32, int32_t, out_w) \
    F(I32, int32_t, out_c) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, dil_h) \
    F(I32, int32_t, dil_w) F(I32, int32_t, pad_top) F(I32, int32_t, pad_left) \
    F(I32, int32_t, chunk) F(F32, float, act_min) F(F32, float, act_max)
TINYRT_DECLARE_OPDATA(conv_f32)

#endif
