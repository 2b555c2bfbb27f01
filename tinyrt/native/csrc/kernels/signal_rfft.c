/* SignalRfft / SignalIrfft, as TFLM's kernels: each frame through kissfft's kiss_fftr (the
 * input copied into a zero-padded frame of fft_length samples first) or kiss_fftri (the
 * float build then divides each sample by fft_length). The three builds come from one
 * template, ../signal_kissfft.h. Prepare checks the lengths, the radices (2, 3, 4, 5 only)
 * and the buffer sizes. */
#include "signal_rfft.h"

#define KF_FIXED 1
#define KF_FRACBITS 15
#define KF_T int16_t
#define KF_NAME(x) kf16_##x
#include "../signal_kissfft.h"
#undef KF_FRACBITS
#undef KF_T
#undef KF_NAME

#define KF_FRACBITS 31
#define KF_T int32_t
#define KF_NAME(x) kf32_##x
#include "../signal_kissfft.h"
#undef KF_FRACBITS
#undef KF_T
#undef KF_NAME
#undef KF_FIXED

/* GCC 12's vectorizer turns the complex multiply's a*b - c*d, a*d + c*b into FMADDSUB
 * where the target has FMA (the avx512 level), even with -ffp-contract=off: that rounds
 * differently from kissfft's separate multiplies and adds. The float build is compiled
 * without vectorization. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-tree-vectorize")
#endif
#define KF_FIXED 0
#define KF_T float
#define KF_NAME(x) kff_##x
#include "../signal_kissfft.h"
#undef KF_T
#undef KF_NAME
#undef KF_FIXED
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#define TINYRT_RFFT_FRAMES(name, T) do { \
        name##plan st = {p->ncfft, p->inverse, p->factors, (const name##cpx *)p->twiddles}; \
        const name##cpx *stw = (const name##cpx *)p->super_twiddles; \
        name##cpx *tmp = (name##cpx *)p->tmp; \
        size_t fft_len = 2 * (size_t)p->ncfft; \
        for (int f = 0; f < p->frames; f++) { \
            if (p->inverse) { \
                const name##cpx *in = (const name##cpx *)((const T *)p->input + \
                                                          (size_t)f * p->in_len); \
                name##fftri(&st, stw, in, tmp, (T *)p->output + (size_t)f * p->out_len); \
            } else { \
                T *frame = (T *)p->frame; \
                memcpy(frame, (const T *)p->input + (size_t)f * p->in_len, \
                       (size_t)p->in_len * sizeof(T)); \
                memset(frame + p->in_len, 0, (fft_len - (size_t)p->in_len) * sizeof(T)); \
                name##fftr(&st, stw, frame, tmp, \
                           (name##cpx *)((T *)p->output + (size_t)f * p->out_len)); \
            } \
        } \
    } while (0)

int tinyrt_signal_rfft(const tinyrt_signal_rfft_opdata *p)
{
    switch (p->type) {
    case 1: TINYRT_RFFT_FRAMES(kf16_, int16_t); break;
    case 2: TINYRT_RFFT_FRAMES(kf32_, int32_t); break;
    case 0:
        TINYRT_RFFT_FRAMES(kff_, float);
        if (p->inverse) {
            float *y = (float *)p->output;
            size_t count = (size_t)p->frames * p->out_len;
            for (size_t i = 0; i < count; i++)
                y[i] /= p->scale;
        }
        break;
    default: return TINYRT_ERROR;
    }
    return TINYRT_OK;
}
