/* int8 DEPTHWISE_CONV_2D with TFLM's arithmetic. See depthwise_s8.c (the host's levels) and
 * mcu/depthwise_s8.c (generated firmware), which reads some fields differently. */
#ifndef TINYRT_DEPTHWISE_S8_H
#define TINYRT_DEPTHWISE_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_depthwise_s8(F) \
    F(PTR, const int8_t *, input)      /* [batches][in_h][in_w][in_c] */ \
    F(PTR, int8_t *, output)           /* [batches][out_h][out_w][out_c] */ \
    F(PTR, const void *, weights)      /* [(kh + 1) / 2 * kw][out_w * out_c] int16 pairs: \
                                          the weights of filter rows ky, ky + 1 (ky even; 0 \
                                          past the last row) at column kx, pair ky / 2 * kw \
                                          + kx, each pair's channels tiled along an output \
                                          row */ \
    F(PTR, const int32_t *, bias)      /* [out_w * out_c], tiled likewise */ \
    F(PTR, const int32_t *, mult) F(PTR, const int32_t *, left) \
    F(PTR, const int32_t *, right)     /* [out_w * out_c], tiled likewise */ \
    F(PTR, const int32_t *, nudge) F(PTR, const int32_t *, fold_shift) \
                                       /* [out_w * out_c] tiled, or NULL: the same \
                                          requantization folded (tinyrt_requantize_folded, \
                                          the output zero point in the nudge), which the AVX2 \
                                          level uses */ \
    F(PTR, void *, planes)             /* own, zeroed once: [phases][pad_h][plane_w][out_c] \
                                          int16 pairs: the input minus its zero point at a \
                                          padded row and dil_h rows below (0 in the padding), \
                                          channels repeated dm times, padded column j in \
                                          plane j % phases at j / phases */ \
    F(PTR, const void **, pairs)       /* work [(kh + 1) / 2 * kw] */ \
    F(PTR, int32_t *, acc)             /* work [out_w * out_c] */ \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) \
    F(I32, int32_t, in_c) F(I32, int32_t, out_h) F(I32, int32_t, out_w) \
    F(I32, int32_t, out_c) F(I32, int32_t, dm) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, dil_h) \
    F(I32, int32_t, dil_w) F(I32, int32_t, pad_top) F(I32, int32_t, pad_left) \
    F(I32, int32_t, pad_h) F(I32, int32_t, plane_w) F(I32, int32_t, phases) \
    F(I32, int32_t, input_zp) F(I32, int32_t, output_zp) F(I32, int32_t, act_min) \
    F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(depthwise_s8)

#endif
