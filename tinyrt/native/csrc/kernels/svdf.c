/* SVDF as TFLM's reference kernels (svdf_common.cc). Each invoke moves the whole flat state
 * left by one value (across filter boundaries, as TFLM does), writes the feature projection of
 * the input into each filter's last memory column, then sums each unit's rank x memory state
 * values against the time weights, adds the bias and requantizes (or applies the float
 * activation).
 *
 * Integer: TFLM's int32 sums wrap; they are done in uint32_t here. The zero points are folded
 * into per-row offsets computed in prepare (sum w * (x - zp) == sum w * x - zp * sum w modulo
 * 2^32), which leaves plain int8 / int16 dot products (dot.h). */
#include <math.h>

#include "svdf.h"
#include "../dot.h"
#include "../fixedpoint.h"

static void shift_state(void *state, size_t count, size_t bytes)
{
    if (count <= 1)
        return;
#if defined(__arm__)
    /* newlib-nano's memmove (Cortex-M firmware) moves a byte at a time; a word at a time,
     * ascending, is as safe here: each word is read before anything at or above it is
     * written, as the destination lies below the source */
    uint8_t *dst = (uint8_t *)state;
    const uint8_t *src = dst + bytes;
    size_t n = (count - 1) * bytes, i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, src + i, 4);
        memcpy(dst + i, &w, 4);
    }
    for (; i < n; i++)
        dst[i] = src[i];
#else
    memmove(state, (char *)state + bytes, (count - 1) * bytes);
#endif
}

int tinyrt_svdf_int(const tinyrt_svdf_int_opdata *p)
{
    const int n_filter = p->n_filter, n_memory = p->n_memory, n_input = p->n_input;
    const int n_unit = p->n_unit, rank = p->rank, wide = p->state_bytes == 2;
    const size_t per_batch = (size_t)n_filter * n_memory;
    shift_state(p->state, (size_t)p->batch * per_batch, wide ? 2 : 1);
    for (int b = 0; b < p->batch; b++) {
        const int8_t *x = p->input + (size_t)b * n_input;
        for (int f = 0; f < n_filter; f += 2) {
            /* filters two at a time: the input is read once for both */
            const int8_t *w0 = p->weights_feature + (size_t)f * n_input;
            int32_t dots[2];
            if (f + 1 < n_filter)
                tinyrt_dot2_s8(w0, w0 + n_input, x, n_input, &dots[0], &dots[1]);
            else
                dots[0] = tinyrt_dot_s8(w0, x, n_input);
            for (int g = f; g < f + 2 && g < n_filter; g++) {
                uint32_t dot = (uint32_t)dots[g - f] + (uint32_t)p->feature_offset[g];
                int32_t v = tinyrt_clamp_i32(
                    tinyrt_requantize((int32_t)dot, p->mult1, p->left1, p->right1),
                    p->state_min, p->state_max);
                /* the zero point is added in int32 and the sum stored as the state's type:
                 * both wrap as TFLM's do */
                uint32_t stored = (uint32_t)p->state_zp + (uint32_t)v;
                size_t at = (size_t)b * per_batch + (size_t)g * n_memory +
                    (size_t)(n_memory - 1);
                if (wide)
                    ((int16_t *)p->state)[at] = (int16_t)(uint16_t)stored;
                else
                    ((int8_t *)p->state)[at] = (int8_t)(uint8_t)stored;
            }
        }
        const size_t span = (size_t)rank * n_memory;     /* a unit's state values */
        for (int u = 0; u < n_unit; u++) {
            size_t at = (size_t)b * per_batch + (size_t)u * span;
            int32_t dot = wide ?
                tinyrt_dot_s16((const int16_t *)p->weights_time + (size_t)u * span,
                        (const int16_t *)p->state + at, (int)span) :
                tinyrt_dot_s8((const int8_t *)p->weights_time + (size_t)u * span,
                       (const int8_t *)p->state + at, (int)span);
            int32_t acc = (int32_t)((uint32_t)dot + (uint32_t)p->unit_offset[u]);
            p->output[(size_t)b * n_unit + u] = (int8_t)tinyrt_requantize_clamp(
                acc, p->mult2, p->left2, p->right2, p->output_zp, -128, 127);
        }
    }
    return TINYRT_OK;
}

static float activation(int act, float v)
{
    /* TFLM's ActivationValFloat: TfLiteMax / TfLiteMin are fmax / fmin, tanh is tanhf */
    switch (act) {
    case 1: return fmaxf(0.0f, v);
    case 2: return fmaxf(-1.0f, fminf(v, 1.0f));
    case 3: return fmaxf(0.0f, fminf(v, 6.0f));
    case 4: return tanhf(v);
    case 5: return signbit(v) ? 1.0f : 0.0f;
    default: return v;
    }
}

int tinyrt_svdf_f32(const tinyrt_svdf_f32_opdata *p)
{
    const int n_filter = p->n_filter, n_memory = p->n_memory, n_input = p->n_input;
    const int n_unit = p->n_unit, rank = p->rank;
    const size_t per_batch = (size_t)n_filter * n_memory;
    float *acc = p->acc;
    shift_state(p->state, (size_t)p->batch * per_batch, sizeof(float));
    for (int b = 0; b < p->batch; b++) {
        const float *x = p->input + (size_t)b * n_input;
        float *state = p->state + (size_t)b * per_batch;
        /* each filter's sum in input order, several filters at a time */
        for (int f = 0; f < n_filter; f++)
            acc[f] = 0.0f;
        for (int k = 0; k < n_input; k++) {
            const float *w = p->weights_feature_t + (size_t)k * n_filter;
            const float xk = x[k];
            for (int f = 0; f < n_filter; f++)
                acc[f] = acc[f] + w[f] * xk;
        }
        for (int f = 0; f < n_filter; f++)
            state[(size_t)f * n_memory + (size_t)(n_memory - 1)] = acc[f];
        for (int u = 0; u < n_unit; u++) {
            float out = p->bias ? p->bias[u] : 0.0f;
            for (int r = 0; r < rank; r++) {
                size_t f = (size_t)u * rank + r;
                const float *wt = p->weights_time + f * n_memory;
                const float *s = state + f * n_memory;
                float sum = 0.0f;
                for (int j = 0; j < n_memory; j++)
                    sum = sum + wt[j] * s[j];
                out = out + sum;
            }
            p->output[(size_t)b * n_unit + u] = activation(p->activation, out);
        }
    }
    return TINYRT_OK;
}
