/* float32 FULLY_CONNECTED: TFLM's reference sum per output (from +0.0, one product and one sum
 * per input value in order, then + bias, then the activation clamp), 16 units at a time per
 * vector block and several rows per tile (gemm_f32.h). Prepare packs the weights by blocks of
 * 16 units (tinyrt/kernels/fully_connected.py). */
#include "fully_connected_f32.h"
#include "../gemm_f32.h"

int tinyrt_fully_connected_f32(const tinyrt_fully_connected_f32_opdata *op)
{
    tinyrt_gemm_f32_args g = {
        .a = op->input, .a_row = op->depth, .a_k = 1, .w = op->weights, .bias = op->bias,
        .c = op->output, .c_row = op->units, .m = op->rows, .n = op->units, .k = op->depth,
        .lo = op->act_min, .hi = op->act_max};
    tinyrt_gemm_f32(&g);
    return TINYRT_OK;
}
