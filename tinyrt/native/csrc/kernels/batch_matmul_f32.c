/* float32 BATCH_MATMUL: per output batch, out[i][j] = sum over k of lhs[i][k] rhs[k][j] from
 * +0.0 in k order, as TFLM's reference (no bias, no activation), with the float GEMM of
 * gemm_f32.h. The rhs is packed in blocks of 16 columns: once by prepare when it is a
 * constant, else here on every run (each rhs batch once, however many output batches
 * broadcast it). A transposed lhs (adj_x) is read in place through its strides. */
#include <math.h>

#include "batch_matmul_f32.h"
#include "../gemm_f32.h"

int tinyrt_batch_matmul_f32(const tinyrt_batch_matmul_f32_opdata *op)
{
    const int m = op->m, k = op->k, n = op->n;
    const size_t lhs_size = (size_t)m * k, rhs_size = (size_t)k * n, out_size = (size_t)m * n;
    const size_t packed_size = (size_t)(n + TINYRT_F32_BLOCK - 1) / TINYRT_F32_BLOCK *
                               TINYRT_F32_BLOCK * k;
    if (!op->rhs_packed)
        for (int b = 0; b < op->rhs_batches; b++)
            tinyrt_pack_f32(op->rhs + b * rhs_size, op->adj_y ? 1 : n, op->adj_y ? k : 1, k, n,
                            op->packed + b * packed_size);
    for (int b = 0; b < op->batches; b++) {
        tinyrt_gemm_f32_args g = {
            .a = op->lhs + (size_t)op->lhs_index[b] * lhs_size,
            .a_row = op->adj_x ? 1 : k, .a_k = op->adj_x ? m : 1,
            .w = op->packed + (size_t)op->rhs_index[b] * packed_size, .bias = NULL,
            .c = op->output + (size_t)b * out_size, .c_row = n, .m = m, .n = n, .k = k,
            /* no clamp: nothing is below -inf or above +inf, and NaN passes */
            .lo = -INFINITY, .hi = INFINITY};
        tinyrt_gemm_f32(&g);
    }
    return TINYRT_OK;
}
