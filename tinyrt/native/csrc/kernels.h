/* Every kernel of the core. Adding one: its header and source under kernels/, its include
 * and one line in TINYRT_KERNELS below (the name shared by its op data struct and function). */
#ifndef TINYRT_KERNELS_H
#define TINYRT_KERNELS_H

#include "kernels/avgpool_s8.h"
#include "kernels/batch_matmul_f32.h"
#include "kernels/batch_matmul_s8.h"
#include "kernels/binary_f32.h"
#include "kernels/binary_s8.h"
#include "kernels/conv_f32.h"
#include "kernels/conv_s8.h"
#include "kernels/depthwise_f32.h"
#include "kernels/depthwise_s8.h"
#include "kernels/fully_connected_f32.h"
#include "kernels/lookup.h"
#include "kernels/lstm_f32.h"
#include "kernels/lstm_int.h"
#include "kernels/movement.h"
#include "kernels/mul_s8.h"
#include "kernels/pool.h"
#include "kernels/quantize_f32.h"
#include "kernels/reduce_f32.h"
#include "kernels/reduce_s8.h"
#include "kernels/signal_delay.h"
#include "kernels/signal_energy.h"
#include "kernels/signal_fft_auto_scale.h"
#include "kernels/signal_filter_bank.h"
#include "kernels/signal_filter_bank_log.h"
#include "kernels/signal_filter_bank_sqrt.h"
#include "kernels/signal_framer.h"
#include "kernels/signal_overlap_add.h"
#include "kernels/signal_pcan.h"
#include "kernels/signal_rfft.h"
#include "kernels/signal_spectral_subtraction.h"
#include "kernels/signal_stacker.h"
#include "kernels/signal_window.h"
#include "kernels/softmax_f32.h"
#include "kernels/softmax_s8.h"
#include "kernels/svdf.h"
#include "kernels/unary_f32.h"

#define TINYRT_KERNELS(K) \
    K(conv_s8) \
    K(depthwise_s8) \
    K(softmax_s8) \
    K(avgpool_s8) \
    K(fully_connected_f32) \
    K(batch_matmul_f32) \
    K(conv_f32) \
    K(depthwise_f32) \
    K(batch_matmul_s8) \
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
    K(signal_energy) \
    K(signal_fft_auto_scale) \
    K(signal_filter_bank) \
    K(signal_filter_bank_log) \
    K(signal_filter_bank_sqrt) \
    K(signal_pcan) \
    K(signal_rfft) \
    K(signal_spectral_subtraction) \
    K(signal_window) \
    K(signal_delay) \
    K(signal_framer) \
    K(signal_overlap_add) \
    K(signal_stacker) \
    K(svdf_int) \
    K(svdf_f32) \
    K(copy_nd) \
    K(concat) \
    K(split) \
    K(gather) \
    K(gather_nd) \
    K(copy) \
    K(lstm_int) \
    K(lstm_f32) \
    /* end of the list */

#endif
