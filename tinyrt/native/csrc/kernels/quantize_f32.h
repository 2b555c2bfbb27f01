/* QUANTIZE from float32 to int8, int16 or int32. See quantize_f32.c. */
#ifndef TINYRT_QUANTIZE_F32_H
#define TINYRT_QUANTIZE_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_quantize_f32(F) \
    F(PTR, const float *, input) F(PTR, void *, output) F(I64, int64_t, n) \
    F(I32, int32_t, out_bytes)         /* 1, 2 or 4: int8, int16, int32 */ \
    F(F32, float, scale) F(I32, int32_t, zero_point) F(I32, int32_t, out_min) \
    F(I32, int32_t, out_max)
TINYRT_DECLARE_OPDATA(quantize_f32)

#endif
