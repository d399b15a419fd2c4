// The few-row product of one text's six MiniLM layers, our kernel against OpenBLAS, with the
// weights cold as in a real pass (six distinct layers, 42 MB, more than the L3), on one thread.
// Backs the figures in Benchmarks/README.md ("The small-product kernel fetches the next weights")
// and the 96-row bound in `Bert.Linear.smallProductRows`.
//
// Usage: small_product [ROWS...]   (default 1 17 48 96 128); prints the best of 40 passes.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "embed_kernels.h"

void openblas_set_num_threads(int);

enum { HIDDEN = 384, INTERMEDIATE = 1536, LAYERS = 6, MAX_ROWS = 256 };
// Q, K, V, attention output (hidden × hidden each), then the two feed-forward weights.
static const size_t layer_floats = 4 * HIDDEN * HIDDEN + 2 * HIDDEN * INTERMEDIATE;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// C (rows × columns) += A (rows × depth) · W (columns × depth)ᵀ, by one of the two engines.
static void product(int blas, int rows, int columns, int depth, const float *a, const float *w, float *c) {
    if (blas || !embed_small_gemm_accumulate(embed_kernels_best_isa(), rows, columns, depth, a, depth, w, depth, c, columns)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, columns, depth, 1.0f, a, depth, w, depth, 1.0f, c,
                    columns);
    }
}

static double one_text(int blas, int rows, const float *weights, const float *a, float *c) {
    double start = seconds();
    for (int layer = 0; layer < LAYERS; layer++) {
        const float *w = weights + layer * layer_floats;
        for (int m = 0; m < 4; m++) product(blas, rows, HIDDEN, HIDDEN, a, w + m * HIDDEN * HIDDEN, c);
        product(blas, rows, INTERMEDIATE, HIDDEN, a, w + 4 * HIDDEN * HIDDEN, c);
        product(blas, rows, HIDDEN, INTERMEDIATE, a, w + 4 * HIDDEN * HIDDEN + HIDDEN * INTERMEDIATE, c);
    }
    return seconds() - start;
}

int main(int argc, char **argv) {
    openblas_set_num_threads(1);
    static const int default_rows[] = {1, 17, 48, 96, 128};
    int count = argc > 1 ? argc - 1 : (int)(sizeof default_rows / sizeof *default_rows);
    float *weights = aligned_alloc(64, layer_floats * LAYERS * sizeof(float));
    float *a = aligned_alloc(64, MAX_ROWS * INTERMEDIATE * sizeof(float));
    float *c = aligned_alloc(64, MAX_ROWS * INTERMEDIATE * sizeof(float));
    if (!weights || !a || !c) return 1;
    srand(1);
    for (size_t i = 0; i < layer_floats * LAYERS; i++) weights[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * 0.1f;
    printf("isa: %s; one thread; six layers' weights (%.0f MB), cold\n",
           embed_kernels_best_isa() == EMBED_KERNELS_AVX2_FMA ? "AVX2 + FMA" : "portable (kernel falls back to BLAS)",
           layer_floats * LAYERS * sizeof(float) / 1e6);
    for (int k = 0; k < count; k++) {
        int rows = argc > 1 ? atoi(argv[k + 1]) : default_rows[k];
        if (rows < 1 || rows > MAX_ROWS) continue;
        for (int i = 0; i < rows * INTERMEDIATE; i++) a[i] = (float)rand() / (float)RAND_MAX;
        double best[2] = {1e9, 1e9};
        // Alternate the engines pass by pass, so a drifting machine treats both alike.
        for (int pass = 0; pass < 40; pass++) {
            for (int blas = 0; blas < 2; blas++) {
                double t = one_text(blas, rows, weights, a, c);
                if (t < best[blas]) best[blas] = t;
            }
        }
        double flops = 2.0 * rows * (double)layer_floats * LAYERS;
        printf("%3d rows: kernel %6.2f ms (%5.1f GFLOP/s), OpenBLAS %6.2f ms (%5.1f GFLOP/s)\n", rows, best[0] * 1e3,
               flops / best[0] / 1e9, best[1] * 1e3, flops / best[1] / 1e9);
    }
    return 0;
}
