/* Every kernel of the core. Adding one: its header and source under kernels/, one line in
 * TINYRT_KERNELS below (the name shared by its op data struct and function). */
#ifndef TINYRT_KERNELS_H
#define TINYRT_KERNELS_H

#include "kernels/avgpool_s8.h"
#include "kernels/conv_s8.h"
#include "kernels/depthwise_s8.h"
#include "kernels/lstm_f32.h"
#include "kernels/lstm_int.h"
#include "kernels/movement.h"
#include "kernels/softmax_s8.h"
#include "kernels/svdf.h"

#define TINYRT_KERNELS(K) \
    K(conv_s8) \
    K(depthwise_s8) \
    K(softmax_s8) \
    K(avgpool_s8) \
    K(svdf_int) \
    K(svdf_f32) \
    K(copy_nd) \
    K(concat) \
    K(split) \
    K(gather) \
    K(gather_nd) \
    K(copy) \
    K(lstm_int) \
    K(lstm_f32)

#endif
