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
#include "../vec_f32.h"

/* n floats, in vectors: the runs are short (a few channels), where memcpy's call costs more
 * than the copy */
static inline void copy_run(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + VF_LANES <= n; i += VF_LANES)
        vf_store(dst + i, vf_load(src + i));
    if (i < n)
        vf_store_part(dst + i, vf_load_part(src + i, (int)(n - i)), (int)(n - i));
}

static inline void zero_run(float *dst, size_t n)
{
    size_t i = 0;
    for (; i + VF_LANES <= n; i += VF_LANES)
        vf_store(dst + i, vf_zero());
    if (i < n)
        vf_store_part(dst + i, vf_zero(), (int)(n - i));
}

static void columns(const tinyrt_conv_f32_opdata *op, int64_t first, int rows, float *col)
{
    const int64_t pixels = (int64_t)op->out_h * op->out_w;
    const size_t run = (size_t)op->in_c, row_run = (size_t)op->kw * run;
    for (int r = 0; r < rows; r++) {
        int64_t p = first + r, b = p / pixels, oy = p % pixels / op->out_w, ox = p % op->out_w;
        int64_t x0 = ox * op->stride_w - op->pad_left;
        /* with no dilation, a filter row inside the input is one run of kw pixels */
        int whole = op->dil_w == 1 && x0 >= 0 && x0 + op->kw <= op->in_w;
        float *dst = col + (size_t)r * op->kh * row_run;
        for (int ky = 0; ky < op->kh; ky++, dst += row_run) {
            int64_t iy = oy * op->stride_h - op->pad_top + (int64_t)ky * op->dil_h;
            if (iy < 0 || iy >= op->in_h) {
                zero_run(dst, row_run);
                continue;
            }
            const float *line = op->input + (size_t)(b * op->in_h + iy) * op->in_w * run;
            if (whole) {
                copy_run(dst, line + (size_t)x0 * run, row_run);
                continue;
            }
            for (int kx = 0; kx < op->kw; kx++) {
                int64_t ix = x0 + (int64_t)kx * op->dil_w;
                if (ix < 0 || ix >= op->in_w)
                    zero_run(dst + kx * run, run);
                else
                    copy_run(dst + kx * run, line + (size_t)ix * run, run);
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
