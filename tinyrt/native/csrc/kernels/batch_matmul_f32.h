/* float32 BATCH_MATMUL in TFLM's summation order. See batch_matmul_f32.c. */
#ifndef TINYRT_BATCH_MATMUL_F32_H
#define TINYRT_BATCH_MATMUL_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_batch_matmul_f32(F) \
    F(PTR, const float *, lhs)         /* [lhs batches][m][k], or [..][k][m] with adj_x */ \
    F(PTR, const float *, rhs)         /* [rhs batches][k][n], or [..][n][k] with adj_y */ \
    F(PTR, float *, output)            /* [batches][m][n] */ \
    F(PTR, float *, packed)            /* [rhs batches][n / 16][k][16]: packed by prepare \
                                          when rhs_packed, else work packed on every run */ \
    F(PTR, const int32_t *, lhs_index) /* [batches]: the lhs batch of each output batch */ \
    F(PTR, const int32_t *, rhs_index) /* [batches]: its rhs batch (broadcasting) */ \
    F(I32, int32_t, batches) F(I32, int32_t, rhs_batches) \
    F(I32, int32_t, m) F(I32, int32_t, k) F(I32, int32_t, n) \
    F(I32, int32_t, adj_x) F(I32, int32_t, adj_y) F(I32, int32_t, rhs_packed)
TINYRT_DECLARE_OPDATA(batch_matmul_f32)

#endif
