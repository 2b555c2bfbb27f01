/* QUANTIZE between integer types and DEQUANTIZE to float32, computed value by value: for
 * inputs too wide to tabulate (int16, int32), where a lookup table (kernels/lookup.h) would
 * take 64K entries or more. See requantize.c. */
#ifndef TINYRT_REQUANTIZE_H
#define TINYRT_REQUANTIZE_H
#include "../tinyrt.h"

/* TFLM's Requantize: clamp(MultiplyByQuantizedMultiplier(x - input_zp) + output_zp) */
#define TINYRT_FIELDS_requantize_int(F) \
    F(PTR, const void *, input) F(PTR, void *, output) F(I64, int64_t, n) \
    F(I32, int32_t, in_bytes)          /* 1, 2 or 4: signed */ \
    F(I32, int32_t, out_bytes)         /* 1, 2 or 4: signed; 0 for uint8 */ \
    F(I32, int32_t, input_zp) F(I32, int32_t, output_zp) F(I32, int32_t, mult) \
    F(I32, int32_t, left) F(I32, int32_t, right) F(I32, int32_t, out_min) \
    F(I32, int32_t, out_max)
TINYRT_DECLARE_OPDATA(requantize_int)

/* TFLM's DEQUANTIZE: (float)((double)scale * (x - zero_point)) */
#define TINYRT_FIELDS_dequantize_int(F) \
    F(PTR, const void *, input) F(PTR, float *, output) F(I64, int64_t, n) \
    F(I32, int32_t, in_bytes)          /* 1 or 2: signed */ \
    F(I32, int32_t, zero_point) \
    F(I64, int64_t, scale_bits)        /* the double scale's bits (op data holds no double) */
TINYRT_DECLARE_OPDATA(dequantize_int)

#endif
