/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 or int16 activations, as TFLM's integer LSTM
 * (lstm_eval.cc). Each batch row is independent, so each (time step, row) runs whole: the four
 * gates' fully connected layers from the input (with the bias) and from the previous output
 * state, each requantized to int16 at 2^-12 and added with saturation; the int16 logistic /
 * tanh as 65536-entry tables built by prepare from the numpy kernel's reference functions;
 * then the cell state f * c + i * g and the output state o * tanh(c), each product
 * requantized and clamped as TFLM does. The int8 variant's int32 sums wrap as TFLM's do
 * (uint32_t here), the zero points folded into per-row offsets (exact modulo 2^32); the int16
 * variant sums in int64. */
#include "lstm_int.h"
#include "../fixedpoint.h"

static inline int32_t clamp16(int32_t v)
{
    return tinyrt_clamp_i32(v, INT16_MIN, INT16_MAX);
}

static inline int32_t dot_s8(const int16_t *w, const int8_t *x, int n)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (uint32_t)((int32_t)w[i] * x[i]);
    return (int32_t)sum;
}

static inline int64_t dot_s16(const int16_t *w, const int16_t *x, int n)
{
    int64_t sum = 0;     /* |sum| < n * 2^30 */
    for (int i = 0; i < n; i++)
        sum += (int32_t)w[i] * x[i];
    return sum;
}

/* one gate value from one layer: the row's sum, offset, requantized and clamped to int16 */
static inline int32_t layer_value(const tinyrt_lstm_int_opdata *p, const int16_t *w,
                                  const void *v, int n, int64_t offset, int k)
{
    if (p->act_bytes == 2) {
        int64_t acc = (int64_t)((uint64_t)dot_s16(w, (const int16_t *)v, n) + (uint64_t)offset);
        return clamp16(tinyrt_requantize64(acc, p->gate_mult[k],
                                           p->gate_left[k] - p->gate_right[k]));
    }
    int32_t acc = (int32_t)((uint32_t)dot_s8(w, (const int8_t *)v, n) + (uint32_t)offset);
    return clamp16(tinyrt_requantize(acc, p->gate_mult[k], p->gate_left[k], p->gate_right[k]));
}

int tinyrt_lstm_int(const tinyrt_lstm_int_opdata *p)
{
    const int n = p->n_cell, eb = p->act_bytes;
    int32_t *z = p->gates;
    for (int t = 0; t < p->n_time; t++)
        for (int b = 0; b < p->n_batch; b++) {
            size_t row = p->time_major ? (size_t)t * p->n_batch + b : (size_t)b * p->n_time + t;
            const char *x = (const char *)p->input + row * (size_t)p->n_input * eb;
            char *h = (char *)p->h_state + (size_t)b * n * eb;
            int16_t *c = p->c_state + (size_t)b * n;
            for (int g = 0; g < 4; g++)
                for (int k = 0; k < n; k++) {
                    size_t j = (size_t)g * n + k;
                    int32_t a = layer_value(p, p->w_in + j * p->n_input, x, p->n_input,
                                            p->offset_in[j], g);
                    int32_t r = layer_value(p, p->w_rec + j * n, h, n, p->offset_rec[j], 4 + g);
                    z[j] = clamp16(a + r);
                }
            for (int k = 0; k < n; k++) {
                int32_t i = p->sigmoid_table[z[k] + 32768];
                int32_t f = p->sigmoid_table[z[n + k] + 32768];
                int32_t g = p->cell_table[z[2 * n + k] + 32768];
                int32_t o = p->sigmoid_table[z[3 * n + k] + 32768];
                int32_t kept = clamp16(tinyrt_requantize(f * c[k], p->forget_mult,
                                                         p->forget_left, p->forget_right));
                int32_t added = clamp16(tinyrt_requantize(i * g, p->input_mult, p->input_left,
                                                          p->input_right));
                int32_t cell = clamp16(kept + added);
                if (p->use_clip)
                    cell = tinyrt_clamp_i32(cell, -p->clip, p->clip);
                c[k] = (int16_t)cell;
                int32_t tanh_c = p->cell_tanh_table[cell + 32768];
                int32_t v = tinyrt_requantize_clamp(tanh_c * o, p->hidden_mult, p->hidden_left,
                                                    p->hidden_right, p->hidden_zp,
                                                    p->hidden_min, p->hidden_max);
                if (eb == 2)
                    ((int16_t *)h)[k] = (int16_t)v;
                else
                    ((int8_t *)h)[k] = (int8_t)v;
            }
            memcpy((char *)p->output + row * (size_t)n * eb, h, (size_t)n * eb);
        }
    return TINYRT_OK;
}
