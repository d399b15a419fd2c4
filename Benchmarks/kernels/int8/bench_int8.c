// Measurements for the int8 linear layer: C += A·Wᵀ over the encoder shapes, for
//   openblas   cblas_sgemm fp32 (the current batch path)
//   smallgemm  the repo's fp32 few-row kernel (embed_small_gemm_accumulate; the current path for
//              one text), M ≤ 16 only
//   onednn-u8 / onednn-s8  oneDNN matmul, u8|s8 × s8 → f32, per-N output scales, weights prepacked
//              ("any" format), sum post-op (accumulate)
//   int8-<isa> our kernels (Sources/CEmbedKernels/ (int8_gemm.c)), weights packed once; columns split in blocks of 16 between
//              threads; GOPS of the product alone and with the activations' quantization
//   quantize-<isa>  the quantization of M × K floats
//   stack-openblas / stack-int8-<isa>  MiniLM's 24 linear layers (6 × QKV, output, FFN up,
//              FFN down), distinct weights, as a forward pass runs them
//
// One candidate per process (`bench_int8 CANDIDATE THREADS`), so that one library's idle threads
// never spin beside another's. Prints one line per shape: name threads M K N seconds GOPS.
#define _GNU_SOURCE
#include "embed_int8.h"
#include "embed_kernels.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
void omp_set_num_threads(int);
#endif

void openblas_set_num_threads(int);

#include "bench_common.h"

// MARK: - A second thread that spins on a generation counter (as the runtime's worker team does).

typedef void (*part_fn)(void *, int part, int parts);
static struct {
    _Atomic long generation;
    _Atomic int done;
    part_fn fn;
    void *arg;
} team;

static void *worker(void *unused) {
    (void)unused;
    long seen = 0;
    for (;;) {
        long g;
        while ((g = atomic_load_explicit(&team.generation, memory_order_acquire)) == seen) __builtin_ia32_pause();
        seen = g;
        if (g < 0) return NULL;
        team.fn(team.arg, 1, 2);
        atomic_store_explicit(&team.done, 1, memory_order_release);
    }
}

static int threads = 1;
static void run_parts(part_fn fn, void *arg) {
    if (threads == 1) {
        fn(arg, 0, 1);
        return;
    }
    team.fn = fn;
    team.arg = arg;
    atomic_store_explicit(&team.done, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&team.generation, 1, memory_order_release);
    fn(arg, 0, 2);
    while (!atomic_load_explicit(&team.done, memory_order_acquire)) __builtin_ia32_pause();
}

// Columns of part `part` of `parts`: whole blocks of 16, the first part taking the odd one.
static void column_range(ptrdiff_t n, int part, int parts, ptrdiff_t *n0, ptrdiff_t *n1) {
    ptrdiff_t blocks = (n + 15) / 16, first = (blocks + parts - 1) / parts;
    *n0 = part == 0 ? 0 : first * 16;
    *n1 = part == 0 ? (first * 16 < n ? first * 16 : n) : n;
    if (parts == 1) *n1 = n;
}

// MARK: - Candidates

typedef struct {
    ptrdiff_t m, n, k;
    float *a, *wf, *c, *scales, *bias;
    int8_t *wq;
    void *packed, *qa;
    embed_int8_isa isa;
    int include_quantize;
} problem;

static void make_problem(problem *p, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k) {
    p->m = m; p->n = n; p->k = k;
    p->a = alloc(sizeof(float) * (size_t)(m * k));
    p->wf = alloc(sizeof(float) * (size_t)(n * k));
    p->c = alloc(sizeof(float) * (size_t)(m * n));
    p->scales = alloc(sizeof(float) * (size_t)n);
    p->bias = alloc(sizeof(float) * (size_t)n);
    p->wq = alloc((size_t)(n * k));
    for (ptrdiff_t i = 0; i < m * k; i++) p->a[i] = rand_float();
    for (ptrdiff_t i = 0; i < n * k; i++) p->wf[i] = 0.05f * rand_float();
    for (ptrdiff_t j = 0; j < n; j++) {
        p->scales[j] = 0.05f / 127;
        p->bias[j] = rand_float();
        for (ptrdiff_t i = 0; i < k; i++) {
            float v = p->wf[j * k + i] / p->scales[j];
            p->wq[j * k + i] = (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : __builtin_nearbyintf(v)));
        }
    }
    p->packed = alloc(embed_int8_packed_size(n, k));
    embed_int8_pack_weights(p->wq, n, k, k, p->packed);
    p->qa = alloc(embed_int8_activation_size(m, k));
}

static void free_problem(problem *p) {
    free(p->a); free(p->wf); free(p->c); free(p->scales); free(p->bias); free(p->wq); free(p->packed); free(p->qa);
}

static void run_openblas(void *arg) {
    problem *p = arg;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p->m, (int)p->n, (int)p->k, 1.0f, p->a, (int)p->k, p->wf,
                (int)p->k, 1.0f, p->c, (int)p->n);
}

// The runtime's own threading of the float path: its workers split the columns, each calling
// single-threaded OpenBLAS on its share.
static void openblas_part(void *arg, int part, int parts) {
    problem *p = arg;
    ptrdiff_t n0, n1;
    column_range(p->n, part, parts, &n0, &n1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p->m, (int)(n1 - n0), (int)p->k, 1.0f, p->a, (int)p->k,
                p->wf + n0 * p->k, (int)p->k, 1.0f, p->c + n0, (int)p->n);
}
static void run_openblas_split(void *arg) { run_parts(openblas_part, arg); }

static void smallgemm_part(void *arg, int part, int parts) {
    problem *p = arg;
    ptrdiff_t n0, n1;
    column_range(p->n, part, parts, &n0, &n1);
    embed_small_gemm_accumulate(EMBED_KERNELS_AVX2_FMA, p->m, n1 - n0, p->k, p->a, p->k, p->wf + n0 * p->k, p->k,
                                p->c + n0, p->n);
}
static void run_smallgemm(void *arg) { run_parts(smallgemm_part, arg); }

static void int8_part(void *arg, int part, int parts) {
    problem *p = arg;
    ptrdiff_t n0, n1;
    column_range(p->n, part, parts, &n0, &n1);
    embed_int8_gemm(p->isa, p->m, n0, n1, p->k, p->qa, p->packed, p->scales, NULL, p->c, p->n, 1);
}
static void run_int8(void *arg) {
    problem *p = arg;
    if (p->include_quantize) embed_int8_quantize_rows(p->isa, p->a, p->m, p->k, p->k, p->qa);
    run_parts(int8_part, arg);
}
static void run_quantize(void *arg) {
    problem *p = arg;
    embed_int8_quantize_rows(p->isa, p->a, p->m, p->k, p->k, p->qa);
}

#if HAVE_DNNL
#define DNNL_CHECK(x)                                                                                                  \
    do {                                                                                                               \
        dnnl_status_t s_ = (x);                                                                                        \
        if (s_ != dnnl_success) {                                                                                      \
            fprintf(stderr, "oneDNN error %d at %s\n", (int)s_, #x);                                                   \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

static dnnl_engine_t engine;
static dnnl_stream_t stream;
typedef struct {
    dnnl_primitive_t matmul;
    dnnl_exec_arg_t args[3];
} dnnl_problem;

static void run_dnnl(void *arg) {
    dnnl_problem *d = arg;
    DNNL_CHECK(dnnl_primitive_execute(d->matmul, stream, 3, d->args));
    DNNL_CHECK(dnnl_stream_wait(stream));
}

static void setup_dnnl(dnnl_problem *d, problem *p, int src_signed, const char **impl) {
    dnnl_memory_desc_t src_md, wei_any, wei_plain, dst_md;
    dnnl_dims_t sd = {p->m, p->k}, wd = {p->k, p->n}, dd = {p->m, p->n};
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&src_md, 2, sd, src_signed ? dnnl_s8 : dnnl_u8, dnnl_ab));
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_any, 2, wd, dnnl_s8, dnnl_format_tag_any));
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&wei_plain, 2, wd, dnnl_s8, dnnl_ba));  // W is N × K row-major
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 2, dd, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t desc;
    DNNL_CHECK(dnnl_matmul_desc_init(&desc, &src_md, &wei_any, NULL, &dst_md));
    dnnl_primitive_attr_t attr;
    DNNL_CHECK(dnnl_primitive_attr_create(&attr));
    float *scales = malloc(sizeof(float) * (size_t)p->n);
    for (ptrdiff_t j = 0; j < p->n; j++) scales[j] = p->scales[j] * 0.01f;
    DNNL_CHECK(dnnl_primitive_attr_set_output_scales(attr, p->n, 1 << 1, scales));
    dnnl_post_ops_t ops;
    DNNL_CHECK(dnnl_post_ops_create(&ops));
    DNNL_CHECK(dnnl_post_ops_append_sum(ops, 1.0f));
    DNNL_CHECK(dnnl_primitive_attr_set_post_ops(attr, ops));
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL));
    DNNL_CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, impl));
    const dnnl_memory_desc_t *wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    // Weights: reorder once into the primitive's layout (outside the timing, as a loader would).
    dnnl_memory_t plain, packed, src, dst;
    DNNL_CHECK(dnnl_memory_create(&plain, &wei_plain, engine, p->wq));
    DNNL_CHECK(dnnl_memory_create(&packed, wei_md, engine, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_t rpd;
    DNNL_CHECK(dnnl_reorder_primitive_desc_create(&rpd, &wei_plain, engine, wei_md, engine, NULL));
    dnnl_primitive_t reorder;
    DNNL_CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, packed}};
    DNNL_CHECK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    DNNL_CHECK(dnnl_stream_wait(stream));
    // Activations: already int8 (the quantization is timed separately, as for ours).
    int8_t *a8 = alloc((size_t)(p->m * p->k));
    for (ptrdiff_t i = 0; i < p->m * p->k; i++) a8[i] = (int8_t)(p->a[i] * 127);
    DNNL_CHECK(dnnl_memory_create(&src, &src_md, engine, a8));
    DNNL_CHECK(dnnl_memory_create(&dst, &dst_md, engine, p->c));
    DNNL_CHECK(dnnl_primitive_create(&d->matmul, pd));
    d->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, src};
    d->args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, packed};
    d->args[2] = (dnnl_exec_arg_t){DNNL_ARG_DST, dst};
}
#endif

// MARK: - MiniLM's linear layers in forward order

enum { LAYERS = 6, HIDDEN = 384, FFN = 1536 };
typedef struct {
    ptrdiff_t m;
    problem layer[LAYERS][4];
    embed_int8_isa isa;
    int fp32, split;
} stack;

static void run_stack(void *arg) {
    stack *s = arg;
    for (int l = 0; l < LAYERS; l++)
        for (int j = 0; j < 4; j++) {
            problem *p = &s->layer[l][j];
            if (s->fp32) {
                if (s->m <= 16)
                    run_smallgemm(p);
                else if (s->split)
                    run_openblas_split(p);
                else
                    run_openblas(p);
            } else {
                p->include_quantize = 1;
                p->isa = s->isa;
                run_int8(p);
            }
        }
}

static const char *isa_names[] = {"portable", "avx2", "avxvnni", "avx512vnni"};

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CANDIDATE THREADS\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    threads = atoi(argv[2]);
    // "-split" candidates thread themselves (one OpenBLAS thread per worker).
    openblas_set_num_threads(strstr(name, "-split") ? 1 : threads);
    pthread_t helper;
    if (threads == 2) pthread_create(&helper, NULL, worker, NULL);
#if HAVE_DNNL
    omp_set_num_threads(threads);
    DNNL_CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    DNNL_CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
#endif
    static const ptrdiff_t ms[] = {1, 8, 16, 128, 512, 2048};
    static const ptrdiff_t kn[][2] = {{384, 384}, {384, 1152}, {384, 1536}, {1536, 384},
                                      {768, 768}, {768, 3072}, {3072, 768}};
    int runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 7;
    quiet_mode = getenv("QUIET") && atoi(getenv("QUIET"));

    embed_int8_isa isa = EMBED_INT8_PORTABLE;
    for (int i = 0; i < 4; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "-%s", isa_names[i]);
        size_t ln = strlen(name), lb = strlen(buf);
        if (ln > lb && strcmp(name + ln - lb, buf) == 0) isa = (embed_int8_isa)i;
    }
    if (strncmp(name, "stack-", 6) == 0) {
        static const ptrdiff_t sm[] = {1, 8, 16, 128, 512};
        for (size_t mi = 0; mi < sizeof sm / sizeof *sm; mi++) {
            stack *s = calloc(1, sizeof *s);
            s->m = sm[mi];
            s->isa = isa;
            s->fp32 = strncmp(name, "stack-fp32", 10) == 0;
            s->split = strcmp(name, "stack-fp32-split") == 0;
            for (int l = 0; l < LAYERS; l++) {
                make_problem(&s->layer[l][0], s->m, 3 * HIDDEN, HIDDEN);
                make_problem(&s->layer[l][1], s->m, HIDDEN, HIDDEN);
                make_problem(&s->layer[l][2], s->m, FFN, HIDDEN);
                make_problem(&s->layer[l][3], s->m, HIDDEN, FFN);
            }
            double t = best_time(run_stack, s, runs);
            double macs = (double)s->m * LAYERS * (HIDDEN * 3 * HIDDEN + HIDDEN * HIDDEN + 2.0 * HIDDEN * FFN);
            printf("%s %d %td minilm-linears - %.6e %.2f\n", name, threads, s->m, t, 2 * macs / t * 1e-9);
            fflush(stdout);
            for (int l = 0; l < LAYERS; l++)
                for (int j = 0; j < 4; j++) free_problem(&s->layer[l][j]);
            free(s);
        }
        return 0;
    }
    for (size_t si = 0; si < sizeof kn / sizeof *kn; si++)
        for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
            ptrdiff_t m = ms[mi], k = kn[si][0], n = kn[si][1];
            problem p;
            make_problem(&p, m, n, k);
            p.isa = isa;
            double t;
            char label[64];
            snprintf(label, sizeof label, "%s", name);
            if (strcmp(name, "openblas") == 0) {
                t = best_time(run_openblas, &p, runs);
            } else if (strcmp(name, "openblas-split") == 0) {
                t = best_time(run_openblas_split, &p, runs);
            } else if (strcmp(name, "smallgemm") == 0) {
                if (m > 16) { free_problem(&p); continue; }
                t = best_time(run_smallgemm, &p, runs);
            } else if (strncmp(name, "int8-", 5) == 0) {
                embed_int8_quantize_rows(isa, p.a, m, k, k, p.qa);
                t = best_time(run_int8, &p, runs);
                printf("%s %d %td %td %td %.6e %.2f\n", name, threads, m, k, n, t, 2.0 * m * n * k / t * 1e-9);
                p.include_quantize = 1;
                t = best_time(run_int8, &p, runs);
                snprintf(label, sizeof label, "%s+q", name);
            } else if (strncmp(name, "quantize-", 9) == 0) {
                if (si == 1 || si == 2 || si == 5) { free_problem(&p); continue; }  // K repeats
                t = best_time(run_quantize, &p, runs);
#if HAVE_DNNL
            } else if (strncmp(name, "onednn-", 7) == 0) {
                dnnl_problem d;
                const char *impl = "?";
                setup_dnnl(&d, &p, strcmp(name, "onednn-s8") == 0, &impl);
                if (mi == 0 && si == 0) fprintf(stderr, "oneDNN implementation: %s\n", impl);
                snprintf(label, sizeof label, "%s", name);
                t = best_time(run_dnnl, &d, runs);
                if (m == 2048 || m == 1) fprintf(stderr, "  %td %td %td impl %s\n", m, k, n, impl);
#endif
            } else {
                fprintf(stderr, "unknown candidate %s\n", name);
                return 2;
            }
            printf("%s %d %td %td %td %.6e %.2f\n", label, threads, m, k, n, t, 2.0 * m * n * k / t * 1e-9);
            fflush(stdout);
            free_problem(&p);
        }
    if (threads == 2) {
        atomic_store(&team.generation, -1);
        pthread_join(helper, NULL);
    }
    return 0;
}
