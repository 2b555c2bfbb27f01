/* The one N-D walk of the element-wise kernels: the output (or, for reductions, the input) is
 * visited contiguously, row by row, while up to two other operands follow it with their own
 * strides (0 along a broadcast dimension). Prepare collapses the shapes (tinyrt/native/walk.py)
 * so that rows are as long as they can be; each kernel then runs its
 * own inner loop over a row, where an operand's step is 0 (one value repeated) or 1.
 *
 * Geometry, as int64 [3][rank]: the dims, the first operand's strides, the second's. */
#ifndef TINYRT_BROADCAST_H
#define TINYRT_BROADCAST_H

#include "tinyrt.h"

#define TINYRT_WALK_MAX_RANK 8

typedef struct {
    int rank;
    const int64_t *dims, *s0, *s1;
    int64_t idx[TINYRT_WALK_MAX_RANK];
    size_t at0, at1;        /* the current row's offsets in operands 0 and 1 */
    size_t row;             /* the current row's offset in the contiguous tensor */
    size_t n;               /* row length */
    int step0, step1;       /* the operands' steps along a row: 0 or 1 */
} tinyrt_walk;

static inline void tinyrt_walk_start(tinyrt_walk *w, int rank, const int64_t *geometry)
{
    w->rank = rank;
    w->dims = geometry;
    w->s0 = geometry + rank;
    w->s1 = geometry + 2 * rank;
    for (int d = 0; d < rank; d++)
        w->idx[d] = 0;
    w->at0 = w->at1 = w->row = 0;
    w->n = (size_t)w->dims[rank - 1];
    w->step0 = (int)w->s0[rank - 1];
    w->step1 = (int)w->s1[rank - 1];
}

/* moves to the next row; 0 after the last */
static inline int tinyrt_walk_next(tinyrt_walk *w)
{
    w->row += w->n;
    for (int d = w->rank - 2; d >= 0; d--) {
        w->at0 += (size_t)w->s0[d];
        w->at1 += (size_t)w->s1[d];
        if (++w->idx[d] < w->dims[d])
            return 1;
        w->at0 -= (size_t)(w->s0[d] * w->dims[d]);
        w->at1 -= (size_t)(w->s1[d] * w->dims[d]);
        w->idx[d] = 0;
    }
    return 0;
}

#endif
