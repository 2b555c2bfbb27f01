/* Data movement as byte copies, for every element type: one N-D strided copy (TRANSPOSE,
 * STRIDED_SLICE, SLICE, PAD, PADV2), concatenation and split along an axis (CONCATENATION,
 * SPLIT, SPLIT_V), GATHER, GATHER_ND, and a flat copy (RESHAPE, SQUEEZE, EXPAND_DIMS). See movement.c. */
#ifndef TINYRT_MOVEMENT_H
#define TINYRT_MOVEMENT_H
#include "../tinyrt.h"

#define TINYRT_COPY_MAX_RANK 8
#define TINYRT_COPY_MAX_PARTS 10   /* TFLM's limit of CONCATENATION inputs */

/* output[out_offset + sum i_d * out_strides[d]] = input[in_offset + sum i_d * in_strides[d]]
 * over 0 <= i_d < counts[d] (byte offsets and strides, any sign), after filling the output's
 * first fill_count elements with the element at ``fill`` when it is not NULL. rank 0: no
 * copy. With ``tile``, the last two dimensions are copied in square tiles (a transposition
 * whose reads are contiguous along the second-last). */
#define TINYRT_FIELDS_copy_nd(F) \
    F(PTR, const void *, input) F(PTR, void *, output) \
    F(PTR, const void *, fill)                 /* one element, or NULL */ \
    F(PTR, const int64_t *, counts)            /* [rank] */ \
    F(PTR, const int64_t *, in_strides)        /* [rank] bytes */ \
    F(PTR, const int64_t *, out_strides)       /* [rank] bytes */ \
    F(I64, int64_t, in_offset) F(I64, int64_t, out_offset) F(I64, int64_t, fill_count) \
    F(I32, int32_t, elem_bytes) F(I32, int32_t, rank) F(I32, int32_t, tile)
TINYRT_DECLARE_OPDATA(copy_nd)

/* For each of ``outer`` rows, the parts' rows one after another: part i's row is sizes[i]
 * bytes. */
#define TINYRT_PART_FIELDS(F, kind) \
    F(PTR, kind, part0) F(PTR, kind, part1) F(PTR, kind, part2) F(PTR, kind, part3) \
    F(PTR, kind, part4) F(PTR, kind, part5) F(PTR, kind, part6) F(PTR, kind, part7) \
    F(PTR, kind, part8) F(PTR, kind, part9)

/* parts are the inputs, whole is the output */
#define TINYRT_FIELDS_concat(F) \
    TINYRT_PART_FIELDS(F, const void *) F(PTR, void *, whole) \
    F(PTR, const int64_t *, sizes) F(I64, int64_t, outer) F(I32, int32_t, parts)
TINYRT_DECLARE_OPDATA(concat)

/* whole is the input, parts are the outputs */
#define TINYRT_FIELDS_split(F) \
    TINYRT_PART_FIELDS(F, void *) F(PTR, const void *, whole) \
    F(PTR, const int64_t *, sizes) F(I64, int64_t, outer) F(I32, int32_t, parts)
TINYRT_DECLARE_OPDATA(split)

/* TFLM's GATHER: input [batch][outer][axis_size][inner], indices [batch][coords] (int32 or
 * int64 by index_bytes), output [batch][outer][coords][inner]. An index outside
 * [0, axis_size) fails the node. */
#define TINYRT_FIELDS_gather(F) \
    F(PTR, const void *, input) F(PTR, const void *, indices) F(PTR, void *, output) \
    F(I64, int64_t, batch) F(I64, int64_t, outer) F(I64, int64_t, coords) \
    F(I64, int64_t, axis_size) F(I64, int64_t, inner_bytes) F(I32, int32_t, index_bytes)
TINYRT_DECLARE_OPDATA(gather)

/* TFLM's GATHER_ND: for each of n_slices index rows (int32, depth values), the slice of
 * slice_elems elements at sum index[d] * counts[d]; a slice outside the input's flat_elems
 * elements fails the node (TFLM checks the flat position only, not each index). */
#define TINYRT_FIELDS_gather_nd(F) \
    F(PTR, const void *, input) F(PTR, const int32_t *, indices) F(PTR, void *, output) \
    F(PTR, const int64_t *, counts) F(I64, int64_t, n_slices) F(I64, int64_t, slice_elems) \
    F(I64, int64_t, flat_elems) F(I32, int32_t, depth) F(I32, int32_t, elem_bytes)
TINYRT_DECLARE_OPDATA(gather_nd)

#define TINYRT_FIELDS_copy(F) \
    F(PTR, const void *, input) F(PTR, void *, output) F(I64, int64_t, nbytes)
TINYRT_DECLARE_OPDATA(copy)

#endif
