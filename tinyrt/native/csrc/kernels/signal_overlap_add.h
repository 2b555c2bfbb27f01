/* SignalOverlapAdd, float32 or int16: frames added step apart. See signal_overlap_add.c. */
#ifndef TINYRT_SIGNAL_OVERLAP_ADD_H
#define TINYRT_SIGNAL_OVERLAP_ADD_H
#include "../tinyrt.h"

#define TINYRT_FIELDS_signal_overlap_add(F) \
    F(PTR, const void *, input)        /* [outer][frames][size] */ \
    F(PTR, void *, output)             /* [outer][frames * step] */ \
    F(PTR, void *, state)              /* [outer][size - step] the open tail (persistent) */ \
    F(PTR, void *, acc)                /* work: [(frames + chunks - 1) * step] float or int32 */ \
    F(I32, int32_t, type)              /* 0 float32, 1 int16 */ \
    F(I32, int32_t, outer) F(I32, int32_t, frames) F(I32, int32_t, size) \
    F(I32, int32_t, step) F(I32, int32_t, acc_len)
TINYRT_DECLARE_OPDATA(signal_overlap_add)

#endif
