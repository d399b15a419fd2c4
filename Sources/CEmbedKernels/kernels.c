// Portable and AVX2 + FMA versions of the attention and GELU kernels (see embed_kernels.h).
//
// Both versions compute the same formulas in the same order of operations per element; they differ
// in rounding only where the AVX2 version fuses a multiply and an add (about 1e-7 relative), far
// inside the 1e-5 parity budget. Contraction is off for the portable version so that it rounds
// like the Swift code, whatever the compiler's default. The exp and erf polynomials are the
// header's, shared with the Swift code.
#include "embed_kernels.h"

#include <math.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "avx2.h"

// MARK: - Dispatch

int embed_kernels_supports(embed_kernels_isa isa) {
    switch (isa) {
    case EMBED_KERNELS_PORTABLE:
        return 1;
    case EMBED_KERNELS_AVX2_FMA:
#if EMBED_HAVE_X86
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return 0;
#endif
    }
    return 0;
}

embed_kernels_isa embed_kernels_best_isa(void) {
    return embed_kernels_supports(EMBED_KERNELS_AVX2_FMA) ? EMBED_KERNELS_AVX2_FMA : EMBED_KERNELS_PORTABLE;
}

// Rows of queries handled together: their scores share every load of Kᵀ.
enum { QUERY_BLOCK = 4 };

static ptrdiff_t padded_length(ptrdiff_t length) { return (length + 7) & ~(ptrdiff_t)7; }

size_t embed_attention_scratch_count(ptrdiff_t length, ptrdiff_t head_size) {
    // Kᵀ (head_size × padded length) and one score row per query of a block.
    return (size_t)(padded_length(length) * (head_size + QUERY_BLOCK));
}

// MARK: - Portable

static void softmax_row(float *row, ptrdiff_t length, float scale) {
    float maximum = row[0];
    for (ptrdiff_t j = 1; j < length; j++) maximum = row[j] > maximum ? row[j] : maximum;
    float shift = maximum * scale;
    float sum = 0;
    for (ptrdiff_t j = 0; j < length; j++) {
        row[j] = embed_expf_nonpositive(row[j] * scale - shift);
        sum += row[j];
    }
    float inverse = 1 / sum;
    for (ptrdiff_t j = 0; j < length; j++) row[j] *= inverse;
}

static void attention_portable(const float *query, const float *key, const float *value, float *context,
                               ptrdiff_t length, ptrdiff_t head_size, ptrdiff_t stride, float scale,
                               const float *position_bias, float *scratch) {
    float *scores = scratch;
    for (ptrdiff_t i = 0; i < length; i++) {
        const float *q = query + i * stride;
        for (ptrdiff_t j = 0; j < length; j++) {
            const float *k = key + j * stride;
            float dot = 0;
            for (ptrdiff_t d = 0; d < head_size; d++) dot += q[d] * k[d];
            scores[j] = dot;
        }
        if (position_bias) {
            const float *bias = position_bias - i;  // bias[j] is the bias at relative position j − i
            for (ptrdiff_t j = 0; j < length; j++) scores[j] += bias[j];
        }
        softmax_row(scores, length, scale);
        float *c = context + i * stride;  // may alias q: q is not read again
        for (ptrdiff_t d = 0; d < head_size; d++) c[d] = 0;
        for (ptrdiff_t j = 0; j < length; j++) {
            const float *v = value + j * stride;
            float weight = scores[j];
            for (ptrdiff_t d = 0; d < head_size; d++) c[d] += weight * v[d];
        }
    }
}

static void gelu_portable(float *values, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) {
        float x = values[i];
        values[i] = x * 0.5f * (1 + embed_erff(x * 0.70710678118654752f));
    }
}

// MARK: - AVX2 + FMA

#if EMBED_HAVE_X86
// embed_expf_nonpositive eight lanes at a time, with fused multiply-adds.
AVX2 static inline __m256 exp_nonpositive_avx2(__m256 x) {
    const __m256 lower = _mm256_set1_ps(EMBED_EXP_LOWER_LIMIT);
    const __m256 shifter = _mm256_set1_ps(12582912.0f);
    __m256 clamped = _mm256_max_ps(_mm256_min_ps(x, _mm256_setzero_ps()), lower);
    __m256 shifted = _mm256_fmadd_ps(clamped, _mm256_set1_ps(1.44269504f), shifter);
    __m256 n = _mm256_sub_ps(shifted, shifter);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), clamped);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.1219444e-4f), r);
    __m256 p = _mm256_set1_ps(embed_exp_coefficients[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(embed_exp_coefficients[i]));
    __m256 y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1)));
    __m256i exponent = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000)),
                         _mm256_set1_epi32(127)),
        23);
    __m256 result = _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, lower, _CMP_LT_OQ), result);
}

// The unnormalized softmax of a padded score row whose entries from `length` on are −∞ (weight
// exactly 0): leaves e^(scale·s − max) in the row and returns 1 / their sum, which the caller
// applies to the 32 context values instead of to every weight.
AVX2 static float softmax_row_avx2(float *row, ptrdiff_t padded, float scale) {
    __m256 maximum = _mm256_loadu_ps(row);
    for (ptrdiff_t j = 8; j < padded; j += 8) maximum = _mm256_max_ps(maximum, _mm256_loadu_ps(row + j));
    __m256 shift = _mm256_set1_ps(horizontal_max(maximum) * scale);
    __m256 factor = _mm256_set1_ps(scale);
    __m256 sum = _mm256_setzero_ps();
    for (ptrdiff_t j = 0; j < padded; j += 8) {
        __m256 e = exp_nonpositive_avx2(_mm256_fmsub_ps(_mm256_loadu_ps(row + j), factor, shift));
        _mm256_storeu_ps(row + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    return 1 / horizontal_sum(sum);
}

// Scores of QUERY_BLOCK query rows against keys j ..< j + 16: eight accumulators, each Kᵀ load
// shared by four rows.
AVX2 static inline void scores_4x16(const float *query, ptrdiff_t stride, const float *kt, ptrdiff_t padded,
                                    ptrdiff_t head_size, float *scores) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    for (ptrdiff_t d = 0; d < head_size; d++) {
        __m256 k0 = _mm256_loadu_ps(kt + d * padded), k1 = _mm256_loadu_ps(kt + d * padded + 8);
        __m256 q = _mm256_broadcast_ss(query + d);
        a0 = _mm256_fmadd_ps(q, k0, a0); b0 = _mm256_fmadd_ps(q, k1, b0);
        q = _mm256_broadcast_ss(query + stride + d);
        a1 = _mm256_fmadd_ps(q, k0, a1); b1 = _mm256_fmadd_ps(q, k1, b1);
        q = _mm256_broadcast_ss(query + 2 * stride + d);
        a2 = _mm256_fmadd_ps(q, k0, a2); b2 = _mm256_fmadd_ps(q, k1, b2);
        q = _mm256_broadcast_ss(query + 3 * stride + d);
        a3 = _mm256_fmadd_ps(q, k0, a3); b3 = _mm256_fmadd_ps(q, k1, b3);
    }
    _mm256_storeu_ps(scores, a0); _mm256_storeu_ps(scores + 8, b0);
    _mm256_storeu_ps(scores + padded, a1); _mm256_storeu_ps(scores + padded + 8, b1);
    _mm256_storeu_ps(scores + 2 * padded, a2); _mm256_storeu_ps(scores + 2 * padded + 8, b2);
    _mm256_storeu_ps(scores + 3 * padded, a3); _mm256_storeu_ps(scores + 3 * padded + 8, b3);
}

// Scores of one query row against keys j ..< j + 8.
AVX2 static inline void scores_1x8(const float *query, const float *kt, ptrdiff_t padded, ptrdiff_t head_size,
                                   float *scores) {
    __m256 a = _mm256_setzero_ps();
    for (ptrdiff_t d = 0; d < head_size; d++) {
        a = _mm256_fmadd_ps(_mm256_broadcast_ss(query + d), _mm256_loadu_ps(kt + d * padded), a);
    }
    _mm256_storeu_ps(scores, a);
}

// Scores of `rows` (1...QUERY_BLOCK) query rows against all keys: scores[r][j] = q_r · k_j.
AVX2 static inline void scores_avx2(const float *query, ptrdiff_t stride, ptrdiff_t rows, const float *transposed,
                                    ptrdiff_t padded, ptrdiff_t head_size, float *scores) {
    ptrdiff_t j = 0;
    if (rows == QUERY_BLOCK) {
        for (; j + 16 <= padded; j += 16) scores_4x16(query, stride, transposed + j, padded, head_size, scores + j);
    }
    for (; j < padded; j += 8) {
        for (ptrdiff_t r = 0; r < rows; r++) {
            scores_1x8(query + r * stride, transposed + j, padded, head_size, scores + r * padded + j);
        }
    }
}

// context[r][0 ..< 32] = Σ_j weights[r][j] · v_j[0 ..< 32] for two rows: eight accumulators.
AVX2 static inline void weighted_values_2x32(const float *weights, ptrdiff_t padded, const float *value,
                                             ptrdiff_t stride, ptrdiff_t length, const float *inverse, float *context) {
    __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps(), a03 = _mm256_setzero_ps();
    __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps(), a13 = _mm256_setzero_ps();
    const float *second = weights + padded;
    for (ptrdiff_t j = 0; j < length; j++) {
        const float *v = value + j * stride;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
        __m256 w = _mm256_broadcast_ss(weights + j);
        a00 = _mm256_fmadd_ps(w, v0, a00); a01 = _mm256_fmadd_ps(w, v1, a01);
        a02 = _mm256_fmadd_ps(w, v2, a02); a03 = _mm256_fmadd_ps(w, v3, a03);
        w = _mm256_broadcast_ss(second + j);
        a10 = _mm256_fmadd_ps(w, v0, a10); a11 = _mm256_fmadd_ps(w, v1, a11);
        a12 = _mm256_fmadd_ps(w, v2, a12); a13 = _mm256_fmadd_ps(w, v3, a13);
    }
    __m256 s0 = _mm256_set1_ps(inverse[0]), s1 = _mm256_set1_ps(inverse[1]);
    _mm256_storeu_ps(context, _mm256_mul_ps(a00, s0)); _mm256_storeu_ps(context + 8, _mm256_mul_ps(a01, s0));
    _mm256_storeu_ps(context + 16, _mm256_mul_ps(a02, s0)); _mm256_storeu_ps(context + 24, _mm256_mul_ps(a03, s0));
    _mm256_storeu_ps(context + stride, _mm256_mul_ps(a10, s1)); _mm256_storeu_ps(context + stride + 8, _mm256_mul_ps(a11, s1));
    _mm256_storeu_ps(context + stride + 16, _mm256_mul_ps(a12, s1)); _mm256_storeu_ps(context + stride + 24, _mm256_mul_ps(a13, s1));
}

// The same for one row.
AVX2 static inline void weighted_values_1x32(const float *weights, const float *value, ptrdiff_t stride, ptrdiff_t length,
                                             float inverse, float *context) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (ptrdiff_t j = 0; j < length; j++) {
        const float *v = value + j * stride;
        __m256 w = _mm256_broadcast_ss(weights + j);
        a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v), a0); a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 8), a1);
        a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 16), a2); a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 24), a3);
    }
    __m256 s = _mm256_set1_ps(inverse);
    _mm256_storeu_ps(context, _mm256_mul_ps(a0, s)); _mm256_storeu_ps(context + 8, _mm256_mul_ps(a1, s));
    _mm256_storeu_ps(context + 16, _mm256_mul_ps(a2, s)); _mm256_storeu_ps(context + 24, _mm256_mul_ps(a3, s));
}

AVX2 static void attention_avx2(const float *query, const float *key, const float *value, float *context,
                                ptrdiff_t length, ptrdiff_t head_size, ptrdiff_t stride, float scale,
                                const float *position_bias, float *scratch) {
    ptrdiff_t padded = padded_length(length);
    float *transposed = scratch;                    // Kᵀ: head_size × padded, zero past `length`
    float *scores = scratch + head_size * padded;   // QUERY_BLOCK × padded
    for (ptrdiff_t d = 0; d < head_size; d++) {
        float *row = transposed + d * padded;
        for (ptrdiff_t j = 0; j < length; j++) row[j] = key[j * stride + d];
        for (ptrdiff_t j = length; j < padded; j++) row[j] = 0;
    }
    for (ptrdiff_t i = 0; i < length; i += QUERY_BLOCK) {
        ptrdiff_t rows = length - i < QUERY_BLOCK ? length - i : QUERY_BLOCK;
        float inverses[QUERY_BLOCK];
        scores_avx2(query + i * stride, stride, rows, transposed, padded, head_size, scores);
        for (ptrdiff_t r = 0; r < rows; r++) {
            float *row = scores + r * padded;
            if (position_bias) {
                const float *bias = position_bias - (i + r);  // bias[j]: relative position j − (i + r)
                for (ptrdiff_t j = 0; j < length; j++) row[j] += bias[j];
            }
            for (ptrdiff_t j = length; j < padded; j++) row[j] = -INFINITY;  // padding keys: weight 0
            inverses[r] = softmax_row_avx2(row, padded, scale);
        }
        // Every query row of the block has been read: context may now overwrite it.
        for (ptrdiff_t r = 0; r < rows; r += 2) {
            for (ptrdiff_t d = 0; d < head_size; d += 32) {
                float *out = context + (i + r) * stride + d;
                if (rows - r >= 2) {
                    weighted_values_2x32(scores + r * padded, padded, value + d, stride, length, inverses + r, out);
                } else {
                    weighted_values_1x32(scores + r * padded, value + d, stride, length, inverses[r], out);
                }
            }
        }
    }
}

// embed_erff eight lanes at a time, with fused multiply-adds.
AVX2 static inline __m256 erf_avx2(__m256 x) {
    __m256 c = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(4)), _mm256_set1_ps(-4));
    __m256 z = _mm256_mul_ps(c, c);
    __m256 p = _mm256_set1_ps(embed_erf_numerator[0]);
    for (int i = 1; i < 7; i++) p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(embed_erf_numerator[i]));
    __m256 q = _mm256_set1_ps(embed_erf_denominator[0]);
    for (int i = 1; i < 6; i++) q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(embed_erf_denominator[i]));
    return _mm256_div_ps(_mm256_mul_ps(c, p), q);
}

AVX2 static void gelu_avx2(float *values, ptrdiff_t count) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1);
    const __m256 inverse_sqrt2 = _mm256_set1_ps(0.70710678118654752f);
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 x = _mm256_loadu_ps(values + i);
        __m256 erf = erf_avx2(_mm256_mul_ps(x, inverse_sqrt2));
        _mm256_storeu_ps(values + i, _mm256_mul_ps(_mm256_mul_ps(x, half), _mm256_add_ps(one, erf)));
    }
    gelu_portable(values + i, count - i);
}

AVX2 static void exp_avx2(const float *input, float *output, ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(output + i, exp_nonpositive_avx2(_mm256_loadu_ps(input + i)));
    for (; i < count; i++) output[i] = embed_expf_nonpositive(input[i]);
}
#endif

// MARK: - Entry points

void embed_attention_head(embed_kernels_isa isa, const float *query, const float *key, const float *value,
                          float *context, ptrdiff_t length, ptrdiff_t head_size, ptrdiff_t stride, float scale,
                          const float *position_bias, float *scratch) {
#if EMBED_HAVE_X86
    // The AVX2 path keeps a row's context in registers 32 columns at a time.
    if (isa == EMBED_KERNELS_AVX2_FMA && head_size % 32 == 0) {
        attention_avx2(query, key, value, context, length, head_size, stride, scale, position_bias, scratch);
        return;
    }
#endif
    (void)isa;
    attention_portable(query, key, value, context, length, head_size, stride, scale, position_bias, scratch);
}

void embed_gelu(embed_kernels_isa isa, float *values, ptrdiff_t count) {
#if EMBED_HAVE_X86
    if (isa == EMBED_KERNELS_AVX2_FMA) {
        gelu_avx2(values, count);
        return;
    }
#endif
    (void)isa;
    gelu_portable(values, count);
}

void embed_exp_nonpositive(embed_kernels_isa isa, const float *input, float *output, ptrdiff_t count) {
#if EMBED_HAVE_X86
    if (isa == EMBED_KERNELS_AVX2_FMA) {
        exp_avx2(input, output, count);
        return;
    }
#endif
    (void)isa;
    for (ptrdiff_t i = 0; i < count; i++) output[i] = embed_expf_nonpositive(input[i]);
}
