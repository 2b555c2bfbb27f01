/* CAST between int8, uint8, int16, uint16, int32, uint32, float32 (and from bool). See
 * cast.c. */
#ifndef TINYRT_CAST_H
#define TINYRT_CAST_H
#include "../tinyrt.h"

/* element types, as tinyrt/kernels/shape_ops.py numbers them */
enum { TINYRT_CAST_INT8 = 0, TINYRT_CAST_UINT8 = 1, TINYRT_CAST_INT16 = 2,
       TINYRT_CAST_UINT16 = 3, TINYRT_CAST_INT32 = 4, TINYRT_CAST_UINT32 = 5,
       TINYRT_CAST_FLOAT32 = 6 };

#define TINYRT_FIELDS_cast(F) \
    F(PTR, const void *, input) F(PTR, void *, output) \
    F(I64, int64_t, n) F(I32, int32_t, in_type) F(I32, int32_t, out_type)
TINYRT_DECLARE_OPDATA(cast)

#endif
