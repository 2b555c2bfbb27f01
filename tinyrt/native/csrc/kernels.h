/* Every kernel of the core. Adding one: its header and source under kernels/, one line in
 * TINYRT_KERNELS below (the name shared by its op data struct and function). */
#ifndef TINYRT_KERNELS_H
#define TINYRT_KERNELS_H

#include "kernels/avgpool_s8.h"
#include "kernels/binary_f32.h"
#include "kernels/binary_s16.h"
#include "kernels/binary_s8.h"
#include "kernels/conv_s8.h"
#include "kernels/depthwise_s8.h"
#include "kernels/lookup.h"
#include "kernels/mul_s8.h"
#include "kernels/pool.h"
#include "kernels/quantize_f32.h"
#include "kernels/reduce_f32.h"
#include "kernels/reduce_s8.h"
#include "kernels/softmax_f32.h"
#include "kernels/softmax_s8.h"
#include "kernels/unary_f32.h"

#define TINYRT_KERNELS(K) \
    K(conv_s8) \
    K(depthwise_s8) \
    K(softmax_s8) \
    K(avgpool_s8) \
    K(binary_f32) \
    K(binary_s8) \
    K(lookup) \
    K(unary_f32) \
    K(reduce_f32) \
    K(reduce_s8) \
    K(quantize_f32) \
    K(softmax_f32) \
    K(pool) \
    K(mul_s8) \
    K(binary_s16)

#endif
