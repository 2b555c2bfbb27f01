/* The executor: runs a list of prepared nodes, each a kernel id and its op data. */
#ifndef TINYRT_EXECUTOR_H
#define TINYRT_EXECUTOR_H
#include "kernels.h"

#define TINYRT_KERNEL_ID(name) TINYRT_KERNEL_##name,
enum tinyrt_kernel_id { TINYRT_KERNELS(TINYRT_KERNEL_ID) TINYRT_KERNEL_COUNT };

#define TINYRT_FIELDS_node(F) \
    F(I32, int32_t, kernel)            /* a tinyrt_kernel_id */ \
    F(I32, int32_t, status)            /* the kernel's last return value */ \
    F(PTR, const void *, op_data)      /* the kernel's op data struct */
typedef struct { TINYRT_FIELDS_node(TINYRT_FIELD_DECL) } tinyrt_node;

/* Runs nodes[0 .. count): 0 when every kernel succeeded, else 1 + the position of the first
 * that failed (its status is kept in the node). With ``seconds`` (or NULL), each node's
 * wall time is stored there. */
int32_t tinyrt_run(tinyrt_node *nodes, int32_t count, double *seconds);

#endif
