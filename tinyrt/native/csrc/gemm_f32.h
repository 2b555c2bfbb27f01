/* The float32 GEMM of FULLY_CONNECTED, BATCH_MATMUL and CONV_2D, in TFLM's summation order:
 *
 *     c[m][n] = clamp(total + bias[n]),  total = ((0 + a[m][0] w[0][n]) + a[m][1] w[1][n]) + ...
 *
 * one product and one sum at a time for every output, as TFLM's reference loops. The
 * vectors run across outputs n only: each k step loads a vector of weights per 16 outputs,
 * broadcasts a[m][k] of several rows m and adds their products into that many accumulators.
 *
 * w is packed (by prepare, or by tinyrt_pack_f32 for a run-time operand) in blocks of 16
 * outputs: w[(block * k + kk) * 16 + j] = weight of output 16 block + j at depth kk, zero past
 * n. bias, when not NULL, is padded to the same blocks. The sum starts at +0.0 as TFLM's does
 * (so no sum is ever -0.0, and TFLM's "+ 0.0f" when it has no bias changes nothing).
 * a[m][kk] is at a[m * a_row + kk * a_k] (a transposed operand has a_row 1). */
#ifndef TINYRT_GEMM_F32_H
#define TINYRT_GEMM_F32_H

#include "vec_f32.h"

/* rows of a tile, and blocks of 16 outputs: accumulators ROWS x BLOCKS x 16 / lanes fill
 * most of the vector registers, leaving some for the weights and the broadcast */
#if defined(TINYRT_AVX512)
#define GEMM_ROWS 8
#define GEMM_BLOCKS 2
#elif defined(TINYRT_AVX2)
#define GEMM_ROWS 6
#define GEMM_BLOCKS 1
#elif defined(TINYRT_NEON)
#define GEMM_ROWS 6
#define GEMM_BLOCKS 1
#else
#define GEMM_ROWS 4
#define GEMM_BLOCKS 1
#endif

typedef struct {
    const float *a;
    ptrdiff_t a_row, a_k;
    const float *w;          /* packed, see above */
    const float *bias;       /* padded, or NULL */
    float *c;
    ptrdiff_t c_row;
    int m, n, k;
    float lo, hi;
} tinyrt_gemm_f32_args;

/* accumulators of a tile: a full tile has GEMM_ROWS x GEMM_BLOCKS blocks; a tile of fewer
 * rows (the last rows, or a product of one row) takes more blocks instead, up to
 * GEMM_WIDE_BLOCKS, so as many sums are in flight and more weight streams are read at once */
#define GEMM_TILE_VECS (GEMM_ROWS * GEMM_BLOCKS * VF_PER_BLOCK)
#define GEMM_WIDE_BLOCKS 8
#define GEMM_BLOCKS_FOR(rows) (GEMM_TILE_VECS / (VF_PER_BLOCK * (rows)) > GEMM_WIDE_BLOCKS ? \
    GEMM_WIDE_BLOCKS : GEMM_TILE_VECS / (VF_PER_BLOCK * (rows)))

/* rows x (blocks x 16) outputs from row r0 and block b0; rows and blocks are constants where
 * this is inlined, so the accumulators live in registers */
static inline __attribute__((always_inline)) void tinyrt_gemm_f32_tile(
    const tinyrt_gemm_f32_args *g, int r0, int b0, int rows, int blocks)
{
    vf acc[GEMM_TILE_VECS];
    const int vecs = blocks * VF_PER_BLOCK;
    const size_t block_stride = (size_t)g->k * TINYRT_F32_BLOCK;
    const float *w = g->w + (size_t)b0 * block_stride;
    const float *a = g->a + (ptrdiff_t)r0 * g->a_row;
    for (int i = 0; i < rows * vecs; i++)
        acc[i] = vf_zero();
    for (int kk = 0; kk < g->k; kk++) {
        vf wv[GEMM_TILE_VECS];
        const float *wk = w + (size_t)kk * TINYRT_F32_BLOCK;
        for (int b = 0; b < blocks; b++)
            for (int v = 0; v < VF_PER_BLOCK; v++)
                wv[b * VF_PER_BLOCK + v] = vf_load(wk + b * block_stride + v * VF_LANES);
        const float *ak = a + (ptrdiff_t)kk * g->a_k;
        for (int r = 0; r < rows; r++) {
            vf x = vf_set1(ak[(ptrdiff_t)r * g->a_row]);
            for (int j = 0; j < vecs; j++)
                acc[r * vecs + j] = vf_add(acc[r * vecs + j], vf_mul(x, wv[j]));
        }
    }
    const vf lo = vf_set1(g->lo), hi = vf_set1(g->hi);
    const int col0 = b0 * TINYRT_F32_BLOCK;
    for (int r = 0; r < rows; r++) {
        float *c = g->c + (ptrdiff_t)(r0 + r) * g->c_row + col0;
        for (int j = 0; j < vecs; j++) {
            int left = g->n - col0 - j * VF_LANES;
            if (left <= 0)
                break;
            vf v = acc[r * vecs + j];
            if (g->bias)
                v = vf_add(v, vf_load(g->bias + col0 + j * VF_LANES));
            v = vf_clamp(v, lo, hi);
            if (left >= VF_LANES)
                vf_store(c + j * VF_LANES, v);
            else
                vf_store_part(c + j * VF_LANES, v, left);
        }
    }
}

/* ``rows`` (a constant) rows from r0, every block: GEMM_BLOCKS_FOR(rows) blocks a tile */
static inline __attribute__((always_inline)) void tinyrt_gemm_f32_rows(
    const tinyrt_gemm_f32_args *g, int r0, int rows)
{
    const int nb = (g->n + TINYRT_F32_BLOCK - 1) / TINYRT_F32_BLOCK;
    const int wide = GEMM_BLOCKS_FOR(rows);
    int b0 = 0;
    for (; b0 + wide <= nb; b0 += wide)
        tinyrt_gemm_f32_tile(g, r0, b0, rows, wide);
    for (; b0 < nb; b0++)
        tinyrt_gemm_f32_tile(g, r0, b0, rows, 1);
}

static inline void tinyrt_gemm_f32(const tinyrt_gemm_f32_args *g)
{
    const int nb = (g->n + TINYRT_F32_BLOCK - 1) / TINYRT_F32_BLOCK;
    const int full = g->m - g->m % GEMM_ROWS;
    /* per group of blocks, every full tile of rows: the group's weights stay in cache across
     * the rows */
    for (int b0 = 0; b0 < nb; b0 += GEMM_BLOCKS) {
        if (nb - b0 >= GEMM_BLOCKS) {
            for (int r0 = 0; r0 < full; r0 += GEMM_ROWS)
                tinyrt_gemm_f32_tile(g, r0, b0, GEMM_ROWS, GEMM_BLOCKS);
            continue;
        }
        for (int r0 = 0; r0 < full; r0 += GEMM_ROWS)
            tinyrt_gemm_f32_tile(g, r0, b0, GEMM_ROWS, 1);
    }
    switch (g->m - full) {
    case 1: tinyrt_gemm_f32_rows(g, full, 1); break;
    case 2: tinyrt_gemm_f32_rows(g, full, 2); break;
    case 3: tinyrt_gemm_f32_rows(g, full, 3); break;
#if GEMM_ROWS > 4
    case 4: tinyrt_gemm_f32_rows(g, full, 4); break;
    case 5: tinyrt_gemm_f32_rows(g, full, 5); break;
#endif
#if GEMM_ROWS > 6
    case 6: tinyrt_gemm_f32_rows(g, full, 6); break;
    case 7: tinyrt_gemm_f32_rows(g, full, 7); break;
#endif
    default: break;
    }
}

/* packs b[kk][j] = src[kk * s_k + j * s_n] (kk < k, j < n) as tinyrt_gemm_f32 takes w */
static inline void tinyrt_pack_f32(const float *src, ptrdiff_t s_k, ptrdiff_t s_n, int k, int n,
                                   float *w)
{
    int nb = (n + TINYRT_F32_BLOCK - 1) / TINYRT_F32_BLOCK;
    for (int b = 0; b < nb; b++) {
        int cols = n - b * TINYRT_F32_BLOCK < TINYRT_F32_BLOCK ? n - b * TINYRT_F32_BLOCK
                                                                : TINYRT_F32_BLOCK;
        const float *s = src + (ptrdiff_t)b * TINYRT_F32_BLOCK * s_n;
        float *d = w + (size_t)b * k * TINYRT_F32_BLOCK;
        for (int kk = 0; kk < k; kk++, d += TINYRT_F32_BLOCK) {
            const float *sk = s + (ptrdiff_t)kk * s_k;
            if (s_n == 1 && cols == TINYRT_F32_BLOCK) {
                memcpy(d, sk, TINYRT_F32_BLOCK * sizeof *d);
                continue;
            }
            int j = 0;
            for (; j < cols; j++)
                d[j] = sk[(ptrdiff_t)j * s_n];
            for (; j < TINYRT_F32_BLOCK; j++)
                d[j] = 0.0f;
        }
    }
}

#endif
