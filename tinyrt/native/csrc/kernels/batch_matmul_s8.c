/* int8 BATCH_MATMUL: per output batch, sum over k of (lhs - lhs_zp)(rhs - rhs_zp) in int32
 * (wrapping as TFLM's accumulator), MultiplyByQuantizedMultiplier, + the output zero point,
 * clamped: TFLM's reference arithmetic. Integer sums are exact in any order.
 *
 * Both operands are taken as int16 with their zero points removed ([-255, 255]): the rhs
 * packed in blocks of 16 columns and pairs of k ([n / 16][k2 / 2][16][2], each rhs batch
 * once per run), the lhs as rows of k2 values (k2: k rounded up to even). A k pair of a row,
 * broadcast as one 32-bit lane, times a packed block gives 16 columns' two products summed
 * (vpdpwssd on AVX-512 VNNI, vpmaddwd on AVX2, widening multiply-adds on NEON: exact,
 * products below 2^17). */
#include "batch_matmul_s8.h"
#include "../fixedpoint.h"
#include "../gemm_s16.h"

#define BLOCK 16

static void pack_rhs(const tinyrt_batch_matmul_s8_opdata *op, const int8_t *rhs, int16_t *dst)
{
    const int k = op->k, n = op->n, pairs = op->k2 / 2, nb = (n + BLOCK - 1) / BLOCK;
    const ptrdiff_t s_k = op->adj_y ? 1 : n, s_n = op->adj_y ? k : 1;
    for (int b = 0; b < nb; b++)
        for (int kk = 0; kk < pairs; kk++, dst += 2 * BLOCK)
            for (int j = 0; j < BLOCK; j++)
                for (int t = 0; t < 2; t++) {
                    int col = b * BLOCK + j, depth = 2 * kk + t;
                    dst[2 * j + t] = (int16_t)(col < n && depth < k ?
                        rhs[depth * s_k + col * s_n] - op->rhs_zp : 0);
                }
}

static void lhs_rows(const tinyrt_batch_matmul_s8_opdata *op, const int8_t *lhs, int16_t *dst)
{
    const int m = op->m, k = op->k, k2 = op->k2;
    for (int i = 0; i < m; i++, dst += k2) {
        for (int d = 0; d < k; d++)
            dst[d] = (int16_t)((op->adj_x ? lhs[(size_t)d * m + i] : lhs[(size_t)i * k + d]) -
                               op->lhs_zp);
        if (k2 > k)
            dst[k] = 0;
    }
}

#if defined(TINYRT_AVX512)
#define TILE_ROWS 4
#define TILE_BLOCKS 4
static inline __attribute__((always_inline)) void tile(const int16_t *a, int k2,
    const int16_t *w, size_t w_block, int rows, int blocks, int32_t *acc, int acc_row)
{
    __m512i s[TILE_ROWS][TILE_BLOCKS];
    for (int r = 0; r < rows; r++)
        for (int b = 0; b < blocks; b++)
            s[r][b] = _mm512_setzero_si512();
    for (int kk = 0; kk < k2 / 2; kk++) {
        __m512i x[TILE_ROWS];
        for (int r = 0; r < rows; r++) {
            int32_t pair = (int32_t)tinyrt_load32(a + (size_t)r * k2 + 2 * kk);
            x[r] = _mm512_set1_epi32(pair);
        }
        for (int b = 0; b < blocks; b++) {
            __m512i wv = _mm512_loadu_si512((const void *)(w + b * w_block + (size_t)kk * 32));
            for (int r = 0; r < rows; r++)
                s[r][b] = _mm512_dpwssd_epi32(s[r][b], x[r], wv);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int b = 0; b < blocks; b++)
            _mm512_storeu_si512((void *)(acc + (size_t)r * acc_row + b * BLOCK), s[r][b]);
}
#elif defined(TINYRT_AVX2)
#define TILE_ROWS 4
#define TILE_BLOCKS 1
static inline __attribute__((always_inline)) void tile(const int16_t *a, int k2,
    const int16_t *w, size_t w_block, int rows, int blocks, int32_t *acc, int acc_row)
{
    (void)w_block;
    (void)blocks;
    __m256i s[4][2];
    tinyrt_tile16_s16_avx2(a, (size_t)k2, w, k2 / 2, rows, s);
    for (int r = 0; r < rows; r++) {
        _mm256_storeu_si256((__m256i *)(acc + (size_t)r * acc_row), s[r][0]);
        _mm256_storeu_si256((__m256i *)(acc + (size_t)r * acc_row + 8), s[r][1]);
    }
}
#elif defined(TINYRT_NEON)
#define TILE_ROWS 4
#define TILE_BLOCKS 1
/* vld2q_s16 splits a block's 16 pairs into the even and the odd k of 8 columns; widening
 * multiply-adds by the row's two values (int32 lanes wrap as TFLM's accumulator) */
static inline __attribute__((always_inline)) void tile(const int16_t *a, int k2,
    const int16_t *w, size_t w_block, int rows, int blocks, int32_t *acc, int acc_row)
{
    (void)w_block;
    (void)blocks;
    int32x4_t s[TILE_ROWS][4];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++)
            s[r][q] = vdupq_n_s32(0);
    for (int kk = 0; kk < k2 / 2; kk++) {
        int16x8x2_t lo = vld2q_s16(w + (size_t)kk * 32);        /* columns 0-7 */
        int16x8x2_t hi = vld2q_s16(w + (size_t)kk * 32 + 16);   /* columns 8-15 */
        for (int r = 0; r < rows; r++) {
            int16_t a0 = a[(size_t)r * k2 + 2 * kk], a1 = a[(size_t)r * k2 + 2 * kk + 1];
            s[r][0] = vmlal_n_s16(vmlal_n_s16(s[r][0], vget_low_s16(lo.val[0]), a0),
                                  vget_low_s16(lo.val[1]), a1);
            s[r][1] = vmlal_n_s16(vmlal_n_s16(s[r][1], vget_high_s16(lo.val[0]), a0),
                                  vget_high_s16(lo.val[1]), a1);
            s[r][2] = vmlal_n_s16(vmlal_n_s16(s[r][2], vget_low_s16(hi.val[0]), a0),
                                  vget_low_s16(hi.val[1]), a1);
            s[r][3] = vmlal_n_s16(vmlal_n_s16(s[r][3], vget_high_s16(hi.val[0]), a0),
                                  vget_high_s16(hi.val[1]), a1);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++)
            vst1q_s32(acc + (size_t)r * acc_row + 4 * q, s[r][q]);
}
#else
#define TILE_ROWS 4
#define TILE_BLOCKS 1
/* sums in uint32_t: they wrap as TFLM's int32 accumulator does, without C's undefined
 * signed overflow */
static inline __attribute__((always_inline)) void tile(const int16_t *a, int k2,
    const int16_t *w, size_t w_block, int rows, int blocks, int32_t *acc, int acc_row)
{
    (void)w_block;
    (void)blocks;
    uint32_t s[TILE_ROWS][BLOCK];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < BLOCK; j++)
            s[r][j] = 0;
    for (int kk = 0; kk < k2 / 2; kk++) {
        const int16_t *wk = w + (size_t)kk * 2 * BLOCK;
        for (int r = 0; r < rows; r++) {
            int32_t a0 = a[(size_t)r * k2 + 2 * kk], a1 = a[(size_t)r * k2 + 2 * kk + 1];
            for (int j = 0; j < BLOCK; j++)
                s[r][j] += (uint32_t)(a0 * wk[2 * j] + a1 * wk[2 * j + 1]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < BLOCK; j++)
            acc[(size_t)r * acc_row + j] = (int32_t)s[r][j];
}
#endif

/* every row x column sum of one output batch into acc [m][np] */
static void sums(const tinyrt_batch_matmul_s8_opdata *op, const int16_t *w, int32_t *acc, int np)
{
    const int m = op->m, k2 = op->k2, nb = np / BLOCK;
    const size_t w_block = (size_t)k2 * BLOCK;
    for (int b = 0; b < nb; b += TILE_BLOCKS) {
        int blocks = nb - b < TILE_BLOCKS ? nb - b : TILE_BLOCKS;
        for (int r = 0; r < m; r += TILE_ROWS) {
            int rows = m - r < TILE_ROWS ? m - r : TILE_ROWS;
            const int16_t *a = op->rows + (size_t)r * k2;
            const int16_t *wb = w + (size_t)b * w_block;
            int32_t *ab = acc + (size_t)r * np + b * BLOCK;
            /* constant tile sizes, so the sums stay in registers */
            if (rows == TILE_ROWS && blocks == TILE_BLOCKS)
                tile(a, k2, wb, w_block, TILE_ROWS, TILE_BLOCKS, ab, np);
            else
                for (int rr = 0; rr < rows; rr++)
                    for (int bb = 0; bb < blocks; bb++)
                        tile(a + (size_t)rr * k2, k2, wb + bb * w_block, w_block, 1, 1,
                             ab + (size_t)rr * np + bb * BLOCK, np);
        }
    }
}

int tinyrt_batch_matmul_s8(const tinyrt_batch_matmul_s8_opdata *op)
{
    const int m = op->m, k = op->k, n = op->n, np = (n + BLOCK - 1) / BLOCK * BLOCK;
    const size_t packed_size = (size_t)np * op->k2;
    for (int b = 0; b < op->rhs_batches; b++)
        pack_rhs(op, op->rhs + (size_t)b * k * n, op->packed + b * packed_size);
    int32_t last_lhs = -1;
    for (int b = 0; b < op->batches; b++) {
        if (op->lhs_index[b] != last_lhs) {
            last_lhs = op->lhs_index[b];
            lhs_rows(op, op->lhs + (size_t)last_lhs * m * k, op->rows);
        }
        sums(op, op->packed + (size_t)op->rhs_index[b] * packed_size, op->acc, np);
        int8_t *out = op->output + (size_t)b * m * n;
        for (int i = 0; i < m; i++)
            tinyrt_requantize_row_s8(op->acc + (size_t)i * np, n, &op->mult, &op->left,
                                     &op->right, 0, op->output_zp, op->act_min, op->act_max,
                                     out + (size_t)i * n);
    }
    return TINYRT_OK;
}
