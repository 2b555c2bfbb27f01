/* An op on an 8- or 16-bit input is a function of at most 65536 values: prepare tabulates the
 * op's exact arithmetic over all of them (LOGISTIC, TANH, HARD_SWISH, GELU, RSQRT, ELU int8 and
 * int16, QUANTIZE between integer types, DEQUANTIZE to float32) and this kernel reads the
 * table. The table is indexed by the input's bits, so signed and unsigned inputs index it the
 * same way. */
#include "lookup.h"

#define TINYRT_LOOKUP_LOOP(IN_T, OUT_T)                                                     \
    {                                                                                       \
        const IN_T *restrict x = p->input;                                                  \
        const OUT_T *restrict t = p->table;                                                 \
        OUT_T *restrict y = p->output;                                                      \
        for (int64_t i = 0; i < n; i++)                                                     \
            y[i] = t[x[i]];                                                                 \
        return TINYRT_OK;                                                                   \
    }

int tinyrt_lookup(const tinyrt_lookup_opdata *p)
{
    int64_t n = p->n;
    if (p->in_min != INT32_MIN) {
        for (int64_t i = 0; i < n; i++) {
            int32_t v = p->in_bytes == 1 ?
                (p->in_signed ? ((const int8_t *)p->input)[i] : ((const uint8_t *)p->input)[i]) :
                (p->in_signed ? ((const int16_t *)p->input)[i] : ((const uint16_t *)p->input)[i]);
            if (v < p->in_min)
                return TINYRT_ERROR;
        }
    }
    if (p->in_bytes == 1) {
        switch (p->out_bytes) {
        case 1: TINYRT_LOOKUP_LOOP(uint8_t, uint8_t)
        case 2: TINYRT_LOOKUP_LOOP(uint8_t, uint16_t)
        case 4: TINYRT_LOOKUP_LOOP(uint8_t, uint32_t)
        }
    } else if (p->in_bytes == 2) {
        switch (p->out_bytes) {
        case 1: TINYRT_LOOKUP_LOOP(uint16_t, uint8_t)
        case 2: TINYRT_LOOKUP_LOOP(uint16_t, uint16_t)
        case 4: TINYRT_LOOKUP_LOOP(uint16_t, uint32_t)
        }
    }
    return TINYRT_ERROR;
}
