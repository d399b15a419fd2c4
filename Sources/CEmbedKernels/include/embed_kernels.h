// The forward pass's hand-vectorized kernels: attention for one head, the exact GELU, and the
// matrix product for a few rows.
//
// Why C: these loops want AVX2 + FMA, and Swift has no per-function target attribute. Building the
// whole Swift module for AVX2 would need unsafe compiler flags (which make the package unusable as
// a dependency) and would crash on CPUs without it. Here each kernel exists twice, portable and
// AVX2 + FMA, and the caller picks one at run time (`embed_kernels_best_isa`).
//
// All matrices are row-major float32 with the caller guaranteeing the sizes stated per function.
#ifndef EMBED_KERNELS_H
#define EMBED_KERNELS_H

#include <stddef.h>

/// An instruction set the kernels can use.
typedef enum {
    /// Plain C any compiler vectorizes for the build's baseline (SSE2 on x86-64, NEON on arm64).
    EMBED_KERNELS_PORTABLE = 0,
    /// x86-64 with AVX2 and FMA (Intel Haswell, AMD Zen and later).
    EMBED_KERNELS_AVX2_FMA = 1,
} embed_kernels_isa;

/// The fastest instruction set this CPU supports.
embed_kernels_isa embed_kernels_best_isa(void);

/// Whether `isa` can run on this CPU (the portable set always can).
int embed_kernels_supports(embed_kernels_isa isa);

/// Floats of scratch memory `embed_attention_head` needs for sequences up to `length` tokens.
size_t embed_attention_scratch_count(ptrdiff_t length, ptrdiff_t head_size);

/// One attention head of one sequence: `context = softmax(scale · (Q·Kᵀ + B)) · V`.
///
/// `query`, `key`, `value` and `context` point at the head's first column in `[length × stride]`
/// matrices (`head_size` columns used per row); `context` may alias `query` (each query row is
/// read completely before its context row is written). `scratch` holds
/// `embed_attention_scratch_count(length, head_size)` floats. No padding mask: every key is valid.
///
/// `position_bias` is NULL, or points at relative position 0 of a row valid from
/// `position_bias[-(length - 1)]` to `position_bias[length - 1]`: query `i` adds
/// `position_bias[j - i]` to its score of key `j` before scaling (so a bias meant to be added
/// after scaling is passed divided by `scale`), and `-INFINITY` there masks the key out (a
/// sliding window). Every query must keep at least one key.
void embed_attention_head(embed_kernels_isa isa, const float *query, const float *key, const float *value,
                          float *context, ptrdiff_t length, ptrdiff_t head_size, ptrdiff_t stride, float scale,
                          const float *position_bias, float *scratch);

/// The exact GELU in place, `0.5·x·(1 + erf(x/√2))` as PyTorch's `gelu(approximate="none")`,
/// with erf from `embed_erff`'s rational approximation (error < 5e-7).
void embed_gelu(embed_kernels_isa isa, float *values, ptrdiff_t count);

/// `C += A·Bᵀ` for `A` (`rows × depth`), `B` (`columns × depth`, a linear layer's weight read in
/// place) and `C` (`rows × columns`), each with its leading dimension — the product for a few rows
/// (a short text), where a general GEMM spends its time copying `B` into panels.
///
/// Returns 1 when done, 0 when `isa` has no such kernel or `depth` is not a multiple of 8 (the
/// caller then uses BLAS). Each element is one dot product in eight FMA lanes (sixteen for the one
/// or two rows left over after blocks of four); the weights of the next block are prefetched as the
/// current one is used, since one short text streams every weight from memory.
int embed_small_gemm_accumulate(embed_kernels_isa isa, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t depth,
                                const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc);

/// `e^x` for `x ≤ 0` (0 below −87.34, positive inputs treated as 0), elementwise, for tests.
void embed_exp_nonpositive(embed_kernels_isa isa, const float *input, float *output, ptrdiff_t count);

// MARK: - The exp and erf polynomials
//
// One definition for every caller: the C kernels (the scalar functions below, and the AVX2 code,
// which evaluates the same coefficients in the same order eight lanes at a time) and the Swift
// code's element-wise activations, which call the scalar functions. Straight-line arithmetic on
// one float with no branches or traps, so that a loop applying them vectorizes; contraction is
// off so that they round the same wherever they are compiled.

/// Below this, `e^x` is subnormal; softmax and erf want exactly 0 there.
#define EMBED_EXP_LOWER_LIMIT (-87.33654f)

/// Cephes' `expf`: the degree-6 polynomial for `e^r`, `|r| ≤ ln2/2`, highest power first.
static const float embed_exp_coefficients[6] = {
    1.98756915e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f,
};

/// `erf(x) ≈ x·P(x²)/Q(x²)` on [−4, 4], fitted to within 2e-9 for this runtime (degrees 6 and 5
/// in x², highest power first); beyond ±4 erf is ±1 to within 1.6e-8.
static const float embed_erf_numerator[7] = {
    -1.366544655212465e-8f, 4.780265953741036e-6f, 3.826829488389194e-4f, 3.8395437877625227e-3f,
    5.433250963687897e-2f, 1.8471144139766693e-1f, 1.128379225730896f,
};
static const float embed_erf_denominator[6] = {
    6.400668644346297e-5f, 1.3095695758238435e-3f, 1.5453512780368328e-2f, 1.1382655799388885e-1f,
    4.970298111438751e-1f, 1.0f,
};

/// `e^x` for `x ≤ 0`, relative error below 3e-7; positive inputs are treated as 0, inputs below
/// −87.34 give exactly 0. `x = n·ln2 + r` (ln2 split in two so that `n·ln2` is exact), the
/// polynomial for `e^r`, and `2^n` built in the exponent bits.
static inline float embed_expf_nonpositive(float x) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
    float clamped = x > 0 ? 0 : (x < EMBED_EXP_LOWER_LIMIT ? EMBED_EXP_LOWER_LIMIT : x);
    const float shifter = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer in the low bits
    float shifted = clamped * 1.44269504f + shifter;
    float n = shifted - shifter;
    float r = (clamped - n * 0.693359375f) + n * 2.1219444e-4f;
    float p = embed_exp_coefficients[0];
    for (int i = 1; i < 6; i++) p = p * r + embed_exp_coefficients[i];
    float y = p * (r * r) + r + 1;
    // The low bits of `shifted` hold n (in −126...0) as a two's-complement offset.
    unsigned int bits;
    __builtin_memcpy(&bits, &shifted, sizeof bits);
    unsigned int exponent = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    __builtin_memcpy(&scale, &exponent, sizeof scale);
    return x < EMBED_EXP_LOWER_LIMIT ? 0 : y * scale;
}

/// The error function, absolute error below 5e-7 (the rational approximation above, evaluated in
/// float). No exp, one division: the cheapest accurate form for the GELU.
static inline float embed_erff(float x) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
    float c = x > 4 ? 4 : (x < -4 ? -4 : x);
    float z = c * c;
    float p = embed_erf_numerator[0];
    for (int i = 1; i < 7; i++) p = p * z + embed_erf_numerator[i];
    float q = embed_erf_denominator[0];
    for (int i = 1; i < 6; i++) q = q * z + embed_erf_denominator[i];
    return c * p / q;
}

/// A hint to the CPU that the caller is spinning on a flag another thread will set (x86 `pause`:
/// saves power and lets the sibling hyper-thread run); nothing elsewhere.
static inline void embed_spin_pause(void) {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// The CPU the calling thread runs on now, or -1 where that cannot be known.
int embed_current_cpu(void);

/// Moves the calling thread off `cpu` onto another CPU it may run on, keeping its affinity mask
/// as it was. Returns 1 when it moved, 0 when it could not (no other CPU allowed, not Linux).
///
/// A worker woken after a pause is often placed by the scheduler on the very CPU of the thread
/// that woke it, and on an otherwise idle machine stays there for milliseconds; leaving at once
/// lets it work beside that thread instead of taking turns with it.
int embed_leave_cpu(int cpu);

#endif
