/* float32 CONV_2D: TFLM's reference sum per output (from +0.0 over filter rows, filter
 * columns, input channels, in that order; then + bias and the activation clamp) as a GEMM of
 * the windows' columns (im2col, a chunk of output pixels at a time so the columns stay in
 * cache) with the weights packed in blocks of 16 output channels (gemm_f32.h).
 *
 * TFLM skips taps outside the input; here they are columns of +0.0, whose products (+-0.0,
 * the weights being finite: prepare checks) leave a sum that is never -0.0 unchanged. A
 * pointwise convolution (1x1, unit strides, no padding) reads the input as its columns. */
#include "conv_f32.h"
#include "../gemm_f32.h"

static void columns(const tinyrt_conv_f32_opdata *op, int64_t first, int rows, float *col)
{
    const int64_t pixels = (int64_t)op->out_h * op->out_w;
    const size_t depth = (size_t)op->kh * op->kw * op->in_c, run = (size_t)op->in_c;
    for (int r = 0; r < rows; r++) {
        int64_t p = first + r, b = p / pixels, oy = p % pixels / op->out_w, ox = p % op->out_w;
        float *dst = col + (size_t)r * depth;
        for (int ky = 0; ky < op->kh; ky++) {
            int64_t iy = oy * op->stride_h - op->pad_top + (int64_t)ky * op->dil_h;
            for (int kx = 0; kx < op->kw; kx++, dst += run) {
                int64_t ix = ox * op->stride_w - op->pad_left + (int64_t)kx * op->dil_w;
                if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) {
                    memset(dst, 0, run * sizeof *dst);
                    continue;
                }
                memcpy(dst, op->input + ((size_t)(b * op->in_h + iy) * op->in_w + ix) * run,
                       run * sizeof *dst);
            }
        }
    }
}

int tinyrt_conv_f32(const tinyrt_conv_f32_opdata *op)
{
    const int64_t total = (int64_t)op->batches * op->out_h * op->out_w;
    const int depth = op->kh * op->kw * op->in_c;
    tinyrt_gemm_f32_args g = {
        .a = op->input, .a_row = depth, .a_k = 1, .w = op->weights, .bias = op->bias,
        .c_row = op->out_c, .n = op->out_c, .k = depth, .lo = op->act_min, .hi = op->act_max};
    if (!op->col) {
        g.c = op->output;
        g.m = (int)total;
        tinyrt_gemm_f32(&g);
        return TINYRT_OK;
    }
    for (int64_t first = 0; first < total; first += op->chunk) {
        int rows = total - first < op->chunk ? (int)(total - first) : op->chunk;
        columns(op, first, rows, op->col);
        g.a = op->col;
        g.c = op->output + (size_t)first * op->out_c;
        g.m = rows;
        tinyrt_gemm_f32(&g);
    }
    return TINYRT_OK;
}
