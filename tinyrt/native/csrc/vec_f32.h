/* float32 vectors for the float kernels: one small set of operations per SIMD level, so each
 * float kernel is written once. Only lane-wise multiply and add (never fused: the build has
 * -ffp-contract=off and no FMA intrinsic is used), so a lane computes exactly what TFLM's
 * scalar loop computes for that output.
 *
 * Lanes: 16 (AVX-512), 8 (AVX2), 4 (NEON); the portable build uses 4-float structs the
 * compiler may vectorise. TINYRT_F32_BLOCK (16) floats are a whole number of vectors on
 * every level: packed weights and padded biases come in blocks of it. */
#ifndef TINYRT_VEC_F32_H
#define TINYRT_VEC_F32_H

#include "tinyrt.h"

#define TINYRT_F32_BLOCK 16

#if defined(TINYRT_AVX512)
#define VF_LANES 16
typedef __m512 vf;
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
/* max(lo, v) then min(hi, v) with v second: x86 returns the second operand when either is
 * NaN, so NaN passes as in TFLM's std::max / std::min, and -0.0 vs +0.0 keeps v */
static inline vf vf_clamp(vf v, vf lo, vf hi)
{
    return _mm512_min_ps(hi, _mm512_max_ps(lo, v));
}
static inline vf vf_load_part(const float *p, int n)
{
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}
static inline void vf_store_part(float *p, vf v, int n)
{
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
}

#elif defined(TINYRT_AVX2)
#define VF_LANES 8
typedef __m256 vf;
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_clamp(vf v, vf lo, vf hi)
{
    return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}
static inline __m256i vf_mask(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf vf_load_part(const float *p, int n) { return _mm256_maskload_ps(p, vf_mask(n)); }
static inline void vf_store_part(float *p, vf v, int n) { _mm256_maskstore_ps(p, vf_mask(n), v); }

#elif defined(TINYRT_NEON)
#define VF_LANES 4
typedef float32x4_t vf;
static inline vf vf_load(const float *p) { return vld1q_f32(p); }
static inline void vf_store(float *p, vf v) { vst1q_f32(p, v); }
static inline vf vf_set1(float x) { return vdupq_n_f32(x); }
static inline vf vf_zero(void) { return vdupq_n_f32(0.0f); }
static inline vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
/* compare and select: NEON's fmax/fmin would turn NaN and signed zeros differently */
static inline vf vf_clamp(vf v, vf lo, vf hi)
{
    v = vbslq_f32(vcltq_f32(v, lo), lo, v);
    return vbslq_f32(vcgtq_f32(v, hi), hi, v);
}
static inline vf vf_load_part(const float *p, int n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, p, (size_t)n * sizeof *t);
    return vld1q_f32(t);
}
static inline void vf_store_part(float *p, vf v, int n)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, (size_t)n * sizeof *t);
}

#else
#define VF_LANES 4
typedef struct { float v[4]; } vf;
static inline vf vf_load(const float *p) { vf r; memcpy(r.v, p, sizeof r.v); return r; }
static inline void vf_store(float *p, vf v) { memcpy(p, v.v, sizeof v.v); }
static inline vf vf_set1(float x) { vf r = {{x, x, x, x}}; return r; }
static inline vf vf_zero(void) { return vf_set1(0.0f); }
static inline vf vf_add(vf a, vf b)
{
    for (int i = 0; i < 4; i++)
        a.v[i] = a.v[i] + b.v[i];
    return a;
}
static inline vf vf_mul(vf a, vf b)
{
    for (int i = 0; i < 4; i++)
        a.v[i] = a.v[i] * b.v[i];
    return a;
}
static inline vf vf_clamp(vf v, vf lo, vf hi)
{
    for (int i = 0; i < 4; i++)
        v.v[i] = tinyrt_clamp_f32(v.v[i], lo.v[i], hi.v[i]);
    return v;
}
static inline vf vf_load_part(const float *p, int n)
{
    vf r = vf_zero();
    memcpy(r.v, p, (size_t)n * sizeof *p);
    return r;
}
static inline void vf_store_part(float *p, vf v, int n) { memcpy(p, v.v, (size_t)n * sizeof *p); }
#endif

#define VF_PER_BLOCK (TINYRT_F32_BLOCK / VF_LANES)

#endif
