// gemmlowp (Debian libgemmlowp-dev, snapshot 0.0~git20211220, header-only) on the linear-layer
// shapes of bench_int8.c, for the int8 study: C = A·Wᵀ, A M × K, W N × K (row-major), as
//   GemmWithOutputPipeline<uint8_t, int32_t, DefaultL8R8BitDepthParams>
// with an empty output pipeline (int32 result, no requantization). Operands are u8 with offset
// −128 on both sides (u8 = s8 + 128), so that the int32 result is exactly the s8 × s8 product our
// kernels compute. gemmlowp has no persistent prepacked weights: every call packs both sides
// (the timing includes it). Its x86 kernel is chosen at compile time:
//   -mavx2 -DGEMMLOWP_ENABLE_AVX2 → AVX2_64_Kernel24x8Depth2 (name gemmlowp-avx2)
//   -msse4.1 (no GEMMLOWP_ENABLE_AVX2) → SSE4_64_Kernel12x4Depth2 (name gemmlowp-sse4)
// Threads: GemmContext::set_max_num_threads(THREADS) (its own pool; the caller takes one task).
//
// `bench_gemmlowp THREADS` measures, `bench_gemmlowp check` verifies against an int32 reference.
// Prints one line per shape: name threads M K N seconds GOPS (GOPS = 2·M·N·K / s).
// Best of RUNS (7) measurements, each ≥ 20 ms; QUIET=1 redoes a measurement during which other
// processes used the CPU (bench_common.h, shared with bench_int8.c).
#include <gemmlowp/public/gemmlowp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <tuple>
#include <vector>

#if defined(GEMMLOWP_AVX2_64)
static const char *kName = "gemmlowp-avx2";
static const char *kKernel = "AVX2_64_Kernel24x8Depth2";
#elif defined(GEMMLOWP_SSE4_64)
static const char *kName = "gemmlowp-sse4";
static const char *kKernel = "SSE4_64_Kernel12x4Depth2";
#else
static const char *kName = "gemmlowp-reference";
static const char *kKernel = "ReferenceKernel";
#endif

#include "bench_common.h"

// best_time with a lambda: the harness takes a C function and its argument.
template <typename F>
static double best_time(F fn, int runs) {
    return best_time([](void *f) { (*static_cast<F *>(f))(); }, &fn, runs);
}

// MARK: - Problem

struct Problem {
    int m, n, k;
    std::vector<int8_t> a8, w8;      // A M × K, W N × K
    std::vector<uint8_t> a, w;       // the same + 128
    std::vector<int32_t> c;          // M × N

    Problem(int m_, int n_, int k_) : m(m_), n(n_), k(k_), a8(m_ * k_), w8(n_ * k_), a(m_ * k_), w(n_ * k_), c(m_ * n_) {
        for (int i = 0; i < m * k; i++) {
            a8[i] = (int8_t)__builtin_nearbyintf(rand_float() * 127);
            a[i] = (uint8_t)(a8[i] + 128);
        }
        for (int i = 0; i < n * k; i++) {
            float v = rand_float() * 127;
            w8[i] = (int8_t)__builtin_nearbyintf(v);
            w[i] = (uint8_t)(w8[i] + 128);
        }
    }

    void run(gemmlowp::GemmContext *context) {
        gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::RowMajor> lhs(a.data(), m, k, k);
        gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::ColMajor> rhs(w.data(), k, n, k);  // Wᵀ
        gemmlowp::MatrixMap<int32_t, gemmlowp::MapOrder::RowMajor> result(c.data(), m, n, n);
        gemmlowp::GemmWithOutputPipeline<uint8_t, int32_t, gemmlowp::DefaultL8R8BitDepthParams>(
            context, lhs, rhs, &result, -128, -128, std::make_tuple());
    }
};

static int check() {
    static const int ms[] = {1, 3, 8, 17, 64, 130}, ks[] = {16, 40, 384}, ns[] = {8, 24, 100, 384};
    int bad = 0, cases = 0;
    for (int threads = 1; threads <= 2; threads++) {
        gemmlowp::GemmContext context;
        context.set_max_num_threads(threads);
        for (int m : ms)
            for (int k : ks)
                for (int n : ns) {
                    Problem p(m, n, k);
                    p.run(&context);
                    long mismatches = 0;
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            int32_t acc = 0;
                            for (int l = 0; l < k; l++) acc += (int32_t)p.a8[i * k + l] * p.w8[j * k + l];
                            mismatches += acc != p.c[i * n + j];
                        }
                    if (mismatches) {
                        fprintf(stderr, "MISMATCH threads %d M %d K %d N %d: %ld outputs\n", threads, m, k, n,
                                mismatches);
                        bad++;
                    }
                    cases++;
                }
    }
    printf("check %s (%s): %d cases, %d mismatching (int32 exact)\n", kName, kKernel, cases, bad);
    return bad != 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s THREADS | check\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "check") == 0) return check();
    int threads = atoi(argv[1]);
    fprintf(stderr, "%s: kernel %s\n", kName, kKernel);
    gemmlowp::GemmContext context;
    context.set_max_num_threads(threads);
    static const int ms[] = {1, 8, 16, 128, 512, 2048};
    static const int kn[][2] = {{384, 384}, {384, 1152}, {384, 1536}, {1536, 384},
                                {768, 768}, {768, 3072}, {3072, 768}};
    int runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 7;
    quiet_mode = getenv("QUIET") && atoi(getenv("QUIET"));
    for (auto &s : kn)
        for (int m : ms) {
            int k = s[0], n = s[1];
            Problem p(m, n, k);
            double t = best_time([&] { p.run(&context); }, runs);
            printf("%s %d %d %d %d %.6e %.2f\n", kName, threads, m, k, n, t, 2.0 * m * n * k / t * 1e-9);
            fflush(stdout);
        }
    return 0;
}
