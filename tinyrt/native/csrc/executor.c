#define _POSIX_C_SOURCE 199309L  /* clock_gettime */
#include "executor.h"

#if defined(TINYRT_TIMING)
#include <time.h>
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
#endif

static int run_one(const tinyrt_node *n)
{
    switch (n->kernel) {
#define TINYRT_KERNEL_CASE(name) \
    case TINYRT_KERNEL_##name: return tinyrt_##name((const tinyrt_##name##_opdata *)n->op_data);
    TINYRT_KERNELS(TINYRT_KERNEL_CASE)
    default: return TINYRT_ERROR;
    }
}

int32_t tinyrt_run(tinyrt_node *nodes, int32_t count, double *seconds)
{
    for (int32_t i = 0; i < count; i++) {
#if defined(TINYRT_TIMING)
        double t0 = seconds ? now() : 0.0;
#endif
        nodes[i].status = run_one(&nodes[i]);
#if defined(TINYRT_TIMING)
        if (seconds)
            seconds[i] = now() - t0;
#else
        (void)seconds;
#endif
        if (nodes[i].status != TINYRT_OK)
            return i + 1;
    }
    return 0;
}
