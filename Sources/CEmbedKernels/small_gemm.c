// C += A·Bᵀ for few rows of A (one short text), where OpenBLAS spends more time packing the
// weights than multiplying: its kernels copy B into panels on every call, which pays off only
// when many rows share the copy. Here B (a weight, row-major [columns × depth]) is read in place.
#include "embed_kernels.h"

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "avx2.h"

#if EMBED_HAVE_X86
// Where a block fetches the next block's weights ahead of use: `next` is the share of the next
// block's bytes this call fetches, `step` the bytes to advance per float of depth, in 1/256ths
// (a share is not a whole number of bytes per float). NULL `next` fetches nothing.
//
// Why: one text streams every weight from memory once (MiniLM's 42 MB exceed the L3), and the
// hardware prefetcher alone left the first row block of each weight block waiting on memory while
// the following row blocks (reusing it from L1) left memory idle. Spreading the next block's fetch
// over all row blocks keeps both busy (Benchmarks/README.md has the figures).
typedef struct {
    const char *next;
    ptrdiff_t step;
} lookahead;

AVX2 static inline void fetch_ahead(lookahead ahead, ptrdiff_t p) {
    if (!ahead.next) return;
    const char *line = ahead.next + ((p * ahead.step) >> 8);
    _mm_prefetch(line, _MM_HINT_T0);
    // A share wider than a line per 8 floats (one row block per weight block) needs a second line.
    if (ahead.step > 64 * 256 / 8) _mm_prefetch(line + 64, _MM_HINT_T0);
}

// 4 rows of A × 3 rows of B: twelve accumulators, three B vectors and one A vector in registers.
AVX2 static inline void block_4x3(const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                  ptrdiff_t depth, lookahead ahead) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c02 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(), c12 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c22 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c32 = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < depth; p += 8) {
        __m256 b0 = _mm256_loadu_ps(b + p), b1 = _mm256_loadu_ps(b + ldb + p), b2 = _mm256_loadu_ps(b + 2 * ldb + p);
        fetch_ahead(ahead, p);
        __m256 x = _mm256_loadu_ps(a + p);
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01); c02 = _mm256_fmadd_ps(x, b2, c02);
        x = _mm256_loadu_ps(a + lda + p);
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11); c12 = _mm256_fmadd_ps(x, b2, c12);
        x = _mm256_loadu_ps(a + 2 * lda + p);
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21); c22 = _mm256_fmadd_ps(x, b2, c22);
        x = _mm256_loadu_ps(a + 3 * lda + p);
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31); c32 = _mm256_fmadd_ps(x, b2, c32);
    }
    c[0] += horizontal_sum(c00); c[1] += horizontal_sum(c01); c[2] += horizontal_sum(c02);
    c += ldc;
    c[0] += horizontal_sum(c10); c[1] += horizontal_sum(c11); c[2] += horizontal_sum(c12);
    c += ldc;
    c[0] += horizontal_sum(c20); c[1] += horizontal_sum(c21); c[2] += horizontal_sum(c22);
    c += ldc;
    c[0] += horizontal_sum(c30); c[1] += horizontal_sum(c31); c[2] += horizontal_sum(c32);
}

// The edges: up to 4 rows of A × 1 row of B.
AVX2 static inline void block_rx1(ptrdiff_t rows, const float *a, ptrdiff_t lda, const float *b, float *c, ptrdiff_t ldc,
                                  ptrdiff_t depth) {
    __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < depth; p += 8) {
        __m256 w = _mm256_loadu_ps(b + p);
        c0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), w, c0);
        if (rows > 1) c1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + lda + p), w, c1);
        if (rows > 2) c2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 2 * lda + p), w, c2);
        if (rows > 3) c3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 3 * lda + p), w, c3);
    }
    c[0] += horizontal_sum(c0);
    if (rows > 1) c[ldc] += horizontal_sum(c1);
    if (rows > 2) c[2 * ldc] += horizontal_sum(c2);
    if (rows > 3) c[3 * ldc] += horizontal_sum(c3);
}

// 1...3 rows of A × 3 rows of B, all rows at once. With fewer than 8 accumulators a step waits on
// the FMA latency (4 cycles) rather than its throughput, so one or two rows keep two accumulators
// per element, each taking every other 8 floats of depth.
#define BLOCK_RX3(R, U)                                                                                                 \
    AVX2 static inline void block_##R##x3(const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c,     \
                                          ptrdiff_t ldc, ptrdiff_t depth, lookahead ahead) {                        \
        __m256 acc[U][R][3];                                                                                          \
        for (int u = 0; u < U; u++)                                                                                   \
            for (int r = 0; r < R; r++)                                                                               \
                for (int k = 0; k < 3; k++) acc[u][r][k] = _mm256_setzero_ps();                                       \
        ptrdiff_t p = 0;                                                                                              \
        for (; p + 8 * U <= depth; p += 8 * U) {                                                                      \
            for (int u = 0; u < U; u++) {                                                                             \
                fetch_ahead(ahead, p + 8 * u);                                                                        \
                __m256 w0 = _mm256_loadu_ps(b + p + 8 * u), w1 = _mm256_loadu_ps(b + ldb + p + 8 * u),                \
                       w2 = _mm256_loadu_ps(b + 2 * ldb + p + 8 * u);                                                 \
                for (int r = 0; r < R; r++) {                                                                         \
                    __m256 x = _mm256_loadu_ps(a + r * lda + p + 8 * u);                                              \
                    acc[u][r][0] = _mm256_fmadd_ps(x, w0, acc[u][r][0]);                                              \
                    acc[u][r][1] = _mm256_fmadd_ps(x, w1, acc[u][r][1]);                                              \
                    acc[u][r][2] = _mm256_fmadd_ps(x, w2, acc[u][r][2]);                                              \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
        for (; p < depth; p += 8) { /* a depth of an odd multiple of 8 with U = 2 */                                  \
            fetch_ahead(ahead, p);                                                                                    \
            __m256 w0 = _mm256_loadu_ps(b + p), w1 = _mm256_loadu_ps(b + ldb + p), w2 = _mm256_loadu_ps(b + 2 * ldb + p); \
            for (int r = 0; r < R; r++) {                                                                             \
                __m256 x = _mm256_loadu_ps(a + r * lda + p);                                                          \
                acc[0][r][0] = _mm256_fmadd_ps(x, w0, acc[0][r][0]);                                                  \
                acc[0][r][1] = _mm256_fmadd_ps(x, w1, acc[0][r][1]);                                                  \
                acc[0][r][2] = _mm256_fmadd_ps(x, w2, acc[0][r][2]);                                                  \
            }                                                                                                         \
        }                                                                                                             \
        for (int r = 0; r < R; r++)                                                                                   \
            for (int k = 0; k < 3; k++) {                                                                             \
                __m256 sum = acc[0][r][k];                                                                            \
                for (int u = 1; u < U; u++) sum = _mm256_add_ps(sum, acc[u][r][k]);                                   \
                c[r * ldc + k] += horizontal_sum(sum);                                                                \
            }                                                                                                         \
    }
BLOCK_RX3(1, 2)
BLOCK_RX3(2, 2)
BLOCK_RX3(3, 1)

AVX2 static void small_gemm_avx2(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t depth, const float *a, ptrdiff_t lda,
                                 const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    ptrdiff_t full_rows = rows - rows % 4;
    ptrdiff_t row_blocks = (rows + 3) / 4;
    // Each row block fetches this share of the next weight block (three rows of `ldb` floats).
    ptrdiff_t share = 3 * ldb * (ptrdiff_t)sizeof(float) / row_blocks;
    ptrdiff_t step = share * 256 / depth;
    ptrdiff_t j = 0;
    // Weight rows outermost: each block of three is read from memory once and reused from L1
    // by every row of A.
    for (; j + 3 <= columns; j += 3) {
        const float *w = b + j * ldb;
        const char *next = j + 6 <= columns ? (const char *)(w + 3 * ldb) : NULL;
        ptrdiff_t i = 0, block = 0;
        for (; i < full_rows; i += 4, block++) {
            lookahead ahead = {next ? next + block * share : NULL, step};
            block_4x3(a + i * lda, lda, w, ldb, c + i * ldc + j, ldc, depth, ahead);
        }
        if (i < rows) {
            lookahead ahead = {next ? next + block * share : NULL, step};
            const float *x = a + i * lda;
            float *out = c + i * ldc + j;
            switch (rows - i) {
            case 1: block_1x3(x, lda, w, ldb, out, ldc, depth, ahead); break;
            case 2: block_2x3(x, lda, w, ldb, out, ldc, depth, ahead); break;
            default: block_3x3(x, lda, w, ldb, out, ldc, depth, ahead); break;
            }
        }
    }
    for (; j < columns; j++) {
        for (ptrdiff_t i = 0; i < rows; i += 4) {
            block_rx1(rows - i < 4 ? rows - i : 4, a + i * lda, lda, b + j * ldb, c + i * ldc + j, ldc, depth);
        }
    }
}
#endif

int embed_small_gemm_accumulate(embed_kernels_isa isa, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t depth,
                                const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
#if EMBED_HAVE_X86
    if (isa == EMBED_KERNELS_AVX2_FMA && depth % 8 == 0) {
        small_gemm_avx2(rows, columns, depth, a, lda, b, ldb, c, ldc);
        return 1;
    }
#endif
    (void)isa; (void)rows; (void)columns; (void)depth; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
    return 0;
}
