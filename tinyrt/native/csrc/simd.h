/* Which SIMD instructions this build of the kernels uses. The host library is built once per
 * level (tinyrt/native/build_config.py: portable, avx2, avx512, neon) and Python picks the best
 * the CPU runs at load time; generated firmware (tinyrt codegen) picks by the compiler's target:
 * the Cortex-M DSP extension or Helium. Every level gives the
 * same bytes: float kernels vectorise across outputs only, integer ones keep TFLM's arithmetic.
 * TINYRT_PORTABLE turns every intrinsic path off but SSE2's: every x86-64 CPU has SSE2, so
 * the portable level uses it there where the compiler cannot (TINYRT_SSE2). */
#ifndef TINYRT_SIMD_H
#define TINYRT_SIMD_H

#if !defined(TINYRT_PORTABLE)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__) && defined(__AVX512VNNI__)
#define TINYRT_AVX512 1
#endif
#if defined(__AVX2__)
#define TINYRT_AVX2 1
#endif
#if defined(__ARM_NEON) && defined(__aarch64__)
#define TINYRT_NEON 1
#endif
/* Cortex-M: the DSP extension's 16-bit SIMD multiplies (M4, M7, M33, M55), Helium (M55) */
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#define TINYRT_ARM_DSP 1
#endif
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TINYRT_ARM_MVE 1
#endif
#endif

#if defined(TINYRT_AVX512) || defined(TINYRT_AVX2)
#include <immintrin.h>
#endif
#if defined(TINYRT_AVX2)
/* *sum += p in 8 int32 lanes, as one instruction that adds into its operand. In a GEMM tile's
 * loop GCC otherwise adds each product into a new register and copies it back, a third more
 * instructions than the loop's multiplies and adds. */
static inline __attribute__((always_inline)) void tinyrt_accumulate8(__m256i *sum, __m256i p)
{
#if defined(__GNUC__)
    __asm__("vpaddd %1, %0, %0" : "+x"(*sum) : "x"(p));
#else
    *sum = _mm256_add_epi32(*sum, p);
#endif
}
#endif
/* x86-64's baseline, used where no AVX2 path supersedes it */
#if defined(__SSE2__) && !defined(TINYRT_AVX2) && !defined(TINYRT_AVX512)
#define TINYRT_SSE2 1
#include <emmintrin.h>
#endif
#if defined(TINYRT_NEON)
#include <arm_neon.h>
#endif
#if defined(TINYRT_ARM_DSP)
#include <arm_acle.h>
#include <stdint.h>
/* SXTB16 of x rotated right by 8: bytes 1 and 3 sign-extended to halfwords. GCC does not fold
 * __sxtb16((x >> 8) | (x << 24)) into the instruction's rotation, which costs a ROR each. */
static inline uint32_t tinyrt_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#endif
#if defined(TINYRT_ARM_MVE)
#include <arm_mve.h>
#endif

/* int32 lanes of one vector of the level's integer kernels; undefined where they go scalar */
#if defined(TINYRT_AVX512)
#define TINYRT_I32_LANES 16
#elif defined(TINYRT_AVX2)
#define TINYRT_I32_LANES 8
#elif defined(TINYRT_SSE2)
#define TINYRT_I32_LANES 4
#endif

#if defined(TINYRT_AVX512)
#define TINYRT_ISA_NAME "avx512"
#elif defined(TINYRT_AVX2)
#define TINYRT_ISA_NAME "avx2"
#elif defined(TINYRT_NEON)
#define TINYRT_ISA_NAME "neon"
#elif defined(TINYRT_ARM_MVE)
#define TINYRT_ISA_NAME "helium"
#elif defined(TINYRT_ARM_DSP)
#define TINYRT_ISA_NAME "dsp"
#else
#define TINYRT_ISA_NAME "portable"
#endif

#endif
