/* int8 BATCH_MATMUL with TFLM's arithmetic. See batch_matmul_s8.c. */
#ifndef TINYRT_BATCH_MATMUL_S8_H
#define TINYRT_BATCH_MATMUL_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_batch_matmul_s8(F) \
    F(PTR, const int8_t *, lhs)        /* [lhs batches][m][k], or [..][k][m] with adj_x */ \
    F(PTR, const int8_t *, rhs)        /* [rhs batches][k][n], or [..][n][k] with adj_y */ \
    F(PTR, int8_t *, output)           /* [batches][m][n] */ \
    F(PTR, int16_t *, packed)          /* work [rhs batches][n / 16][k2 / 2][16][2]: \
                                          rhs - rhs_zp */ \
    F(PTR, int16_t *, rows)            /* work [m][k2]: one lhs batch, lhs - za */ \
    F(PTR, int32_t *, acc)             /* work [m][n rounded up to 16] */ \
    F(PTR, const int32_t *, lhs_index) /* [batches]: the lhs batch of each output batch */ \
    F(PTR, const int32_t *, rhs_index) /* [batches]: its rhs batch */ \
    F(I32, int32_t, batches) F(I32, int32_t, rhs_batches) \
    F(I32, int32_t, m) F(I32, int32_t, k) F(I32, int32_t, k2) F(I32, int32_t, n) \
    F(I32, int32_t, adj_x) F(I32, int32_t, adj_y) \
    F(I32, int32_t, lhs_zp) F(I32, int32_t, rhs_zp) F(I32, int32_t, mult) \
    F(I32, int32_t, left) F(I32, int32_t, right) F(I32, int32_t, output_zp) \
    F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(batch_matmul_s8)

#endif
