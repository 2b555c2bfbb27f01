/* int8 CONV_2D and FULLY_CONNECTED (a 1x1 convolution over the rows) with TFLM's arithmetic.
 * See conv_s8.c (the host's levels) and mcu/conv_s8.c (generated firmware), which read some
 * fields differently, as each says. */
#ifndef TINYRT_CONV_S8_H
#define TINYRT_CONV_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_conv_s8(F) \
    F(PTR, const int8_t *, input)      /* [batches][in_h][in_w][in_c] */ \
    F(PTR, int8_t *, output)           /* [batches][out_h][out_w][out_c] */ \
    F(PTR, const void *, weights)      /* packed for the level's GEMM (conv_s8.c) */ \
    F(PTR, const int32_t *, corr)      /* [op]: bias - (input_zp + 128) * sum w */ \
    F(PTR, const int32_t *, mult)      /* [out_c] requantization multipliers */ \
    F(PTR, const int32_t *, left)      /* [out_c] left shifts */ \
    F(PTR, const int32_t *, right)     /* [out_c] right shifts */ \
    F(PTR, const int32_t *, nudge) F(PTR, const int32_t *, fold_shift) \
                                       /* [out_c] or NULL: the same requantization folded \
                                          (tinyrt_requantize_folded, the output zero point in \
                                          the nudge), which the AVX2 level uses */ \
    F(PTR, void *, col)                /* work [chunk][kp] of bytes (AVX-512) or int16, \
                                          + 16 bytes; NULL where windows is set */ \
    F(PTR, int32_t *, acc)             /* work [chunk][op] */ \
    F(PTR, void *, padded)             /* own [pad_h][pad_w][in_c] + 16 values: one image, its \
                                          border holding input_zp + 128; bytes, or int16 where \
                                          windows is set; NULL for pointwise */ \
    F(PTR, const int32_t *, koff)      /* [kp / 2] or NULL: the int16 GEMM's tap pair offsets \
                                          in a row (conv_s8.c), at AVX2 and for AVX-512's \
                                          windows read in place */ \
    F(I32, int32_t, windows)           /* 1: the windows are read in place in the int16 \
                                          padded image; 0: the columns are copied */ \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) \
    F(I32, int32_t, in_c) F(I32, int32_t, out_h) F(I32, int32_t, out_w) \
    F(I32, int32_t, out_c) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, dil_h) \
    F(I32, int32_t, dil_w) F(I32, int32_t, pad_top) F(I32, int32_t, pad_left) \
    F(I32, int32_t, pad_h) F(I32, int32_t, pad_w) F(I32, int32_t, kp) F(I32, int32_t, op) \
    F(I32, int32_t, chunk)             /* output pixels per GEMM: a multiple of 4 */ \
    F(I32, int32_t, input_zp) F(I32, int32_t, output_zp) F(I32, int32_t, act_min) \
    F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(conv_s8)

#endif
