// Second-pass quantization of the rows that one int8 pass represents badly.
//
// Why: a token whose activations hold one value far larger than the rest (the outlier channels
// of BERT-like models) gets a scale set by that value, and its other values round to a few
// levels or to zero. Such rows are rare, so they get a second int8 pass over what the first one
// lost (the residual, at most half a step of the first): the two products together carry about
// fifteen bits, at the price of one more product for those rows only.
//
// The test is the share of the row's energy the first pass lost, which is at most about
// k / (12 · 127²) (every value a half step off, all the energy in one value): with the runtime's
// threshold of 1e-3 a row of k = 384 inputs is flagged when its largest value is about 20 times
// its RMS, of k = 3072 at about 14 times; a row without outliers loses around 1e-5 to 1e-4.
#ifndef EMBED_INT8_RESIDUAL_H
#define EMBED_INT8_RESIDUAL_H

#include <stddef.h>
#include "embed_int8.h"

/// For each of the `m` rows of `x` (`k` floats, row `i` at `x + i·ldx`), quantized in
/// `quantized` by `embed_int8_quantize_rows`: the relative squared error of that quantization,
/// `Σ(x − scale·q)² / Σx²`. Each row above `threshold` has its residual `x − scale·q`
/// quantized (the same way) into its own single-row activation block, block `j` at
/// `residuals + j·embed_int8_activation_size(1, k)`, and its index written to `rows[j]`.
/// `scratch` holds `k` floats. Returns the number of such rows (at most `m`).
ptrdiff_t embed_int8_quantize_residuals(embed_int8_isa isa, const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t ldx,
                                        const void *quantized, float threshold, void *residuals, ptrdiff_t *rows,
                                        float *scratch);

/// `bytes` of scratch memory (64-byte aligned) owned by the calling thread: the same buffer on
/// every call from that thread, grown when a call needs more and freed when the thread ends.
/// NULL if it cannot be allocated. Valid until the thread's next call.
///
/// Why: each int8 product quantizes its input into memory of its own, from whichever thread
/// runs that share of it; a fresh allocation per product made the allocator's per-thread arenas
/// grow with the largest sizes ever freed, a quarter of the process's memory.
void *embed_int8_thread_scratch(size_t bytes);

#endif
