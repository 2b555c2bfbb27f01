/* MEAN and SUM on int8. See reduce_s8.c. */
#ifndef TINYRT_REDUCE_S8_H
#define TINYRT_REDUCE_S8_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_reduce_s8(F) \
    F(PTR, const int8_t *, input) F(PTR, int8_t *, output) \
    F(PTR, uint32_t *, acc)            /* work [out_size] */ \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: input walk, acc strides, zeros */ \
    F(I64, int64_t, out_size) F(I32, int32_t, rank) \
    F(I32, int32_t, offset)            /* input zero point * count, wrapped to int32 */ \
    F(I32, int32_t, multiplier) F(I32, int32_t, left) F(I32, int32_t, right) \
    F(I32, int32_t, output_zp) F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(reduce_s8)

#endif
