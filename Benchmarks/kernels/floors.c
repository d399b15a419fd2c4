// The two floors under one short text's time (Benchmarks/README.md, "Why 2 ms is out of reach"):
// the FMA peak of one core (independent FMAs in registers) and the DRAM read bandwidth with every
// core reading (a vectorized sum over a buffer far larger than the L3). Then how much of the L3 one
// core really gets (read speed by buffer size), and whether non-temporal prefetches keep part of
// the 42 MB of weights in it across passes (they do not here).
//
// Usage: floors   (build with -mavx2 -mfma -pthread)
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double fma_peak(void) {
    // Ten independent chains cover the FMA latency (4 cycles) on two pipes.
    __m256 a0 = _mm256_set1_ps(0.0f), a1 = _mm256_set1_ps(0.1f), a2 = _mm256_set1_ps(0.2f), a3 = _mm256_set1_ps(0.3f),
           a4 = _mm256_set1_ps(0.4f), a5 = _mm256_set1_ps(0.5f), a6 = _mm256_set1_ps(0.6f), a7 = _mm256_set1_ps(0.7f),
           a8 = _mm256_set1_ps(0.8f), a9 = _mm256_set1_ps(0.9f);
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
    const long steps = 2000000;
    double best = 1e9;
    for (int round = 0; round < 20; round++) {
        double start = seconds();
        for (long n = 0; n < steps; n++) {
            a0 = _mm256_fmadd_ps(a0, x, y); a1 = _mm256_fmadd_ps(a1, x, y); a2 = _mm256_fmadd_ps(a2, x, y);
            a3 = _mm256_fmadd_ps(a3, x, y); a4 = _mm256_fmadd_ps(a4, x, y); a5 = _mm256_fmadd_ps(a5, x, y);
            a6 = _mm256_fmadd_ps(a6, x, y); a7 = _mm256_fmadd_ps(a7, x, y); a8 = _mm256_fmadd_ps(a8, x, y);
            a9 = _mm256_fmadd_ps(a9, x, y);
        }
        double t = seconds() - start;
        if (t < best) best = t;
    }
    __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                               _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)),
                                             _mm256_add_ps(a8, a9)));
    if (sum[0] == 12345.0f) puts("");  // keeps the chains alive
    return steps * 10 * 16 / best / 1e9;
}

typedef struct {
    const float *data;
    size_t count;
    float total;
} slice;

static void *sum_slice(void *argument) {
    slice *s = argument;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (size_t i = 0; i + 16 <= s->count; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_load_ps(s->data + i));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(s->data + i + 8));
    }
    s->total = _mm256_add_ps(s0, s1)[0];
    return NULL;
}

static double read_bandwidth(size_t bytes, int threads) {
    size_t count = bytes / sizeof(float);
    float *data = aligned_alloc(64, bytes);
    if (!data) return 0;
    for (size_t i = 0; i < count; i++) data[i] = 1.0f;
    double best = 1e9;
    for (int round = 0; round < 10; round++) {
        pthread_t ids[64];
        slice slices[64];
        double start = seconds();
        for (int t = 0; t < threads; t++) {
            slices[t] = (slice){data + t * (count / threads), count / threads, 0};
            pthread_create(&ids[t], NULL, sum_slice, &slices[t]);
        }
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        double elapsed = seconds() - start;
        if (elapsed < best) best = elapsed;
    }
    free(data);
    return bytes / best / 1e9;
}

// One pass over `count` floats as one text's products read the weights: the first `kept` floats
// with ordinary loads, the rest prefetched non-temporally (meant to keep them out of the L3, so
// that the first part survives until the next pass).
static float pass_keeping(const float *data, size_t count, size_t kept) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (size_t i = 0; i + 16 <= count; i += 16) {
        if (i >= kept) _mm_prefetch((const char *)(data + i + 256), _MM_HINT_NTA);
        s0 = _mm256_add_ps(s0, _mm256_load_ps(data + i));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(data + i + 8));
    }
    return _mm256_add_ps(s0, s1)[0];
}

static double keeping_milliseconds(const float *data, size_t count, size_t kept) {
    double best = 1e9;
    float total = 0;
    for (int round = 0; round < 30; round++) {
        double start = seconds();
        total += pass_keeping(data, count, kept);
        double elapsed = seconds() - start;
        if (round > 2 && elapsed < best) best = elapsed;
    }
    if (total == 12345.0f) puts("");
    return best * 1e3;
}

int main(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
    printf("FMA peak, one core: %.1f GFLOP/s\n", fma_peak());
    printf("DRAM read, %d threads, 256 MB: %.1f GB/s\n", threads, read_bandwidth((size_t)256 << 20, threads));
    printf("one core re-reading a buffer (the L3 it gets ends where the speed drops):");
    const int sizes[] = {8, 16, 24, 32, 48};
    for (int i = 0; i < 5; i++) printf(" %d MB %.1f GB/s%s", sizes[i], read_bandwidth((size_t)sizes[i] << 20, 1), i < 4 ? "," : "\n");
    size_t weights = (size_t)42 << 20;
    float *data = aligned_alloc(64, weights + 4096);
    if (!data) return 1;
    for (size_t i = 0; i < (weights + 4096) / sizeof(float); i++) data[i] = 1.0f;
    printf("one core streaming 42 MB, first part loaded as usual, the rest prefetched non-temporally:");
    const int kept[] = {0, 8, 16, 42};
    for (int i = 0; i < 4; i++) {
        size_t floats = ((size_t)kept[i] << 20) / sizeof(float);
        printf(" %d MB kept %.2f ms%s", kept[i], keeping_milliseconds(data, weights / sizeof(float), floats), i < 3 ? "," : "\n");
    }
    free(data);
    return 0;
}
