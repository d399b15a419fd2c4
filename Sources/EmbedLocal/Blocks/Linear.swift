import CEmbedKernels

/// A linear layer, `y = x·Wᵀ + b`, reading `W` (`[out, in]`) and `b` in place from the weights.
/// Architectures without biases (ModernBERT, NomicBERT) have none.
struct Linear: Sendable {
    let weight: Weight
    let bias: Weight?
    let inputSize: Int
    let outputSize: Int

    /// Binds `prefix.weight` (and `prefix.bias` when `hasBias`).
    init(_ weights: WeightReader, _ prefix: String, input: Int, output: Int, hasBias: Bool = true) throws(SentenceEncoderError) {
        weight = try weights.tensor(prefix + ".weight", shape: [output, input])
        bias = hasBias ? try weights.tensor(prefix + ".bias", shape: [output]) : nil
        inputSize = input
        outputSize = output
    }

    /// A layer made of rows `rows` of a fused projection's weight and bias (e.g. the K rows of a
    /// `Wqkv` tensor); the views share the fused tensors' storage.
    init(rows: Range<Int>, of weight: Weight, bias: Weight?, input: Int) {
        self.weight = weight.rows(rows, width: input)
        self.bias = bias.map { $0.rows(rows, width: 1) }
        inputSize = input
        outputSize = rows.count
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
            addBias(to: output, rows: rows, columns: columns)
            accumulate(input, rows: rows, onto: output, columns: columns, inputStride: inputStride)
        }
    }
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
