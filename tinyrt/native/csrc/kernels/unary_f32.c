/* LOGISTIC, TANH, HARD_SWISH and RSQRT on float32, each as TFLM's reference loop computes an
 * element: the C library's expf and tanhf (the same functions tflite-micro calls on this
 * host), and HARD_SWISH's std::max / std::min written out as the comparisons they are.
 *
 * GELU (which TFLM lacks) as tinyrt's numpy kernel computes it (tinyrt/kernels/gelu.py):
 * LiteRT's formula in float32 around an erfc or tanh evaluated in double by the C library and
 * rounded (LiteRT itself uses Eigen's float approximations, a few ulps away). */
#include <math.h>

#include "unary_f32.h"

static float logistic(float x)
{
    if (x > 16.619047164916992188f)
        return 1.0f;
    if (x < -9.0f)
        return expf(x);
    return 1.0f / (1.0f + expf(-x));
}

/* GELU's exact form: 0.5 x erfc(-x / sqrt 2), erfc from the C library in double (the function
 * Python's math.erfc is, so the numpy kernel computes the same), rounded to float32 */
static float gelu_erfc(float x)
{
    return 0.5f * x * (float)erfc((double)(x * -0.70710678118654752440f));
}

static float gelu_tanh(float x)
{
    float inner = 0.797884560802865355879892119869f * (x + 0.044715f * x * x * x);
    float t = (float)tanh((double)inner);
    return 0.5f * x * (1.0f + t);
}

int tinyrt_unary_f32(const tinyrt_unary_f32_opdata *p)
{
    const float *restrict x = p->input;
    float *restrict y = p->output;
    int64_t n = p->n;
    switch (p->op) {
    case TINYRT_UNARY_LOGISTIC:
        for (int64_t i = 0; i < n; i++)
            y[i] = logistic(x[i]);
        return TINYRT_OK;
    case TINYRT_UNARY_TANH:
        for (int64_t i = 0; i < n; i++)
            y[i] = tanhf(x[i]);
        return TINYRT_OK;
    case TINYRT_UNARY_HARD_SWISH:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            float t = v + 3.0f;
            t = 0.0f < t ? t : 0.0f;          /* std::max(0, t) */
            t = t < 6.0f ? t : 6.0f;          /* std::min(6, t) */
            y[i] = v * t / 6.0f;
        }
        return TINYRT_OK;
    case TINYRT_UNARY_RSQRT:
        for (int64_t i = 0; i < n; i++)
            y[i] = 1.0f / sqrtf(x[i]);
        return TINYRT_OK;
    case TINYRT_UNARY_GELU:
        for (int64_t i = 0; i < n; i++)
            y[i] = gelu_erfc(x[i]);
        return TINYRT_OK;
    case TINYRT_UNARY_GELU_TANH:
        for (int64_t i = 0; i < n; i++)
            y[i] = gelu_tanh(x[i]);
        return TINYRT_OK;
    }
    return TINYRT_ERROR;
}
