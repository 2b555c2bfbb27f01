/* SVDF: int8 input with int16 or int8 state, and float32, as TFLM's reference kernels. See
 * svdf.c. */
#ifndef TINYRT_SVDF_H
#define TINYRT_SVDF_H
#include "../tinyrt.h"

/* Integer: the state (and time weights) are int16 when state_bytes is 2, int8 when 1. */
#define TINYRT_FIELDS_svdf_int(F) \
    F(PTR, const int8_t *, input)             /* [batch][n_input] */ \
    F(PTR, const int8_t *, weights_feature)   /* [n_filter][n_input] */ \
    F(PTR, const int32_t *, feature_offset)   /* [n_filter]: -input_zp * row sum */ \
    F(PTR, const void *, weights_time)        /* [n_filter][n_memory] of the state's type */ \
    F(PTR, const int32_t *, unit_offset)      /* [n_unit]: bias - state_zp * time weight sums */ \
    F(PTR, void *, state)                     /* [batch][n_filter][n_memory] */ \
    F(PTR, int8_t *, output)                  /* [batch][n_unit] */ \
    F(I32, int32_t, batch) F(I32, int32_t, n_input) F(I32, int32_t, n_filter) \
    F(I32, int32_t, n_memory) F(I32, int32_t, n_unit) F(I32, int32_t, rank) \
    F(I32, int32_t, state_bytes) \
    F(I32, int32_t, mult1) F(I32, int32_t, left1) F(I32, int32_t, right1) \
    F(I32, int32_t, state_zp) F(I32, int32_t, state_min) F(I32, int32_t, state_max) \
    F(I32, int32_t, mult2) F(I32, int32_t, left2) F(I32, int32_t, right2) \
    F(I32, int32_t, output_zp)
TINYRT_DECLARE_OPDATA(svdf_int)

/* Float32. activation: 0 none, 1 relu, 2 relu_n1_to_1, 3 relu6, 4 tanh, 5 sign_bit (the
 * schema's codes). */
#define TINYRT_FIELDS_svdf_f32(F) \
    F(PTR, const float *, input)              /* [batch][n_input] */ \
    F(PTR, const float *, weights_feature_t)  /* [n_input][n_filter]: transposed */ \
    F(PTR, const float *, weights_time)       /* [n_filter][n_memory] */ \
    F(PTR, const float *, bias)               /* [n_unit] or NULL */ \
    F(PTR, float *, state)                    /* [batch][n_filter][n_memory] */ \
    F(PTR, float *, output)                   /* [batch][n_unit] */ \
    F(PTR, float *, acc)                      /* work [n_filter] */ \
    F(I32, int32_t, batch) F(I32, int32_t, n_input) F(I32, int32_t, n_filter) \
    F(I32, int32_t, n_memory) F(I32, int32_t, n_unit) F(I32, int32_t, rank) \
    F(I32, int32_t, activation)
TINYRT_DECLARE_OPDATA(svdf_f32)

#endif
