// See embed_int8_residual.h.
#include "embed_int8_residual.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

ptrdiff_t embed_int8_quantize_residuals(embed_int8_isa isa, const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldx,
                                        const void *quantized, float threshold, void *residuals, ptrdiff_t *rows,
                                        float *scratch) {
    const ptrdiff_t stride = embed_int8_activation_stride(k);
    const float *scales = (const float *)((const char *)quantized + m * stride);
    const size_t block = embed_int8_activation_size(1, k);
    ptrdiff_t found = 0;
    for (ptrdiff_t i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        const unsigned char *q = (const unsigned char *)quantized + i * stride;
        const float scale = scales[i];
        // Double sums: a row of 3,072 floats loses nothing that matters, and the ratio of two
        // float sums of squares could overflow for huge activations.
        double energy = 0, lost = 0;
        for (ptrdiff_t p = 0; p < k; p++) {
            float r = row[p] - (float)((int)q[p] - 128) * scale;
            scratch[p] = r;
            energy += (double)row[p] * row[p];
            lost += (double)r * r;
        }
        if (!(lost > (double)threshold * energy)) continue;
        embed_int8_quantize_rows(isa, scratch, 1, k, k, (char *)residuals + (size_t)found * block);
        rows[found++] = i;
    }
    return found;
}

typedef struct {
    void *memory;
    size_t size;
} thread_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void free_scratch(void *value) {
    thread_scratch *scratch = value;
    free(scratch->memory);
    free(scratch);
}

static void make_scratch_key(void) { (void)pthread_key_create(&scratch_key, free_scratch); }

void *embed_int8_thread_scratch(size_t bytes) {
    (void)pthread_once(&scratch_once, make_scratch_key);
    thread_scratch *scratch = pthread_getspecific(scratch_key);
    if (!scratch) {
        scratch = calloc(1, sizeof *scratch);
        if (!scratch || pthread_setspecific(scratch_key, scratch) != 0) {
            free(scratch);
            return NULL;
        }
    }
    if (bytes > scratch->size) {
        // A quarter more than asked, rounded to 64 KiB: a few growth steps, then none.
        size_t size = (bytes + bytes / 4 + 65535) & ~(size_t)65535;
        void *memory = NULL;
        if (posix_memalign(&memory, 64, size) != 0) return NULL;
        free(scratch->memory);
        scratch->memory = memory;
        scratch->size = size;
    }
    return scratch->memory;
}
