#define _POSIX_C_SOURCE 200112L  // clock_gettime, and posix_memalign in bench_common.h
// The load-time cost of the int8 path for all-MiniLM-L6-v2's 24 linear weights: packing (from
// int8 rows) and, for reference, quantizing the fp32 weights per output channel first.
#include "embed_int8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_common.h"

int main(void) {
    static const ptrdiff_t shapes[4][2] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536}};  // n, k
    size_t fp32_bytes = 0, int8_bytes = 0, packed_bytes = 0;
    double best_pack = 1e30, best_quant = 1e30;
    for (int run = 0; run < 5; run++) {
        double pack = 0, quant = 0;
        for (int layer = 0; layer < 6; layer++)
            for (int s = 0; s < 4; s++) {
                ptrdiff_t n = shapes[s][0], k = shapes[s][1];
                float *w = malloc(sizeof(float) * (size_t)(n * k));
                for (ptrdiff_t i = 0; i < n * k; i++) w[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
                int8_t *q = malloc((size_t)(n * k));
                float *scales = malloc(sizeof(float) * (size_t)n);
                void *packed = malloc(embed_int8_packed_size(n, k));
                double t0 = now();
                for (ptrdiff_t r = 0; r < n; r++) {  // per-output-channel symmetric quantization
                    float m = 0;
                    for (ptrdiff_t p = 0; p < k; p++) m = fmaxf(m, fabsf(w[r * k + p]));
                    scales[r] = m / 127;
                    float inv = m > 0 ? 127 / m : 0;
                    for (ptrdiff_t p = 0; p < k; p++) q[r * k + p] = (int8_t)nearbyintf(w[r * k + p] * inv);
                }
                double t1 = now();
                embed_int8_pack_weights(q, n, k, k, packed);
                double t2 = now();
                quant += t1 - t0;
                pack += t2 - t1;
                if (run == 0) {
                    fp32_bytes += sizeof(float) * (size_t)(n * k);
                    int8_bytes += (size_t)(n * k) + sizeof(float) * (size_t)n;
                    packed_bytes += embed_int8_packed_size(n, k) + sizeof(float) * (size_t)n;
                }
                free(w); free(q); free(scales); free(packed);
            }
        if (pack < best_pack) best_pack = pack;
        if (quant < best_quant) best_quant = quant;
    }
    printf("MiniLM linear weights: fp32 %zu bytes, int8 + scales %zu bytes, packed + scales %zu bytes\n", fp32_bytes,
           int8_bytes, packed_bytes);
    printf("quantize fp32 -> int8 (scalar, per channel): %.2f ms; pack: %.2f ms (best of 5)\n", best_quant * 1e3,
           best_pack * 1e3);
    return 0;
}
