/* LOGISTIC, TANH, HARD_SWISH and RSQRT on float32, each as TFLM's reference loop computes an
 * element: the C library's expf and tanhf (the same functions tflite-micro calls on this
 * host), and HARD_SWISH's std::max / std::min written out as the comparisons they are.
 *
 * GELU (which TFLM lacks) as tinyrt's numpy kernel computes it (tinyrt/kernels/gelu.py), step
 * for step: LiteRT's formula in float32 around an erfc or tanh evaluated in double and
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

/* GELU's erfc in double for up to GELU_BLOCK elements at a time: the Taylor series of erf
 * below 2, Laplace's continued fraction from 2 up, each lane's operations in numpy's order
 * (so the loops over lanes vectorise without changing a result), then 0.5 * x * erfc in
 * float32. A NaN stays NaN. */
#define GELU_BLOCK 16
/* keeps the compiler from unrolling a loop over the lanes before it vectorises it */
#if defined(__GNUC__) && !defined(__clang__)
#define TINYRT_LANES _Pragma("GCC unroll 1")
#else
#define TINYRT_LANES
#endif

static void gelu_block(const float *x, float *y, int count)
{
    double z[GELU_BLOCK], a[GELU_BLOCK], term[GELU_BLOCK], total[GELU_BLOCK], sq[GELU_BLOCK];
    double frac[GELU_BLOCK], r[GELU_BLOCK];
    int small = 0, large = 0;
    const double two_over_sqrt_pi = 2.0 / sqrt(3.14159265358979323846);
    const double sqrt_pi = sqrt(3.14159265358979323846);
    for (int j = 0; j < GELU_BLOCK; j++) {
        z[j] = j < count ? (double)(x[j] * -0.70710678118654752440f) : 0.0;
        a[j] = fabs(z[j]);
        small |= a[j] < 2.0;
        large |= !(a[j] < 2.0);
    }
    if (small) {
        for (int j = 0; j < GELU_BLOCK; j++) {
            double s = a[j] < 2.0 ? a[j] : 2.0;
            term[j] = s;
            total[j] = s;
            sq[j] = s * s;
        }
        for (int n = 1; n < 60; n++)
            TINYRT_LANES
            for (int j = 0; j < GELU_BLOCK; j++) {
                term[j] = term[j] * -sq[j] / n;
                total[j] = total[j] + term[j] / (2 * n + 1);
            }
    }
    if (large) {
        for (int j = 0; j < GELU_BLOCK; j++)
            frac[j] = a[j] < 2.0 ? 2.0 : a[j];
        for (int k = 60; k > 0; k--)
            TINYRT_LANES
            for (int j = 0; j < GELU_BLOCK; j++)
                frac[j] = (a[j] < 2.0 ? 2.0 : a[j]) + (k / 2.0) / frac[j];
    }
    for (int j = 0; j < count; j++) {
        if (z[j] != z[j])
            r[j] = z[j];
        else if (a[j] < 2.0)
            r[j] = 1.0 - total[j] * two_over_sqrt_pi;
        else
            r[j] = exp(-a[j] * a[j]) / (sqrt_pi * frac[j]);
        if (z[j] < 0)
            r[j] = 2.0 - r[j];
        y[j] = 0.5f * x[j] * (float)r[j];
    }
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
        for (int64_t i = 0; i < n; i += GELU_BLOCK)
            gelu_block(x + i, y + i, n - i < GELU_BLOCK ? (int)(n - i) : GELU_BLOCK);
        return TINYRT_OK;
    case TINYRT_UNARY_GELU_TANH:
        for (int64_t i = 0; i < n; i++)
            y[i] = gelu_tanh(x[i]);
        return TINYRT_OK;
    }
    return TINYRT_ERROR;
}
