// XNNPACK (Debian libxnnpack-dev, snapshot 0.0~git20220216) on the linear-layer shapes of
// bench_int8.c, for the int8 study: C = A·Wᵀ with A M × K, W N × K (row-major), as the XNNPACK
// operator API offers it in that snapshot:
//   xnnpack-qs8   xnn_create_fully_connected_nc_qs8: s8 × s8 → int32 → requantized s8 output, one
//                 input scale, ONE weight scale, one output scale (static quantization)
//   xnnpack-qc8   xnn_create_convolution2d_nhwc_qc8 as a 1 × 1 convolution over M pixels: s8 × s8 →
//                 requantized s8 output with per-output-channel weight scales (static input scale)
//   xnnpack-f32   xnn_create_fully_connected_nc_f32 (for reference next to OpenBLAS fp32)
// This snapshot has no fully_connected_nc_qc8 and no dynamically quantized (qd8_f32_qc8w)
// operator: none of these gives fp32 output with a per-row (per-token) activation scale.
// Weights are packed once by the create call (outside the timing); setup (binding the M × K input
// and M × N output) is also done once, outside; the timing covers xnn_run_operator alone.
// Threads: 1 → no thread pool (NULL); 2 → pthreadpool_create(2) (the caller and one worker).
//
// One candidate per process (`bench_xnnpack CANDIDATE THREADS`), `bench_xnnpack check` verifies.
// Prints one line per shape: name threads M K N seconds GOPS (GOPS = 2·M·N·K / s).
// Best of RUNS (7) measurements, each ≥ 20 ms; QUIET=1 redoes a measurement during which other
// processes used the CPU (bench_common.h, shared with bench_int8.c).
#define _GNU_SOURCE
#include <math.h>
#include <pthreadpool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>

#include "bench_common.h"

// MARK: - Problems

#define XNN_CHECK(x)                                                                                                   \
    do {                                                                                                               \
        enum xnn_status s_ = (x);                                                                                      \
        if (s_ != xnn_status_success) {                                                                                \
            fprintf(stderr, "XNNPACK error %d at %s\n", (int)s_, #x);                                                  \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

enum kind { QS8, QC8, F32 };

typedef struct {
    ptrdiff_t m, n, k;
    enum kind kind;
    int8_t *a8, *w8, *c8;        // A M × K, W N × K, C M × N
    float *af, *wf, *cf;
    float in_scale, out_scale, *w_scales;  // w_scales[N] (QS8 uses w_scales[0] for all)
    xnn_operator_t op;
    pthreadpool_t pool;
} problem;

static void make_problem(problem *p, enum kind kind, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, pthreadpool_t pool) {
    memset(p, 0, sizeof *p);
    p->m = m; p->n = n; p->k = k; p->kind = kind; p->pool = pool;
    p->af = alloc(sizeof(float) * (size_t)(m * k) + XNN_EXTRA_BYTES);
    p->wf = alloc(sizeof(float) * (size_t)(n * k));
    p->cf = alloc(sizeof(float) * (size_t)(m * n));
    p->a8 = alloc((size_t)(m * k) + XNN_EXTRA_BYTES);
    p->w8 = alloc((size_t)(n * k));
    p->c8 = alloc((size_t)(m * n));
    p->w_scales = alloc(sizeof(float) * (size_t)n);
    for (ptrdiff_t i = 0; i < m * k; i++) {
        p->af[i] = rand_float();
        p->a8[i] = (int8_t)__builtin_nearbyintf(p->af[i] * 127);
    }
    for (ptrdiff_t i = 0; i < n * k; i++) p->wf[i] = 0.05f * rand_float();
    for (ptrdiff_t j = 0; j < n; j++) {
        // Per-channel scales differ by channel for QC8 (as a real layer's would); QS8 shares one.
        float s = kind == QC8 ? (0.05f / 127) * (0.5f + 0.5f * (float)(j % 7) / 6) : 0.05f / 127;
        p->w_scales[j] = s;
        for (ptrdiff_t i = 0; i < k; i++) {
            float v = p->wf[j * k + i] / s;
            p->w8[j * k + i] = (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : __builtin_nearbyintf(v)));
        }
    }
    p->in_scale = 1.0f / 127;
    // The output's range: |C| ≲ a few × sqrt(K) × 0.05 × 0.58²; this keeps most outputs inside s8.
    p->out_scale = 0.05f * 0.34f * 4.0f * sqrtf((float)k) / 127;
    switch (kind) {
    case QS8:
        XNN_CHECK(xnn_create_fully_connected_nc_qs8((size_t)k, (size_t)n, (size_t)k, (size_t)n, 0, p->in_scale,
                                                    p->w_scales[0], p->w8, NULL, 0, p->out_scale, -128, 127, 0, &p->op));
        XNN_CHECK(xnn_setup_fully_connected_nc_qs8(p->op, (size_t)m, p->a8, p->c8, pool));
        break;
    case QC8:
        XNN_CHECK(xnn_create_convolution2d_nhwc_qc8(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, (size_t)k, (size_t)n, (size_t)k,
                                                    (size_t)n, 0, p->in_scale, p->w_scales, p->w8, NULL, 0,
                                                    p->out_scale, -128, 127, 0, &p->op));
        // M pixels: batch M of 1 × 1 images (a 1 × 1 convolution is the GEMM path in XNNPACK).
        XNN_CHECK(xnn_setup_convolution2d_nhwc_qc8(p->op, (size_t)m, 1, 1, p->a8, p->c8, pool));
        break;
    case F32:
        XNN_CHECK(xnn_create_fully_connected_nc_f32((size_t)k, (size_t)n, (size_t)k, (size_t)n, p->wf, NULL, -INFINITY,
                                                    INFINITY, 0, &p->op));
        XNN_CHECK(xnn_setup_fully_connected_nc_f32(p->op, (size_t)m, p->af, p->cf, pool));
        break;
    }
}

static void free_problem(problem *p) {
    xnn_delete_operator(p->op);
    free(p->af); free(p->wf); free(p->cf); free(p->a8); free(p->w8); free(p->c8); free(p->w_scales);
}

static void run_xnn(void *arg) {
    problem *p = arg;
    XNN_CHECK(xnn_run_operator(p->op, p->pool));
}

// MARK: - Correctness: int32 reference, then the same requantization (fp32 scale, round to nearest,
// clamp) within ±1; f32 within a relative tolerance.

static int check(pthreadpool_t pool) {
    static const ptrdiff_t ms[] = {1, 3, 8, 17, 64}, ks[] = {16, 40, 384}, ns[] = {8, 24, 100, 384};
    int bad = 0, cases = 0;
    long outputs = 0, clamped_total = 0, exact = 0, zero = 0;
    for (int kind = QS8; kind <= F32; kind++)
        for (size_t mi = 0; mi < 5; mi++)
            for (size_t ki = 0; ki < 3; ki++)
                for (size_t ni = 0; ni < 4; ni++) {
                    ptrdiff_t m = ms[mi], k = ks[ki], n = ns[ni];
                    problem p;
                    make_problem(&p, (enum kind)kind, m, n, k, pool);
                    run_xnn(&p);
                    long worst = 0, clamped = 0;
                    double worst_f = 0;
                    for (ptrdiff_t i = 0; i < m; i++)
                        for (ptrdiff_t j = 0; j < n; j++) {
                            if (kind == F32) {
                                double ref = 0, mag = 0;
                                for (ptrdiff_t l = 0; l < k; l++) {
                                    ref += (double)p.af[i * k + l] * p.wf[j * k + l];
                                    mag += fabs((double)p.af[i * k + l] * p.wf[j * k + l]);
                                }
                                double e = fabs(p.cf[i * n + j] - ref) / (mag + 1e-30);
                                if (e > worst_f) worst_f = e;
                                continue;
                            }
                            int32_t acc = 0;
                            for (ptrdiff_t l = 0; l < k; l++) acc += (int32_t)p.a8[i * k + l] * p.w8[j * k + l];
                            float scale = p.in_scale * p.w_scales[j] / p.out_scale;
                            long q = lrintf((float)acc * scale);
                            if (q > 127 || q < -128) clamped++;
                            q = q > 127 ? 127 : (q < -128 ? -128 : q);
                            long d = labs(q - p.c8[i * n + j]);
                            outputs++; exact += d == 0; zero += p.c8[i * n + j] == 0;
                            if (d > worst) worst = d;
                        }
                    int ok = kind == F32 ? worst_f < 1e-5 : worst <= 1;
                    if (!ok) {
                        fprintf(stderr, "MISMATCH kind %d M %td K %td N %td: max |Δ| %ld (f32 rel %.3g)\n", kind, m, k,
                                n, worst, worst_f);
                        bad++;
                    }
                    clamped_total += clamped;
                    cases++;
                    free_problem(&p);
                }
    printf("check: %d cases (qs8, qc8, f32), %d mismatches (int8 within ±1 of the int32 reference requantized "
           "the same way); int8 outputs %ld: %.1f%% exact, %.1f%% clamped, %.1f%% zero\n",
           cases, bad, outputs, 100.0 * exact / outputs, 100.0 * clamped_total / outputs, 100.0 * zero / outputs);
    return bad != 0;
}

static const char *names[] = {"xnnpack-qs8", "xnnpack-qc8", "xnnpack-f32"};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CANDIDATE THREADS | check\n", argv[0]);
        return 2;
    }
    XNN_CHECK(xnn_initialize(NULL));
    if (strcmp(argv[1], "check") == 0) {
        int bad = check(NULL);
        pthreadpool_t pool = pthreadpool_create(2);
        bad |= check(pool);
        pthreadpool_destroy(pool);
        return bad;
    }
    if (argc < 3) return 2;
    const char *name = argv[1];
    int threads = atoi(argv[2]);
    int kind = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) kind = i;
    if (kind < 0) {
        fprintf(stderr, "unknown candidate %s\n", name);
        return 2;
    }
    pthreadpool_t pool = threads > 1 ? pthreadpool_create((size_t)threads) : NULL;
    static const ptrdiff_t ms[] = {1, 8, 16, 128, 512, 2048};
    static const ptrdiff_t kn[][2] = {{384, 384}, {384, 1152}, {384, 1536}, {1536, 384},
                                      {768, 768}, {768, 3072}, {3072, 768}};
    int runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 7;
    quiet_mode = getenv("QUIET") && atoi(getenv("QUIET"));
    for (size_t si = 0; si < sizeof kn / sizeof *kn; si++)
        for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
            ptrdiff_t m = ms[mi], k = kn[si][0], n = kn[si][1];
            problem p;
            make_problem(&p, (enum kind)kind, m, n, k, pool);
            double t = best_time(run_xnn, &p, runs);
            printf("%s %d %td %td %td %.6e %.2f\n", name, threads, m, k, n, t, 2.0 * m * n * k / t * 1e-9);
            fflush(stdout);
            free_problem(&p);
        }
    if (pool) pthreadpool_destroy(pool);
    xnn_deinitialize();
    return 0;
}
