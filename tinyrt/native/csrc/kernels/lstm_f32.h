/* UNIDIRECTIONAL_SEQUENCE_LSTM, float32, as TFLM's reference arithmetic. See lstm_f32.c. */
#ifndef TINYRT_LSTM_F32_H
#define TINYRT_LSTM_F32_H
#include "../tinyrt.h"

/* Gates in the order input, forget, cell, output (their n_cell rows one after another). */
#define TINYRT_FIELDS_lstm_f32(F) \
    F(PTR, const float *, input)           /* [time][batch][n_input] or [batch][time][...] */ \
    F(PTR, float *, output)                /* as the input, n_cell values a row */ \
    F(PTR, float *, h_state)               /* [batch][n_cell] */ \
    F(PTR, float *, c_state)               /* [batch][n_cell] */ \
    F(PTR, const float *, w_in)            /* [4 n_cell][n_input] */ \
    F(PTR, const float *, w_rec)           /* [4 n_cell][n_cell] */ \
    F(PTR, const float *, bias)            /* [4 n_cell] */ \
    F(PTR, float *, gates)                 /* work [4 n_cell] */ \
    F(I32, int32_t, n_time) F(I32, int32_t, n_batch) F(I32, int32_t, n_input) \
    F(I32, int32_t, n_cell) F(I32, int32_t, time_major) \
    F(I32, int32_t, cell_tanh)             /* 1: tanh on the cell gate; 0: nothing */ \
    F(F32, float, cell_clip)               /* > 0: the cell state's clip */
TINYRT_DECLARE_OPDATA(lstm_f32)

#endif
