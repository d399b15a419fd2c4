// The int8 product of a linear layer, y = x·Wᵀ (+ b), for the quantized encoders.
//
// W is quantized once at load, symmetric per output feature (W ≈ w_scales[n]·Wq[n][k], Wq in
// [-127, 127]); x is quantized per row (per token) just before the product. The sums of products
// are exact int32, and one multiply per output turns them back into floats, so the only error is
// the quantization of x and W.
//
// Why our own kernels rather than a library: the one library that ran these shapes as fast
// (oneDNN) ships in Debian only as a 40 MB shared object needing OpenMP and OpenCL, threads on
// its own OpenMP pool rather than the runtime's workers, and cannot apply the activations'
// per-row scale (its 2.x attribute scales output channels only); these kernels come within
// about 10 % of it and fuse the per-row scale, bias and accumulation into their stores
// (REPORT.md has the measurements).
//
// Five versions of each kernel: portable C, AVX2, AVX-VNNI, AVX-512 VNNI and arm64 NEON with the
// dot product, chosen at run time (`embed_int8_best_isa`). All produce bit-identical results:
// the int32 sums are exact and the conversion to float is the same sequence of roundings in each
// (see `embed_int8_gemm`). The portable version is a correctness fallback, slower than the
// float BLAS path: use int8 only when the best ISA is not PORTABLE.
#ifndef EMBED_INT8_GEMM_H
#define EMBED_INT8_GEMM_H

#include <stddef.h>
#include <stdint.h>

/// An instruction set the int8 kernels can use. 0 and 1 mean what `embed_kernels_isa`'s do.
///
/// Separate from `embed_kernels_isa` on purpose: the float kernels test `isa == AVX2_FMA`, so a
/// best-ISA answer of "AVX-512 VNNI" from that enum would send them to their portable versions.
typedef enum {
    /// Plain C any compiler vectorizes for the build's baseline (SSE2 on x86-64, NEON on arm64).
    EMBED_INT8_PORTABLE = 0,
    /// x86-64 with AVX2 (Haswell, Zen 1–3): 16-bit products of |x| and ±w, exact (see the .c).
    EMBED_INT8_AVX2 = 1,
    /// x86-64 with AVX-VNNI, the VEX form of `vpdpbusd` on 256-bit vectors (Alder Lake, Zen 5
    /// without AVX-512 enabled...).
    EMBED_INT8_AVX_VNNI = 2,
    /// x86-64 with AVX-512 F/BW/VL/VNNI and the OS saving zmm state (Ice Lake, Sapphire Rapids,
    /// Zen 4, Zen 5).
    EMBED_INT8_AVX512_VNNI = 3,
    /// arm64 with the dot-product instructions (SDOT; Armv8.2 optional, Armv8.4 mandatory):
    /// Apple M1 and later, Graviton 2 and later, Neoverse, Cortex-A76 and later.
    EMBED_INT8_NEON_DOTPROD = 4,
} embed_int8_isa;

/// The fastest instruction set this CPU (and OS) supports.
embed_int8_isa embed_int8_best_isa(void);

/// Whether `isa` can run here (the portable set always can).
int embed_int8_supports(embed_int8_isa isa);

// MARK: - Weights

/// Bytes of `embed_int8_pack_weights`'s output for an `n × k` weight: `ceil(n/16)` blocks of
/// `16·ceil(k/4)·4 + 64` bytes. `k` may be at most 32768 (int32 sums with no overflow).
size_t embed_int8_packed_size(ptrdiff_t n, ptrdiff_t k);

/// Rearranges `w` (`n × k` int8, row `r` at `w + r·ldw`, values in [-127, 127]) into `packed`
/// (`embed_int8_packed_size(n, k)` bytes, any alignment, 64 bytes preferred), the one layout
/// every ISA reads: for each block of 16 output features, for each group of 4 inputs, the 16
/// features' 4 bytes (64 bytes, one 512-bit vector or two 256-bit ones), inputs past `k` and
/// features past `n` zero; then the block's 16 int32 `-128·Σ_k w[n][k]`, which cancel the +128
/// the activations carry (below).
void embed_int8_pack_weights(const int8_t *w, ptrdiff_t n, ptrdiff_t k, ptrdiff_t ldw, void *packed);

// MARK: - Activations

/// Bytes of `embed_int8_quantize_rows`'s output for `m` rows of `k`: `m` rows of
/// `embed_int8_activation_stride(k)` bytes, then `m` float scales.
size_t embed_int8_activation_size(ptrdiff_t m, ptrdiff_t k);

/// Bytes from one quantized row to the next: `k` rounded up to 64.
ptrdiff_t embed_int8_activation_stride(ptrdiff_t k);

/// Quantizes `m` rows of `x` (`k` floats each, row `r` at `x + r·ldx`) into `quantized`
/// (`embed_int8_activation_size(m, k)` bytes): per row `scale = max|x| / 127` and
/// `q = round_half_even(x · (127 / max|x|))` (all zeros and scale 0 for a zero row), stored as
/// the unsigned byte `q + 128` (VNNI multiplies unsigned by signed bytes; the packed weights
/// carry the correction). Every ISA writes the same bytes; finite inputs only.
void embed_int8_quantize_rows(embed_int8_isa isa, const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldx,
                              void *quantized);

/// Stores already-quantized rows (`q`: `m × k` int8 in [-128, 127], row `r` at `q + r·ldq`,
/// and `m` scales) in `quantized`'s layout — for tests, and for callers that quantize otherwise.
void embed_int8_store_rows(const int8_t *q, const float *scales, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldq,
                           void *quantized);

// MARK: - Product

/// Columns `[n0, n1)` of `C = dequantize(Aq · Wqᵀ) (+ bias)`, where for each row `i` and column
/// `j` the exact int32 sum `s = Σ_k Aq[i][k]·Wq[j][k]` becomes
///
///     y = (float)s * (a_scale[i] * w_scales[j]);   if bias: y = y + bias[j];
///     C[i][j] = accumulate ? C[i][j] + y : y;
///
/// rounded in that order (no fused multiply-add) in every ISA.
///
/// - `quantized_a`: `embed_int8_quantize_rows`'s (or `_store_rows`') output for these `m`, `k`.
/// - `packed_w`: `embed_int8_pack_weights`' output for this `k` (and any `n ≥ n1`).
/// - `w_scales`, and `bias` unless NULL: read at `[n0, n1)`.
/// - `c`: row `i` at `c + i·ldc`, read (when accumulating) and written at columns `[n0, n1)` only.
///
/// Any `0 ≤ n0 ≤ n1`; threads splitting the columns should split at multiples of 16 (a block of
/// 16 features is the unit of work: a range starting inside one recomputes it).
void embed_int8_gemm(embed_int8_isa isa, ptrdiff_t m, ptrdiff_t n0, ptrdiff_t n1, ptrdiff_t k, const void *quantized_a,
                     const void *packed_w, const float *w_scales, const float *bias, float *c, ptrdiff_t ldc,
                     int accumulate);

#endif
