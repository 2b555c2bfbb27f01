/* MAX_POOL_2D (float32, int8) and AVERAGE_POOL_2D (float32). See pool.c. */
#ifndef TINYRT_POOL_H
#define TINYRT_POOL_H
#include "../tinyrt.h"

enum { TINYRT_POOL_MAX_F32 = 0, TINYRT_POOL_AVERAGE_F32 = 1, TINYRT_POOL_MAX_S8 = 2 };

#define TINYRT_FIELDS_pool(F) \
    F(PTR, const void *, input)        /* [batches][in_h][in_w][c] */ \
    F(PTR, void *, output)             /* [batches][out_h][out_w][c] */ \
    F(PTR, void *, acc)                /* work [c] of the input's type */ \
    F(I32, int32_t, kind) \
    F(I32, int32_t, batches) F(I32, int32_t, in_h) F(I32, int32_t, in_w) F(I32, int32_t, c) \
    F(I32, int32_t, out_h) F(I32, int32_t, out_w) F(I32, int32_t, kh) F(I32, int32_t, kw) \
    F(I32, int32_t, stride_h) F(I32, int32_t, stride_w) F(I32, int32_t, pad_top) \
    F(I32, int32_t, pad_left) \
    F(F32, float, act_min_f) F(F32, float, act_max_f) \
    F(I32, int32_t, act_min) F(I32, int32_t, act_max)
TINYRT_DECLARE_OPDATA(pool)

#endif
