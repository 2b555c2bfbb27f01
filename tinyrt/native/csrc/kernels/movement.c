/* Data movement as byte copies. Every offset and count is computed and checked against the
 * tensors' sizes in prepare (tinyrt/kernels/shape_ops.py, movement.py); here positions are
 * kept as byte offsets from the tensors' starts, so no pointer ever leaves its tensor. */
#include "movement.h"

static void fill_elements(char *out, const char *value, int64_t count, int eb)
{
    if (count <= 0)
        return;
    if (eb == 1) {
        memset(out, *value, (size_t)count);
        return;
    }
    /* one element, then the filled part doubled until the whole is filled */
    size_t total = (size_t)count * (size_t)eb, done = (size_t)eb;
    memcpy(out, value, (size_t)eb);
    while (done < total) {
        size_t n = done < total - done ? done : total - done;
        memcpy(out + done, out, n);
        done += n;
    }
}

/* count elements of eb bytes at the given strides */
static void copy_row(char *out, const char *in, int64_t count, int64_t os, int64_t is, int eb)
{
    if (os == eb && is == eb) {
        memcpy(out, in, (size_t)count * (size_t)eb);
        return;
    }
    switch (eb) {
#define TINYRT_STRIDED(T) \
    if (os == (int64_t)sizeof(T)) { /* a gather into a contiguous row */ \
        T *o = (T *)(void *)out; \
        for (int64_t i = 0; i < count; i++) \
            memcpy(&o[i], in + i * is, sizeof(T)); \
    } else { \
        for (int64_t i = 0; i < count; i++) { \
            T v; \
            memcpy(&v, in + i * is, sizeof v); \
            memcpy(out + i * os, &v, sizeof v); \
        } \
    } \
    break;
    case 1: TINYRT_STRIDED(uint8_t)
    case 2: TINYRT_STRIDED(uint16_t)
    case 4: TINYRT_STRIDED(uint32_t)
    case 8: TINYRT_STRIDED(uint64_t)
#undef TINYRT_STRIDED
    default:
        for (int64_t i = 0; i < count; i++)
            memcpy(out + i * os, in + i * is, (size_t)eb);
    }
}

/* rows x cols elements, in square tiles of a cache line's elements, so that both the strided
 * reads and the strided writes of a transposition stay in the first-level cache */
#define TINYRT_TILED(T) \
    for (int64_t r0 = 0; r0 < rows; r0 += 64 / sizeof(T)) \
        for (int64_t c0 = 0; c0 < cols; c0 += 64 / sizeof(T)) { \
            int64_t r1 = r0 + (int64_t)(64 / sizeof(T)) < rows ? r0 + (int64_t)(64 / sizeof(T)) \
                                                               : rows; \
            int64_t c1 = c0 + (int64_t)(64 / sizeof(T)) < cols ? c0 + (int64_t)(64 / sizeof(T)) \
                                                               : cols; \
            for (int64_t r = r0; r < r1; r++) \
                for (int64_t c = c0; c < c1; c++) { \
                    T v; \
                    memcpy(&v, in + r * irs + c * ics, sizeof v); \
                    memcpy(out + r * ors + c * ocs, &v, sizeof v); \
                } \
        } \
    return;

static void copy_tiled(char *out, const char *in, int64_t rows, int64_t cols, int64_t ors,
                       int64_t irs, int64_t ocs, int64_t ics, int eb)
{
    switch (eb) {
    case 1: TINYRT_TILED(uint8_t)
    case 2: TINYRT_TILED(uint16_t)
    case 4: TINYRT_TILED(uint32_t)
    case 8: TINYRT_TILED(uint64_t)
    default:
        for (int64_t r = 0; r < rows; r++)
            copy_row(out + r * ors, in + r * irs, cols, ocs, ics, eb);
    }
}
#undef TINYRT_TILED

int tinyrt_copy_nd(const tinyrt_copy_nd_opdata *p)
{
    const int eb = p->elem_bytes, rank = p->rank;
    char *out = (char *)p->output;
    const char *in = (const char *)p->input;
    if (p->fill)
        fill_elements(out, (const char *)p->fill, p->fill_count, eb);
    if (rank < 1 || rank > TINYRT_COPY_MAX_RANK || (p->tile && rank < 2))
        return rank == 0 ? TINYRT_OK : TINYRT_ERROR;
    for (int d = 0; d < rank; d++)
        if (p->counts[d] <= 0)
            return TINYRT_OK;
    const int last = rank - 1, outer = p->tile ? rank - 2 : rank - 1;
    int64_t index[TINYRT_COPY_MAX_RANK] = {0};
    int64_t ip = p->in_offset, op = p->out_offset;
    for (;;) {
        if (p->tile)
            copy_tiled(out + op, in + ip, p->counts[last - 1], p->counts[last],
                       p->out_strides[last - 1], p->in_strides[last - 1], p->out_strides[last],
                       p->in_strides[last], eb);
        else
            copy_row(out + op, in + ip, p->counts[last], p->out_strides[last],
                     p->in_strides[last], eb);
        /* the next row (or tile block): an odometer over the outer dimensions */
        int d = outer - 1;
        for (; d >= 0; d--) {
            if (++index[d] < p->counts[d]) {
                ip += p->in_strides[d];
                op += p->out_strides[d];
                break;
            }
            ip -= p->in_strides[d] * (index[d] - 1);
            op -= p->out_strides[d] * (index[d] - 1);
            index[d] = 0;
        }
        if (d < 0)
            return TINYRT_OK;
    }
}

int tinyrt_concat(const tinyrt_concat_opdata *p)
{
    const void *parts[TINYRT_COPY_MAX_PARTS] = {p->part0, p->part1, p->part2, p->part3,
                                                p->part4, p->part5, p->part6, p->part7,
                                                p->part8, p->part9};
    if (p->parts < 1 || p->parts > TINYRT_COPY_MAX_PARTS)
        return TINYRT_ERROR;
    char *out = (char *)p->whole;
    for (int64_t o = 0; o < p->outer; o++)
        for (int i = 0; i < p->parts; i++) {
            size_t n = (size_t)p->sizes[i];
            memcpy(out, (const char *)parts[i] + (size_t)o * n, n);
            out += n;
        }
    return TINYRT_OK;
}

int tinyrt_split(const tinyrt_split_opdata *p)
{
    void *parts[TINYRT_COPY_MAX_PARTS] = {p->part0, p->part1, p->part2, p->part3, p->part4,
                                          p->part5, p->part6, p->part7, p->part8, p->part9};
    if (p->parts < 1 || p->parts > TINYRT_COPY_MAX_PARTS)
        return TINYRT_ERROR;
    const char *in = (const char *)p->whole;
    for (int64_t o = 0; o < p->outer; o++)
        for (int i = 0; i < p->parts; i++) {
            size_t n = (size_t)p->sizes[i];
            memcpy((char *)parts[i] + (size_t)o * n, in, n);
            in += n;
        }
    return TINYRT_OK;
}

int tinyrt_gather(const tinyrt_gather_opdata *p)
{
    const size_t inner = (size_t)p->inner_bytes;
    const char *in = (const char *)p->input;
    char *out = (char *)p->output;
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t o = 0; o < p->outer; o++) {
            const char *rows = in + (size_t)(b * p->outer + o) * (size_t)p->axis_size * inner;
            for (int64_t c = 0; c < p->coords; c++) {
                int64_t k = b * p->coords + c, idx;
                if (p->index_bytes == 8) {
                    idx = ((const int64_t *)p->indices)[k];
                } else {
                    idx = ((const int32_t *)p->indices)[k];
                }
                if (idx < 0 || idx >= p->axis_size)
                    return TINYRT_ERROR;
                memcpy(out, rows + (size_t)idx * inner, inner);
                out += inner;
            }
        }
    return TINYRT_OK;
}

int tinyrt_gather_nd(const tinyrt_gather_nd_opdata *p)
{
    const size_t slice = (size_t)p->slice_elems * (size_t)p->elem_bytes;
    for (int64_t i = 0; i < p->n_slices; i++) {
        const int32_t *idx = p->indices + (size_t)i * (size_t)p->depth;
        int64_t from = 0;       /* |index| < 2^31 and counts < 2^31: no overflow */
        for (int d = 0; d < p->depth; d++)
            from += (int64_t)idx[d] * p->counts[d];
        if (from < 0 || from > p->flat_elems - p->slice_elems)
            return TINYRT_ERROR;
        memcpy((char *)p->output + (size_t)i * slice,
               (const char *)p->input + (size_t)from * (size_t)p->elem_bytes, slice);
    }
    return TINYRT_OK;
}

int tinyrt_copy(const tinyrt_copy_opdata *p)
{
    if (p->input != p->output)
        memmove(p->output, p->input, (size_t)p->nbytes);
    return TINYRT_OK;
}
