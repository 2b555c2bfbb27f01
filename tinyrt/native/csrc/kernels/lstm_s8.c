/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8, as TFLM's integer LSTM (lstm_eval.cc). Each batch row is
 * independent, so each (time step, row) runs whole: the four gates' fully connected layers
 * from the input (with the bias) and from the previous output state, each requantized to int16
 * at 2^-12 and added with saturation; the int16 logistic / tanh as 65536-entry tables built
 * by prepare from the numpy kernel's reference functions; then the cell state f * c + i * g
 * and the output state o * tanh(c), each product requantized and clamped as TFLM does.
 * TFLM's int32 sums wrap: they are done in uint32_t, with the zero points folded into per-row
 * offsets (exact modulo 2^32). */
#include "lstm_s8.h"
#include "../fixedpoint.h"

static inline int32_t clamp16(int32_t v)
{
    return tinyrt_clamp_i32(v, INT16_MIN, INT16_MAX);
}

static inline int32_t dot_s16_s8(const int16_t *w, const int8_t *x, int n)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (uint32_t)((int32_t)w[i] * x[i]);
    return (int32_t)sum;
}

/* gates[j] = clamp16(requantized input layer) + clamp16(requantized state layer), clamped */
static void gate_sums(const tinyrt_lstm_s8_opdata *p, const int8_t *x, const int8_t *h)
{
    const int n = p->n_cell;
    for (int g = 0; g < 4; g++)
        for (int k = 0; k < n; k++) {
            int j = g * n + k;
            int32_t a = (int32_t)((uint32_t)dot_s16_s8(p->w_in + (size_t)j * p->n_input, x,
                                                       p->n_input) + (uint32_t)p->offset_in[j]);
            int32_t b = (int32_t)((uint32_t)dot_s16_s8(p->w_rec + (size_t)j * n, h, n) +
                                  (uint32_t)p->offset_rec[j]);
            a = clamp16(tinyrt_requantize(a, p->gate_mult[g], p->gate_left[g], p->gate_right[g]));
            b = clamp16(tinyrt_requantize(b, p->gate_mult[4 + g], p->gate_left[4 + g],
                                          p->gate_right[4 + g]));
            p->gates[j] = clamp16(a + b);
        }
}

int tinyrt_lstm_s8(const tinyrt_lstm_s8_opdata *p)
{
    const int n = p->n_cell;
    int32_t *z = p->gates;
    for (int t = 0; t < p->n_time; t++)
        for (int b = 0; b < p->n_batch; b++) {
            size_t row = p->time_major ? (size_t)t * p->n_batch + b : (size_t)b * p->n_time + t;
            int8_t *h = p->h_state + (size_t)b * n;
            int16_t *c = p->c_state + (size_t)b * n;
            gate_sums(p, p->input + row * p->n_input, h);
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
                h[k] = (int8_t)tinyrt_requantize_clamp(tanh_c * o, p->hidden_mult,
                                                       p->hidden_left, p->hidden_right,
                                                       p->hidden_zp, p->hidden_min,
                                                       p->hidden_max);
            }
            memcpy(p->output + row * n, h, (size_t)n);
        }
    return TINYRT_OK;
}
