// The int8 linear layer (see int8_gemm.h): weight packing, activation quantization and the
// product, portable, for three x86-64 instruction sets and for arm64's dot product.
//
// The shape of every kernel: a tile of MR activation rows × NR blocks of 16 output features is
// held in int32 accumulators for the whole depth; each step takes 4 inputs of depth, broadcasts
// each row's 4 bytes to every lane, and multiplies them with the 16 features' 4 bytes (the packed
// layout puts exactly these 64 bytes together). At the end the tile is converted to floats,
// scaled, biased and stored (or added) in place, so no int32 matrix ever reaches memory.
//
// Why activations are stored as q + 128: `vpdpbusd`, the one instruction that sums four int8
// products into int32 without an intermediate 16-bit step, multiplies unsigned bytes by signed
// ones. Shifting the activations (rather than the weights) makes the correction a per-feature
// constant, -128·Σ_k w, computed at packing and used as the accumulators' starting value — free.
//
// Why AVX2 does not use the shift: without VNNI the product goes through `vpmaddubsw`, which
// saturates each pair of products at 16 bits; (q + 128)·w reaches 2·255·127, past 32767. Instead
// it multiplies |q| (at most 128, unsigned) by w carrying q's sign (`vpsignb`; w is never -128, so
// -w fits), where a pair reaches at most 2·128·127 = 32512: exact, at one extra instruction per
// product vector.
#include "embed_int8.h"

#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define EMBED_INT8_X86 1
#include <cpuid.h>
#include <immintrin.h>
#define TARGET_AVX2 __attribute__((target("avx2")))
#define TARGET_AVX_VNNI __attribute__((target("avx2,avxvnni")))
#define TARGET_AVX512_VNNI __attribute__((target("avx2,avx512f,avx512bw,avx512vl,avx512vnni")))
#else
#define EMBED_INT8_X86 0
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
#define EMBED_INT8_ARM64 1
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#if defined(__clang__)
#define TARGET_DOTPROD __attribute__((target("+dotprod")))
#else  // GCC matches its arm_neon.h's own pragma only with the architecture spelled out
#define TARGET_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#else
#define EMBED_INT8_ARM64 0
#endif

#define INLINE static inline __attribute__((always_inline))

// Tile sizes (rows × blocks of 16 features) per ISA, each the fastest measured that keeps the
// accumulators in registers (REPORT.md has the alternatives). AVX-512 (32 registers): 4 × 4
// accumulators, 4 weight vectors, a broadcast; larger tiles spilled or ran no faster. AVX-VNNI
// (16 registers of half the width): 6 rows × 2 halves of one block, 2 weight vectors, a broadcast.
// AVX2: 2 × 2 blocks (8 accumulators) leaves room for the product's temporaries. NEON: 4 rows ×
// 4 registers of one block. Portable: one row at a time (see its tile).
#ifndef MR_512
#define MR_512 4
#endif
#ifndef NR_512
#define NR_512 4
#endif
#ifndef MR_VNNI
#define MR_VNNI 6
#endif
#ifndef NR_VNNI
#define NR_VNNI 1
#endif
#ifndef MR_AVX2
#define MR_AVX2 2
#endif
#ifndef NR_AVX2
#define NR_AVX2 2
#endif
#ifndef MR_DOT
#define MR_DOT 4
#endif
#ifndef NR_DOT
#define NR_DOT 1
#endif
#define MR_PORTABLE 1
#define NR_PORTABLE 4
// The activation rows one pass over the weights serves: their bytes stay in the L2 cache while
// every block of features goes by (each block then stays in L1 for all of them).
#ifndef ROW_CHUNK_BYTES
#define ROW_CHUNK_BYTES (96 * 1024)
#endif

// MARK: - Dispatch

#if EMBED_INT8_X86
// Whether the OS saves the ymm (and, with `zmm`, the opmask and zmm) registers on a context switch.
static int os_saves_vector_state(int zmm) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    unsigned int want = zmm ? 0xE6u : 0x06u;  // XMM|YMM (|opmask|ZMM_Hi256|Hi16_ZMM)
    return (lo & want) == want;
}
#endif

int embed_int8_supports(embed_int8_isa isa) {
    switch (isa) {
    case EMBED_INT8_PORTABLE:
        return 1;
#if EMBED_INT8_X86
    case EMBED_INT8_AVX2:
        return __builtin_cpu_supports("avx2") && os_saves_vector_state(0);
    case EMBED_INT8_AVX_VNNI:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni") && os_saves_vector_state(0);
    case EMBED_INT8_AVX512_VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") && os_saves_vector_state(1);
#else
    case EMBED_INT8_AVX2:
    case EMBED_INT8_AVX_VNNI:
    case EMBED_INT8_AVX512_VNNI:
        break;
#endif
    case EMBED_INT8_NEON_DOTPROD:
#if EMBED_INT8_ARM64
#if defined(__ARM_FEATURE_DOTPROD)
        return 1;
#elif defined(__linux__)
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
        {
            int value = 0;
            size_t size = sizeof value;
            return sysctlbyname("hw.optional.arm.FEAT_DotProd", &value, &size, NULL, 0) == 0 && value;
        }
#else
        return 0;
#endif
#else
        return 0;
#endif
    }
    return 0;
}

embed_int8_isa embed_int8_best_isa(void) {
    if (embed_int8_supports(EMBED_INT8_AVX512_VNNI)) return EMBED_INT8_AVX512_VNNI;
    if (embed_int8_supports(EMBED_INT8_AVX_VNNI)) return EMBED_INT8_AVX_VNNI;
    if (embed_int8_supports(EMBED_INT8_AVX2)) return EMBED_INT8_AVX2;
    if (embed_int8_supports(EMBED_INT8_NEON_DOTPROD)) return EMBED_INT8_NEON_DOTPROD;
    return EMBED_INT8_PORTABLE;
}

// MARK: - Weights

static ptrdiff_t quads_of(ptrdiff_t k) { return (k + 3) / 4; }
static ptrdiff_t block_bytes(ptrdiff_t k) { return quads_of(k) * 64 + 64; }

size_t embed_int8_packed_size(ptrdiff_t n, ptrdiff_t k) { return (size_t)((n + 15) / 16 * block_bytes(k)); }

void embed_int8_pack_weights(const int8_t *w, ptrdiff_t n, ptrdiff_t k, ptrdiff_t ldw, void *packed) {
    ptrdiff_t quads = quads_of(k), bytes = block_bytes(k);
    for (ptrdiff_t b = 0; b < (n + 15) / 16; b++) {
        int8_t *block = (int8_t *)packed + b * bytes;
        int32_t correction[16];
        for (int j = 0; j < 16; j++) {
            ptrdiff_t row = b * 16 + j;
            int32_t sum = 0;
            for (ptrdiff_t p = 0; p < quads * 4; p++) {
                int8_t v = row < n && p < k ? w[row * ldw + p] : 0;
                block[(p / 4) * 64 + j * 4 + p % 4] = v;
                sum += v;
            }
            correction[j] = -128 * sum;
        }
        memcpy(block + quads * 64, correction, sizeof correction);
    }
}

// MARK: - Activations

ptrdiff_t embed_int8_activation_stride(ptrdiff_t k) { return (k + 63) & ~(ptrdiff_t)63; }

size_t embed_int8_activation_size(ptrdiff_t m, ptrdiff_t k) {
    return (size_t)(m * embed_int8_activation_stride(k) + m * (ptrdiff_t)sizeof(float));
}

static float *activation_scales(const void *quantized, ptrdiff_t m, ptrdiff_t k) {
    return (float *)((char *)quantized + m * embed_int8_activation_stride(k));
}

// The scalar formula every version follows: one reciprocal per row, then a product and a
// round-half-even per element (what `cvtps2dq` does in the default rounding mode).
static float row_reciprocal(float max_abs, float *scale) {
    *scale = max_abs / 127.0f;
    return max_abs > 0 ? 127.0f / max_abs : 0.0f;
}

// Adding and subtracting 1.5·2²³ rounds half to even (|x · reciprocal| ≤ 127.00002, far below 2²²)
// in two plain operations a compiler vectorizes, where `nearbyintf` is a library call on SSE2.
static uint8_t quantize_one(float x, float reciprocal) {
    const float shifter = 12582912.0f;
    float r = (x * reciprocal + shifter) - shifter;
    r = r > 127.0f ? 127.0f : (r < -127.0f ? -127.0f : r);
    return (uint8_t)((int)r + 128);
}

static void quantize_tail(const float *x, ptrdiff_t from, ptrdiff_t k, ptrdiff_t stride, float reciprocal, uint8_t *q) {
    for (ptrdiff_t p = from; p < k; p++) q[p] = quantize_one(x[p], reciprocal);
    for (ptrdiff_t p = k; p < stride; p++) q[p] = 128;  // q = 0; multiplied by zero weights anyway
}

static void quantize_row_portable(const float *x, ptrdiff_t k, ptrdiff_t stride, uint8_t *q, float *scale) {
    // The largest magnitude as the largest bit pattern without the sign (the same order for
    // finite floats): an integer maximum vectorizes, a float one would need -ffast-math.
    uint32_t max_bits = 0;
    for (ptrdiff_t p = 0; p < k; p++) {
        uint32_t bits;
        memcpy(&bits, x + p, sizeof bits);
        bits &= 0x7FFFFFFFu;
        max_bits = bits > max_bits ? bits : max_bits;
    }
    float max_abs;
    memcpy(&max_abs, &max_bits, sizeof max_abs);
    quantize_tail(x, 0, k, stride, row_reciprocal(max_abs, scale), q);
}

#if EMBED_INT8_X86
TARGET_AVX2 static void quantize_row_avx2(const float *x, ptrdiff_t k, ptrdiff_t stride, uint8_t *q, float *scale) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 m0 = _mm256_setzero_ps(), m1 = _mm256_setzero_ps();
    ptrdiff_t p = 0;
    for (; p + 16 <= k; p += 16) {
        m0 = _mm256_max_ps(m0, _mm256_and_ps(_mm256_loadu_ps(x + p), magnitude));
        m1 = _mm256_max_ps(m1, _mm256_and_ps(_mm256_loadu_ps(x + p + 8), magnitude));
    }
    __m256 mv = _mm256_max_ps(m0, m1);
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(mv), _mm256_extractf128_ps(mv, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float max_abs = _mm_cvtss_f32(h);
    for (; p < k; p++) {
        float a = fabsf(x[p]);
        max_abs = a > max_abs ? a : max_abs;
    }
    float reciprocal = row_reciprocal(max_abs, scale);
    const __m256 r = _mm256_set1_ps(reciprocal);
    // packs works within 128-bit lanes: after the two packs the 4-byte groups are in the order
    // a0 b0 c0 d0 a1 b1 c1 d1; the permutation restores a0 a1 b0 b1 ...
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i shift = _mm256_set1_epi8((char)0x80);
    for (p = 0; p + 32 <= k; p += 32) {
        __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + p), r));
        __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + p + 8), r));
        __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + p + 16), r));
        __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + p + 24), r));
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
        bytes = _mm256_xor_si256(_mm256_permutevar8x32_epi32(bytes, order), shift);
        _mm256_storeu_si256((__m256i *)(q + p), bytes);
    }
    quantize_tail(x, p, k, stride, reciprocal, q);
}

TARGET_AVX512_VNNI static void quantize_row_avx512(const float *x, ptrdiff_t k, ptrdiff_t stride, uint8_t *q,
                                                   float *scale) {
    __m512 m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
    ptrdiff_t p = 0;
    for (; p + 32 <= k; p += 32) {
        m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_loadu_ps(x + p)));
        m1 = _mm512_max_ps(m1, _mm512_abs_ps(_mm512_loadu_ps(x + p + 16)));
    }
    for (; p < k; p += 16) {
        __mmask16 mask = (__mmask16)(k - p >= 16 ? 0xFFFF : (1u << (k - p)) - 1);
        m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + p)));
    }
    float max_abs = _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
    const __m512 r = _mm512_set1_ps(row_reciprocal(max_abs, scale));
    const __m128i shift = _mm_set1_epi8((char)0x80);
    // Every byte up to the stride: the padding quantizes zeros, so it too holds 128.
    for (p = 0; p < stride; p += 16) {
        __mmask16 mask = (__mmask16)(k - p >= 16 ? 0xFFFF : (k - p <= 0 ? 0 : (1u << (k - p)) - 1));
        __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + p), r));
        _mm_storeu_si128((__m128i *)(q + p), _mm_xor_si128(_mm512_cvtsepi32_epi8(v), shift));
    }
}
#endif

void embed_int8_quantize_rows(embed_int8_isa isa, const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldx,
                              void *quantized) {
    ptrdiff_t stride = embed_int8_activation_stride(k);
    float *scales = activation_scales(quantized, m, k);
    for (ptrdiff_t i = 0; i < m; i++) {
        uint8_t *q = (uint8_t *)quantized + i * stride;
#if EMBED_INT8_X86
        if (isa == EMBED_INT8_AVX512_VNNI) {
            quantize_row_avx512(x + i * ldx, k, stride, q, scales + i);
            continue;
        }
        if (isa == EMBED_INT8_AVX2 || isa == EMBED_INT8_AVX_VNNI) {
            quantize_row_avx2(x + i * ldx, k, stride, q, scales + i);
            continue;
        }
#endif
        (void)isa;
        quantize_row_portable(x + i * ldx, k, stride, q, scales + i);
    }
}

void embed_int8_store_rows(const int8_t *q, const float *scales, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldq,
                           void *quantized) {
    ptrdiff_t stride = embed_int8_activation_stride(k);
    for (ptrdiff_t i = 0; i < m; i++) {
        uint8_t *row = (uint8_t *)quantized + i * stride;
        for (ptrdiff_t p = 0; p < stride; p++) row[p] = (uint8_t)((p < k ? q[i * ldq + p] : 0) + 128);
    }
    memcpy(activation_scales(quantized, m, k), scales, (size_t)m * sizeof(float));
}

// MARK: - Product

typedef struct {
    const uint8_t *a;  // row 0 of the quantized activations
    ptrdiff_t lda;
    const float *a_scales;
    const int8_t *w;  // block 0 of the packed weights
    ptrdiff_t block_bytes, quads;
    const float *w_scales, *bias;
    float *c;
    ptrdiff_t ldc;
    int accumulate;
    ptrdiff_t lo, hi;  // the columns to store
} job;

// One tile: rows [row, row + rows) × blocks [block, block + blocks).
typedef void tile_function(const job *jb, ptrdiff_t row, int rows, ptrdiff_t block, int blocks);

// Each body specialized for every rows × blocks up to the tile's size (the compiler keeps the
// accumulators of a constant-size tile in registers).
#define CASE(BODY, R, B) \
    case (R) * 8 + (B): BODY(jb, row, R, block, B); break;
#define CASES_FOR_ROWS(BODY, R) CASE(BODY, R, 1) CASE(BODY, R, 2) CASE(BODY, R, 3) CASE(BODY, R, 4)
#define ALL_CASES(BODY)                                                                                                \
    CASES_FOR_ROWS(BODY, 1) CASES_FOR_ROWS(BODY, 2) CASES_FOR_ROWS(BODY, 3) CASES_FOR_ROWS(BODY, 4)                 \
    CASES_FOR_ROWS(BODY, 5) CASES_FOR_ROWS(BODY, 6) CASES_FOR_ROWS(BODY, 7) CASES_FOR_ROWS(BODY, 8)

#define DEFINE_TILE(NAME, TARGET, BODY, MR, NR)                                                                        \
    TARGET static void NAME(const job *jb, ptrdiff_t row, int rows, ptrdiff_t block, int blocks) {                     \
        _Static_assert((MR) <= 8 && (NR) <= 4, "tile larger than the accumulator arrays");                            \
        switch (rows * 8 + blocks) {                                                                                   \
            ALL_CASES(BODY)                                                                                            \
        }                                                                                                              \
    }
// Cases with more accumulators than the tile's MR × NR are never called (`drive` keeps rows ×
// blocks within it); prune them at compile time.
#define FITS(R, B, MR, NR) ((R) * (B) <= (MR) * (NR))

static int32_t load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// The lanes of the 16 (or 8) columns from `n` that lie in [lo, hi), as [*first, *end).
INLINE void lanes_in_range(const job *jb, ptrdiff_t n, int width, int *first, int *end) {
    ptrdiff_t f = jb->lo - n, e = jb->hi - n;
    *first = f < 0 ? 0 : (f > width ? width : (int)f);
    *end = e > width ? width : (e < 0 ? 0 : (int)e);
}

// The scalar epilogue every vector epilogue reproduces (same operations, same order).
INLINE void store_scalar(const job *jb, int32_t sum, ptrdiff_t i, ptrdiff_t n) {
    float y = (float)sum * (jb->a_scales[i] * jb->w_scales[n]);
    if (jb->bias) y = y + jb->bias[n];
    float *out = jb->c + i * jb->ldc + n;
    *out = jb->accumulate ? *out + y : y;
}

// One row × one block at a time, in 64 int32 lanes (one per weight byte of a group of 4 inputs)
// that add up in fours at the end: contiguous loops a compiler vectorizes (SSE2, NEON) with 16-bit
// products — q (the activation unshifted, [-128, 127]) times w ([-127, 127]) fits 16 bits.
static void tile_portable(const job *jb, ptrdiff_t row, int rows, ptrdiff_t block, int blocks) {
    for (int b = 0; b < blocks; b++) {
        const int8_t *w = jb->w + (block + b) * jb->block_bytes;
        int first, end;
        lanes_in_range(jb, (block + b) * 16, 16, &first, &end);
        for (int i = 0; i < rows; i++) {
            const uint8_t *x = jb->a + (row + i) * jb->lda;
            int32_t lanes[64] = {0};
            for (ptrdiff_t q = 0; q < jb->quads; q++) {
                // The row's 4 bytes, unshifted, repeated across the 64 lanes.
                uint32_t four = (uint32_t)load_i32(x + 4 * q) ^ 0x80808080u;
                int8_t pattern[64];
                for (int r = 0; r < 16; r++) memcpy(pattern + 4 * r, &four, sizeof four);
                const int8_t *wq = w + q * 64;
                for (int e = 0; e < 64; e++) lanes[e] += (int16_t)(pattern[e] * wq[e]);
            }
            for (int j = first; j < end; j++)
                store_scalar(jb, lanes[4 * j] + lanes[4 * j + 1] + lanes[4 * j + 2] + lanes[4 * j + 3], row + i,
                             (block + b) * 16 + j);
        }
    }
}

#if EMBED_INT8_X86
// Eight columns from `n` of row `i`: lanes [first, end) stored, the rest untouched.
TARGET_AVX2 INLINE void store_8(const job *jb, __m256i sum, ptrdiff_t i, ptrdiff_t n, int first, int end) {
    if (first >= end) return;
    float *out = jb->c + i * jb->ldc + n;
    __m256 scale = _mm256_set1_ps(jb->a_scales[i]);
    if (first == 0 && end == 8) {
        __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(scale, _mm256_loadu_ps(jb->w_scales + n)));
        if (jb->bias) y = _mm256_add_ps(y, _mm256_loadu_ps(jb->bias + n));
        if (jb->accumulate) y = _mm256_add_ps(_mm256_loadu_ps(out), y);
        _mm256_storeu_ps(out, y);
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask = _mm256_and_si256(_mm256_cmpgt_epi32(lane, _mm256_set1_epi32(first - 1)),
                                    _mm256_cmpgt_epi32(_mm256_set1_epi32(end), lane));
    __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(sum),
                             _mm256_mul_ps(scale, _mm256_maskload_ps(jb->w_scales + n, mask)));
    if (jb->bias) y = _mm256_add_ps(y, _mm256_maskload_ps(jb->bias + n, mask));
    if (jb->accumulate) y = _mm256_add_ps(_mm256_maskload_ps(out, mask), y);
    _mm256_maskstore_ps(out, mask, y);
}

// Fetches a tile's outputs while it computes: with many rows the output matrix is larger than the
// caches, and waiting for each line at the store would stall the next tile.
INLINE void prefetch_outputs(const job *jb, ptrdiff_t row, int MR, ptrdiff_t block, int NR) {
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            if ((block + j) * 16 < jb->hi)
                _mm_prefetch((const char *)(jb->c + (row + i) * jb->ldc + (block + j) * 16), _MM_HINT_T0);
}

TARGET_AVX2 INLINE void store_tile_256(const job *jb, __m256i acc[][2 * 4], ptrdiff_t row, int MR, ptrdiff_t block,
                                       int NR) {
    for (int j = 0; j < NR; j++)
        for (int h = 0; h < 2; h++) {
            ptrdiff_t n = (block + j) * 16 + 8 * h;
            int first, end;
            lanes_in_range(jb, n, 8, &first, &end);
            for (int i = 0; i < MR; i++) store_8(jb, acc[i][2 * j + h], row + i, n, first, end);
        }
}

// AVX2: |q| (unsigned) × w·sign(q) in 16-bit pairs, widened to int32 by `vpmaddwd` with ones.
TARGET_AVX2 INLINE void tile_avx2_body(const job *jb, ptrdiff_t row, const int MR, ptrdiff_t block, const int NR) {
    __m256i acc[8][2 * 4];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < 2 * NR; v++) acc[i][v] = _mm256_setzero_si256();
    const int8_t *w = jb->w + block * jb->block_bytes;
    const uint8_t *a = jb->a + row * jb->lda;
    const ptrdiff_t lda = jb->lda, bb = jb->block_bytes;
    const __m256i shift = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    prefetch_outputs(jb, row, MR, block, NR);
    for (ptrdiff_t q = 0; q < jb->quads; q++) {
        __m256i wv[2 * 4];
        for (int j = 0; j < NR; j++)
            for (int h = 0; h < 2; h++)
                wv[2 * j + h] = _mm256_loadu_si256((const __m256i *)(w + j * bb + q * 64 + 32 * h));
        for (int i = 0; i < MR; i++) {
            __m256i x = _mm256_xor_si256(_mm256_set1_epi32(load_i32(a + i * lda + 4 * q)), shift);
            __m256i magnitude = _mm256_abs_epi8(x);
            for (int v = 0; v < 2 * NR; v++) {
                __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(wv[v], x));
                acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(pairs, ones));
            }
        }
    }
    store_tile_256(jb, acc, row, MR, block, NR);
}

// AVX-VNNI: `vpdpbusd` on 256-bit vectors, the accumulators starting at the packed correction.
TARGET_AVX_VNNI INLINE void tile_vnni_body(const job *jb, ptrdiff_t row, const int MR, ptrdiff_t block, const int NR) {
    __m256i acc[8][2 * 4];
    const int8_t *w = jb->w + block * jb->block_bytes;
    const ptrdiff_t lda = jb->lda, bb = jb->block_bytes, quads = jb->quads;
    for (int j = 0; j < NR; j++)
        for (int h = 0; h < 2; h++) {
            __m256i correction = _mm256_loadu_si256((const __m256i *)(w + j * bb + quads * 64 + 32 * h));
            for (int i = 0; i < MR; i++) acc[i][2 * j + h] = correction;
        }
    prefetch_outputs(jb, row, MR, block, NR);
    const uint8_t *a = jb->a + row * lda;
    for (ptrdiff_t q = 0; q < quads; q++) {
        __m256i wv[2 * 4];
        for (int j = 0; j < NR; j++)
            for (int h = 0; h < 2; h++)
                wv[2 * j + h] = _mm256_loadu_si256((const __m256i *)(w + j * bb + q * 64 + 32 * h));
        for (int i = 0; i < MR; i++) {
            __m256i x = _mm256_set1_epi32(load_i32(a + i * lda + 4 * q));
            for (int v = 0; v < 2 * NR; v++) acc[i][v] = _mm256_dpbusd_avx_epi32(acc[i][v], x, wv[v]);
        }
    }
    store_tile_256(jb, acc, row, MR, block, NR);
}

// AVX-512 VNNI: one 512-bit `vpdpbusd` per row per block per 4 inputs.
TARGET_AVX512_VNNI INLINE void tile_512_body(const job *jb, ptrdiff_t row, const int MR, ptrdiff_t block,
                                             const int NR) {
    __m512i acc[8][4];
    const int8_t *w = jb->w + block * jb->block_bytes;
    const ptrdiff_t lda = jb->lda, bb = jb->block_bytes, quads = jb->quads;
    for (int j = 0; j < NR; j++) {
        __m512i correction = _mm512_loadu_si512(w + j * bb + quads * 64);
        for (int i = 0; i < MR; i++) acc[i][j] = correction;
    }
    prefetch_outputs(jb, row, MR, block, NR);
    const uint8_t *a = jb->a + row * lda;
    for (ptrdiff_t q = 0; q < quads; q++) {
        __m512i wv[4];
        for (int j = 0; j < NR; j++) wv[j] = _mm512_loadu_si512(w + j * bb + q * 64);
        for (int i = 0; i < MR; i++) {
            __m512i x = _mm512_set1_epi32(load_i32(a + i * lda + 4 * q));
            for (int j = 0; j < NR; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], x, wv[j]);
        }
    }
    for (int j = 0; j < NR; j++) {
        ptrdiff_t n = (block + j) * 16;
        int first, end;
        lanes_in_range(jb, n, 16, &first, &end);
        if (first >= end) continue;
        __mmask16 mask = (__mmask16)(((1u << end) - 1) & ~((1u << first) - 1));
        __m512 ws = _mm512_maskz_loadu_ps(mask, jb->w_scales + n);
        __m512 bias = jb->bias ? _mm512_maskz_loadu_ps(mask, jb->bias + n) : _mm512_setzero_ps();
        for (int i = 0; i < MR; i++) {
            float *out = jb->c + (row + i) * jb->ldc + n;
            __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i][j]),
                                     _mm512_mul_ps(_mm512_set1_ps(jb->a_scales[row + i]), ws));
            if (jb->bias) y = _mm512_add_ps(y, bias);
            if (jb->accumulate) y = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), y);
            _mm512_mask_storeu_ps(out, mask, y);
        }
    }
}

#define BODY_512(jb, row, R, block, B) \
    if (FITS(R, B, MR_512, NR_512)) tile_512_body(jb, row, FITS(R, B, MR_512, NR_512) ? R : 1, block, B)
#define BODY_VNNI(jb, row, R, block, B) \
    if (FITS(R, B, MR_VNNI, NR_VNNI)) tile_vnni_body(jb, row, FITS(R, B, MR_VNNI, NR_VNNI) ? R : 1, block, B)
#define BODY_AVX2(jb, row, R, block, B) \
    if (FITS(R, B, MR_AVX2, NR_AVX2)) tile_avx2_body(jb, row, FITS(R, B, MR_AVX2, NR_AVX2) ? R : 1, block, B)
DEFINE_TILE(tile_512, TARGET_AVX512_VNNI, BODY_512, MR_512, NR_512)
DEFINE_TILE(tile_vnni, TARGET_AVX_VNNI, BODY_VNNI, MR_VNNI, NR_VNNI)
DEFINE_TILE(tile_avx2, TARGET_AVX2, BODY_AVX2, MR_AVX2, NR_AVX2)
#endif

#if EMBED_INT8_ARM64
// arm64 with the dot product (SDOT: Apple M1 and later, Neoverse N1/V1, Graviton 2+, Cortex-A76+):
// the packed block's 64 bytes are four registers of 4 features × 4 inputs, exactly SDOT's lanes.
// SDOT multiplies signed by signed bytes, so the activations lose their +128 (one XOR per row and
// 4 inputs) and the packed correction is not used.
TARGET_DOTPROD INLINE void tile_dot_body(const job *jb, ptrdiff_t row, const int MR, ptrdiff_t block, const int NR) {
    int32x4_t acc[4][16];
    for (int i = 0; i < MR; i++)
        for (int u = 0; u < 4 * NR; u++) acc[i][u] = vdupq_n_s32(0);
    const int8_t *w = jb->w + block * jb->block_bytes;
    const uint8_t *a = jb->a + row * jb->lda;
    const ptrdiff_t lda = jb->lda, bb = jb->block_bytes;
    for (ptrdiff_t q = 0; q < jb->quads; q++) {
        int8x16_t wv[16];
        for (int j = 0; j < NR; j++)
            for (int v = 0; v < 4; v++) wv[4 * j + v] = vld1q_s8(w + j * bb + q * 64 + 16 * v);
        for (int i = 0; i < MR; i++) {
            uint32_t four = (uint32_t)load_i32(a + i * lda + 4 * q) ^ 0x80808080u;
            int8x16_t x = vreinterpretq_s8_u32(vdupq_n_u32(four));
            for (int u = 0; u < 4 * NR; u++) acc[i][u] = vdotq_s32(acc[i][u], wv[u], x);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int u = 0; u < 4 * NR; u++) {
            ptrdiff_t n = (block + u / 4) * 16 + 4 * (u % 4);
            int first, end;
            lanes_in_range(jb, n, 4, &first, &end);
            if (first == 0 && end == 4) {
                float *out = jb->c + (row + i) * jb->ldc + n;
                float32x4_t y = vmulq_f32(vcvtq_f32_s32(acc[i][u]),
                                          vmulq_f32(vdupq_n_f32(jb->a_scales[row + i]), vld1q_f32(jb->w_scales + n)));
                if (jb->bias) y = vaddq_f32(y, vld1q_f32(jb->bias + n));
                if (jb->accumulate) y = vaddq_f32(vld1q_f32(out), y);
                vst1q_f32(out, y);
            } else if (first < end) {
                int32_t sums[4];
                vst1q_s32(sums, acc[i][u]);
                for (int l = first; l < end; l++) store_scalar(jb, sums[l], row + i, n + l);
            }
        }
}
#define BODY_DOT(jb, row, R, block, B) \
    if (FITS(R, B, MR_DOT, NR_DOT)) tile_dot_body(jb, row, FITS(R, B, MR_DOT, NR_DOT) ? R : 1, block, B)
DEFINE_TILE(tile_dot, TARGET_DOTPROD, BODY_DOT, MR_DOT, NR_DOT)
#endif

// Rows in chunks that stay in L2; within a chunk, each group of `nr` blocks of features (read from
// memory or L3 once) serves every row of the chunk from L1. With few rows (one text) there is one
// chunk, and the product is a single pass streaming the weights.
//
// Fewer rows than a tile's (one short text) take more blocks per tile instead, up to 4, in the
// same accumulators: more independent sums in flight while the weights stream by.
static void drive(const job *jb, ptrdiff_t m, int mr, int nr, tile_function *tile) {
    if (m < mr) {
        int wide = mr * nr / (int)m;
        nr = wide > 4 ? 4 : (wide > nr ? wide : nr);
        mr = (int)m;
    }
    ptrdiff_t chunk = ROW_CHUNK_BYTES / jb->lda / mr * mr;
    if (chunk < mr) chunk = mr;
    ptrdiff_t first_block = jb->lo / 16, end_block = (jb->hi + 15) / 16;
    for (ptrdiff_t r0 = 0; r0 < m; r0 += chunk) {
        ptrdiff_t r1 = r0 + chunk < m ? r0 + chunk : m;
        for (ptrdiff_t b = first_block; b < end_block; b += nr) {
            int blocks = end_block - b < nr ? (int)(end_block - b) : nr;
            for (ptrdiff_t r = r0; r < r1; r += mr) tile(jb, r, r1 - r < mr ? (int)(r1 - r) : mr, b, blocks);
        }
    }
}

void embed_int8_gemm(embed_int8_isa isa, ptrdiff_t m, ptrdiff_t n0, ptrdiff_t n1, ptrdiff_t k, const void *quantized_a,
                     const void *packed_w, const float *w_scales, const float *bias, float *c, ptrdiff_t ldc,
                     int accumulate) {
    if (m <= 0 || n1 <= n0) return;
    job jb = {
        .a = (const uint8_t *)quantized_a,
        .lda = embed_int8_activation_stride(k),
        .a_scales = activation_scales(quantized_a, m, k),
        .w = (const int8_t *)packed_w,
        .block_bytes = block_bytes(k),
        .quads = quads_of(k),
        .w_scales = w_scales,
        .bias = bias,
        .c = c,
        .ldc = ldc,
        .accumulate = accumulate,
        .lo = n0,
        .hi = n1,
    };
#if EMBED_INT8_X86
    switch (isa) {
    case EMBED_INT8_AVX512_VNNI: drive(&jb, m, MR_512, NR_512, tile_512); return;
    case EMBED_INT8_AVX_VNNI: drive(&jb, m, MR_VNNI, NR_VNNI, tile_vnni); return;
    case EMBED_INT8_AVX2: drive(&jb, m, MR_AVX2, NR_AVX2, tile_avx2); return;
    default: break;
    }
#endif
#if EMBED_INT8_ARM64
    if (isa == EMBED_INT8_NEON_DOTPROD) {
        drive(&jb, m, MR_DOT, NR_DOT, tile_dot);
        return;
    }
#endif
    (void)isa;
    drive(&jb, m, MR_PORTABLE, NR_PORTABLE, tile_portable);
}
