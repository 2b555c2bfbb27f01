/* float32 FULLY_CONNECTED in TFLM's summation order. See fully_connected_f32.c. */
#ifndef TINYRT_FULLY_CONNECTED_F32_H
#define TINYRT_FULLY_CONNECTED_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_fully_connected_f32(F) \
    F(PTR, const float *, input)       /* [rows][depth] */ \
    F(PTR, float *, output)            /* [rows][units] */ \
    F(PTR, const float *, weights)     /* packed: [units / 16][depth][16], zero past units */ \
    F(PTR, const float *, bias)        /* [units rounded up to 16], or NULL */ \
    F(I32, int32_t, rows) F(I32, int32_t, depth) F(I32, int32_t, units) \
    F(F32, float, act_min) F(F32, float, act_max)
TINYRT_DECLARE_OPDATA(fully_connected_f32)

#endif
