/* MEAN and SUM on float32. See reduce_f32.c. */
#ifndef TINYRT_REDUCE_F32_H
#define TINYRT_REDUCE_F32_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_reduce_f32(F) \
    F(PTR, const float *, input) F(PTR, float *, output) \
    F(PTR, float *, acc)               /* work [out_size] */ \
    F(PTR, const int64_t *, geometry)  /* see broadcast.h: input walk, acc strides, zeros */ \
    F(I64, int64_t, out_size) F(I32, int32_t, rank) \
    F(I32, int32_t, mean)              /* divide each sum by count */ \
    F(F32, float, count)
TINYRT_DECLARE_OPDATA(reduce_f32)

#endif
