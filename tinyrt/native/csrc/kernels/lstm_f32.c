/* UNIDIRECTIONAL_SEQUENCE_LSTM, float32, as TFLM's reference kernels compute it (lstm_eval.cc):
 * each gate's fully connected layers sum from 0.0f in input order and add the bias (0.0f for
 * the output state's layer), each clamped to +-FLT_MAX; the two are added; TFLM's logistic
 * (its cut-offs, expf) and tanhf; the products f * c, i * g and o * tanh(c) each clamped to
 * +-FLT_MAX; the cell clip as std::max(std::min(clip, c), -clip).
 *
 * NaN: where both operands of a sum or product are NaN, x86 returns the first one, so the
 * result's sign depends on operand order, which a compiler may swap. The element-wise steps
 * therefore pick the NaN explicitly (first_nan), in the order that gives tflite-micro's bytes
 * (its compiled order, not always its source's). */
#include <float.h>
#include <math.h>

#include "lstm_f32.h"

static inline float flt_clamp(float v)
{
    return tinyrt_clamp_f32(v, -FLT_MAX, FLT_MAX);
}

/* a op b as x86 computes it when a or b is NaN: the first NaN operand */
static inline float first_nan(float a, float b, float r)
{
    return isnan(a) ? a : isnan(b) ? b : r;
}

static inline float add(float a, float b)
{
    return first_nan(a, b, a + b);
}

static inline float mul(float a, float b)
{
    return first_nan(a, b, a * b);
}

static inline float dense(const float *w, const float *x, int n, float bias)
{
    float total = 0.0f;
    for (int k = 0; k < n; k++)
        total += x[k] * w[k];
    return flt_clamp(add(total, bias));
}

static inline float logistic(float v)
{
    if (v > 16.619047164916992188f)
        return 1.0f;
    if (v < -9.0f)
        return expf(v);
    return 1.0f / (1.0f + expf(-v));
}

int tinyrt_lstm_f32(const tinyrt_lstm_f32_opdata *p)
{
    const int n = p->n_cell;
    float *z = p->gates;
    for (int t = 0; t < p->n_time; t++)
        for (int b = 0; b < p->n_batch; b++) {
            size_t row = p->time_major ? (size_t)t * p->n_batch + b : (size_t)b * p->n_time + t;
            const float *x = p->input + row * (size_t)p->n_input;
            float *h = p->h_state + (size_t)b * n;
            float *c = p->c_state + (size_t)b * n;
            for (size_t j = 0; j < 4 * (size_t)n; j++)
                z[j] = add(dense(p->w_in + j * p->n_input, x, p->n_input, p->bias[j]),
                           dense(p->w_rec + j * n, h, n, 0.0f));
            for (int k = 0; k < n; k++) {
                float i = logistic(z[k]), f = logistic(z[n + k]), o = logistic(z[3 * n + k]);
                float g = p->cell_tanh ? tanhf(z[2 * n + k]) : z[2 * n + k];
                float cell = add(flt_clamp(mul(f, c[k])), flt_clamp(mul(i, g)));
                if (p->cell_clip > 0) {
                    float clip = p->cell_clip;
                    cell = cell < clip ? cell : clip;
                    cell = cell < -clip ? -clip : cell;
                }
                c[k] = cell;
                h[k] = flt_clamp(mul(tanhf(cell), o));
            }
            memcpy(p->output + row * (size_t)n, h, (size_t)n * sizeof(float));
        }
    return TINYRT_OK;
}
