// What the AVX2 + FMA halves of the kernels share: the target attribute, the platform test, and
// the horizontal reductions of a vector. Private to this target.
#ifndef EMBED_KERNELS_AVX2_H
#define EMBED_KERNELS_AVX2_H

#if defined(__x86_64__) || defined(_M_X64)
#define EMBED_HAVE_X86 1
#include <immintrin.h>

/// Compiles a function for AVX2 + FMA whatever the build's baseline; call it only after
/// `embed_kernels_supports(EMBED_KERNELS_AVX2_FMA)`.
#define AVX2 __attribute__((target("avx2,fma")))

/// The sum of the eight lanes.
AVX2 static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/// The largest of the eight lanes.
AVX2 static inline float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}
#else
#define EMBED_HAVE_X86 0
#endif

#endif
