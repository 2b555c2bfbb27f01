/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 or int16 activations with an int16 cell state, as TFLM's
 * integer LSTM. See lstm_int.c. */
#ifndef TINYRT_LSTM_INT_H
#define TINYRT_LSTM_INT_H
#include "../tinyrt.h"

/* Gates in the order input, forget, cell, output; rows of the gate weights are the four gates'
 * n_cell rows one after another. Activations (input, output state, output) are int8 when
 * act_bytes is 1, int16 when 2; the int16 variant sums in int64 and requantizes the gates with
 * TFLM's 64-bit MultiplyByQuantizedMultiplier. */
#define TINYRT_FIELDS_lstm_int(F) \
    F(PTR, const void *, input)            /* [time][batch][n_input] or [batch][time][...] */ \
    F(PTR, void *, output)                 /* as the input, n_cell values a row */ \
    F(PTR, void *, h_state)                /* [batch][n_cell] */ \
    F(PTR, int16_t *, c_state)             /* [batch][n_cell] */ \
    F(PTR, const int16_t *, w_in)          /* [4 n_cell][n_input]: weights minus zero point */ \
    F(PTR, const int16_t *, w_rec)         /* [4 n_cell][n_cell] */ \
    F(PTR, const int64_t *, offset_in)     /* [4 n_cell]: bias - input zp * row sum */ \
    F(PTR, const int64_t *, offset_rec)    /* [4 n_cell]: - state zp * row sum */ \
    F(PTR, const int32_t *, gate_mult)     /* [8]: the input layer's 4 gates, then the state's */ \
    F(PTR, const int32_t *, gate_left) F(PTR, const int32_t *, gate_right) \
    F(PTR, const int16_t *, sigmoid_table) /* [65536], indexed by value + 32768 */ \
    F(PTR, const int16_t *, cell_table)    /* the cell gate's activation */ \
    F(PTR, const int16_t *, cell_tanh_table) /* tanh of the cell state */ \
    F(PTR, int32_t *, gates)               /* work [4 n_cell] */ \
    F(I32, int32_t, n_time) F(I32, int32_t, n_batch) F(I32, int32_t, n_input) \
    F(I32, int32_t, n_cell) F(I32, int32_t, time_major) F(I32, int32_t, act_bytes) \
    F(I32, int32_t, forget_mult) F(I32, int32_t, forget_left) F(I32, int32_t, forget_right) \
    F(I32, int32_t, input_mult) F(I32, int32_t, input_left) F(I32, int32_t, input_right) \
    F(I32, int32_t, hidden_mult) F(I32, int32_t, hidden_left) F(I32, int32_t, hidden_right) \
    F(I32, int32_t, hidden_zp) F(I32, int32_t, hidden_min) F(I32, int32_t, hidden_max) \
    F(I32, int32_t, use_clip) F(I32, int32_t, clip)
TINYRT_DECLARE_OPDATA(lstm_int)

#endif
