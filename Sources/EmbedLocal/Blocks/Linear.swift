import CEmbedKernels
import Foundation

/// A linear layer, `y = x·Wᵀ + b`, reading `W` (`[out, in]`) and `b` in place from the weights.
/// Architectures without biases (ModernBERT, NomicBERT) have none.
///
/// An int8 model file's `W` is int8 with a scale per output feature; the layer then repacks it
/// once for the int8 kernels and quantizes its input per row (token) at each product.
struct Linear: Sendable {
    /// The weight as the products read it.
    enum Storage: Sendable {
        /// fp32, read in place.
        case float(Weight)
        /// int8, repacked for `embed_int8_gemm`.
        case int8(PackedInt8Weight)
    }

    let storage: Storage
    let bias: Weight?
    let inputSize: Int
    let outputSize: Int

    /// Binds `prefix.weight` (and `prefix.bias` when `hasBias`).
    init(_ weights: WeightReader, _ prefix: String, input: Int, output: Int, hasBias: Bool = true) throws(SentenceEncoderError) {
        self.init(
            weight: try weights.matrix(prefix + ".weight", shape: [output, input]),
            bias: hasBias ? try weights.tensor(prefix + ".bias", shape: [output]) : nil, input: input)
    }

    /// A layer made of rows `rows` of a fused projection's weight and bias (e.g. the K rows of a
    /// `Wqkv` tensor); fp32 views share the fused tensors' storage.
    init(rows: Range<Int>, of weight: MatrixWeight, bias: Weight?, input: Int) {
        self.init(weight: weight.rows(rows, width: input), bias: bias.map { $0.rows(rows, width: 1) }, input: input,
                  output: rows.count)
    }

    /// - Parameter dequantizing: Widen int8 weights to fp32 and run the fp32 products: on a CPU
    ///   without int8 dot products (the portable int8 kernel is slower than fp32 BLAS there).
    init(weight: MatrixWeight, bias: Weight?, input: Int, output: Int? = nil,
         dequantizing: Bool = Kernels.int8RunsInFloat) {
        switch weight {
        case .float(let weight):
            storage = .float(weight)
            outputSize = output ?? weight.shape[0]
        case .int8(let quantized) where dequantizing:
            let widened = quantized.dequantized()
            storage = .float(Weight(storage: widened, pointer: widened.pointer.baseAddress!))
            outputSize = quantized.rows
        case .int8(let quantized):
            storage = .int8(PackedInt8Weight(quantized))
            outputSize = quantized.rows
        }
        self.bias = bias
        inputSize = input
    }

    /// Up to this many rows the product reads the weight in place with the C kernel instead of
    /// OpenBLAS, which copies the whole weight into panels on every call; the two break even
    /// near 128 rows, where A no longer fits in L2 (Benchmarks/README.md has the measurements).
    static let smallProductRows = 96

    /// Writes `input·Wᵀ + b` for `rows` rows of `input` into `output`, or only the output
    /// features in `columns` when given (so threads can share one product).
    ///
    /// The bias is copied in first and the product accumulated onto it (`beta = 1`), which
    /// spares OpenBLAS its separate pass zeroing the output and us a pass adding the bias.
    ///
    /// - Parameters:
    ///   - input: `rows × inputSize` floats.
    ///   - output: `rows × outputSize` floats (or rows of `outputStride` floats); must not
    ///     overlap `input`.
    @inline(__always)
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
               columns: Range<Int>? = nil, outputStride: Int? = nil) {
        let columns = columns ?? 0..<outputSize
        let stride = outputStride ?? outputSize
        if case .int8(let packed) = storage {
            packed.multiply(input, rows: rows, inputStride: inputSize, columns: columns, bias: bias?.pointer,
                            into: output, outputStride: stride, accumulate: false)
            return
        }
        for row in 0..<rows {
            let target = output + row * stride + columns.lowerBound
            if let bias {
                target.update(from: bias.pointer + columns.lowerBound, count: columns.count)
            } else {
                target.update(repeating: 0, count: columns.count)
            }
        }
        accumulate(input, rows: rows, onto: output, columns: columns, outputStride: stride)
    }

    /// Adds `input·Wᵀ` (without the bias) to the `rows × outputSize` floats at `output`, or
    /// only to the output features in `columns` when given.
    @inline(__always)
    func accumulate(_ input: UnsafePointer<Float>, rows: Int, onto output: UnsafeMutablePointer<Float>,
                    columns: Range<Int>? = nil, outputStride: Int? = nil, inputStride: Int? = nil) {
        let columns = columns ?? 0..<outputSize
        let stride = outputStride ?? outputSize
        let inputStride = inputStride ?? inputSize
        guard !columns.isEmpty else { return }
        let weight: Weight
        switch storage {
        case .float(let float):
            weight = float
        case .int8(let packed):
            packed.multiply(input, rows: rows, inputStride: inputStride, columns: columns, bias: nil,
                            into: output, outputStride: stride, accumulate: true)
            return
        }
        if rows <= Self.smallProductRows,
           embed_small_gemm_accumulate(Kernels.instructionSet, rows, columns.count, inputSize, input, inputStride,
                                       weight.pointer + columns.lowerBound * inputSize, inputSize,
                                       output + columns.lowerBound, stride) != 0 {
            return
        }
        BLAS.multiplyTransposed(rows: rows, columns: columns.count, depth: inputSize,
                                input, leading: inputStride, weight.pointer + columns.lowerBound * inputSize, leading: inputSize,
                                into: output + columns.lowerBound, leading: stride, beta: 1)
    }

    /// Adds the bias (if any) to the features in `columns` of each of `rows` rows at `output`.
    @inline(__always)
    func addBias(to output: UnsafeMutablePointer<Float>, rows: Int, columns: Range<Int>) {
        guard let bias else { return }
        for row in 0..<rows {
            let values = output + row * outputSize
            for index in columns { values[index] += bias.pointer[index] }
        }
    }
}

extension Linear {
    /// `output += input·Wᵀ + b` for `rows` rows, split over `parts` threads by output features
    /// (blocks of 16, which keep OpenBLAS on its full-width kernels): a residual connection's
    /// projection, accumulated in place.
    func addProduct(of input: UnsafePointer<Float>, rows: Int, onto output: UnsafeMutablePointer<Float>,
                    workspace: Workspace, parts: Int, inputStride: Int? = nil) {
        workspace.split(into: parts) { part in
            let columns = Parallel.share(part, of: parts, count: outputSize, granularity: 16)
            if case .int8(let packed) = storage {
                // The bias goes in with the product: one pass over the output.
                packed.multiply(input, rows: rows, inputStride: inputStride ?? inputSize, columns: columns,
                                bias: bias?.pointer, into: output, outputStride: outputSize, accumulate: true)
                return
            }
            addBias(to: output, rows: rows, columns: columns)
            accumulate(input, rows: rows, onto: output, columns: columns, inputStride: inputStride)
        }
    }
}

/// A linear layer's int8 weight in the layout of the int8 kernels (`embed_int8_pack_weights`),
/// with its scales: `W[n][k] ≈ scales[n] · Wq[n][k]`.
final class PackedInt8Weight: @unchecked Sendable {
    // @unchecked: `packed` is written once in init and only read afterwards; `scales` points
    // into memory `quantized` keeps alive.
    private let packed: UnsafeMutableRawPointer
    private let quantized: QuantizedTensor
    let rows: Int
    let columns: Int

    init(_ quantized: QuantizedTensor) {
        self.quantized = quantized
        rows = quantized.rows
        columns = quantized.columns
        packed = .allocate(byteCount: max(1, embed_int8_packed_size(rows, columns)), alignment: 64)
        embed_int8_pack_weights(quantized.values, rows, columns, columns, packed)
        // Packing was the only reader of these pages: the product reads the packed copy.
        quantized.releasePages()
    }

    deinit { packed.deallocate() }

    /// Output features `columns` of `rows` rows: `output = input·Wᵀ (+ bias)`, or added to
    /// `output` when `accumulate`. `input` is quantized per row first (into memory of this
    /// call's own, so threads sharing one product each quantize their copy).
    ///
    /// - Parameters:
    ///   - input: `rows` rows of `columns` floats (this weight's input size), `inputStride` apart.
    ///   - bias: `rows`-independent bias, read at `columns`, or `nil`.
    ///   - output: row `i` at `output + i·outputStride`, written at `columns` only.
    @inline(__always)
    func multiply(_ input: UnsafePointer<Float>, rows: Int, inputStride: Int, columns: Range<Int>,
                  bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>, outputStride: Int,
                  accumulate: Bool) {
        guard rows > 0, !columns.isEmpty else { return }
        let isa = Kernels.int8InstructionSet
        let depth = self.columns
        // This thread's scratch: the quantized rows, then room for the second pass of every row
        // (their single-row blocks, indices and one row of residual floats).
        let activationBytes = Self.aligned(embed_int8_activation_size(rows, depth))
        let block = embed_int8_activation_size(1, depth)
        let residualBytes = Self.aligned(rows * block)
        let indexBytes = Self.aligned(rows * MemoryLayout<Int>.stride)
        guard let scratch = embed_int8_thread_scratch(activationBytes + residualBytes + indexBytes + depth * 4) else {
            fatalError("out of memory: \(activationBytes + residualBytes) bytes of int8 scratch")
        }
        let residuals = scratch + activationBytes
        let indices = (residuals + residualBytes).bindMemory(to: Int.self, capacity: rows)
        let floats = (residuals + residualBytes + indexBytes).bindMemory(to: Float.self, capacity: depth)
        embed_int8_quantize_rows(isa, input, rows, depth, inputStride, scratch)
        embed_int8_gemm(isa, rows, columns.lowerBound, columns.upperBound, depth, scratch, packed,
                        quantized.scales, bias, output, outputStride, accumulate ? 1 : 0)
        // Rows that one int8 pass represents badly (an outlier channel) get a second pass over
        // their residual (see `embed_int8_residual.h`).
        let count = embed_int8_quantize_residuals(isa, input, rows, depth, inputStride, scratch, SentenceEncoder.int8ResidualThreshold,
                                                  residuals, indices, floats)
        for index in 0..<count {
            embed_int8_gemm(isa, 1, columns.lowerBound, columns.upperBound, depth, residuals + index * block, packed,
                            quantized.scales, nil, output + indices[index] * outputStride, outputStride, 1)
        }
    }

    private static func aligned(_ bytes: Int) -> Int { (bytes + 63) & ~63 }
}

/// LayerNorm parameters (`weight` = γ, `bias` = β, absent in ModernBERT's bias-free norms).
struct LayerNorm: Sendable {
    let weight: Weight
    let bias: Weight?
    let epsilon: Float

    init(_ weights: WeightReader, _ prefix: String, size: Int, epsilon: Float, hasBias: Bool = true) throws(SentenceEncoderError) {
        weight = try weights.tensor(prefix + ".weight", shape: [size])
        bias = hasBias ? try weights.tensor(prefix + ".bias", shape: [size]) : nil
        self.epsilon = epsilon
    }

    /// Normalizes `rows` rows of `columns` floats in place.
    @inline(__always)
    func apply(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        Kernels.layerNorm(matrix, rows: rows, columns: columns, gamma: weight.pointer, beta: bias?.pointer, epsilon: epsilon)
    }
}
