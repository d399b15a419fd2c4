/// A step applied to the pooled vectors: a Dense layer or L2 normalization.
enum OutputStage: Sendable {
    case dense(DenseHead)
    case normalize
}

/// A sentence-transformers `Dense` module bound to its weights:
/// `activation(x·Wᵀ + b)`, plus `x` (or `x·Rᵀ`) when it has a residual connection.
struct DenseHead: Sendable {
    let weight: Weight
    let bias: Weight?
    let residualProjection: Weight?
    let configuration: DenseConfiguration

    init(_ weights: WeightReader, index: Int, configuration: DenseConfiguration) throws(SentenceEncoderError) {
        let shape = [configuration.outputDimension, configuration.inputDimension]
        weight = try weights.tensor("dense.\(index).weight", shape: shape)
        bias = configuration.hasBias ? try weights.tensor("dense.\(index).bias", shape: [configuration.outputDimension]) : nil
        residualProjection = configuration.hasResidualProjection
            ? try weights.tensor("dense.\(index).residual.weight", shape: shape) : nil
        self.configuration = configuration
    }

    /// Maps `rows` input vectors to output vectors.
    ///
    /// - Parameters:
    ///   - input: `rows × inputDimension` floats.
    ///   - output: Room for `rows × outputDimension` floats; must not overlap `input`.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let inputs = configuration.inputDimension
        let outputs = configuration.outputDimension
        BLAS.multiplyTransposed(rows: rows, columns: outputs, depth: inputs,
                                input, leading: inputs, weight.pointer, leading: inputs,
                                into: output, leading: outputs)
        for row in 0..<rows {
            let values = output + row * outputs
            if let bias {
                for index in 0..<outputs { values[index] += bias.pointer[index] }
            }
            Kernels.activate(values, count: outputs, activation: configuration.activation)
        }
        guard configuration.usesResidual else { return }
        if let residualProjection {
            BLAS.multiplyTransposed(rows: rows, columns: outputs, depth: inputs,
                                    input, leading: inputs, residualProjection.pointer, leading: inputs,
                                    into: output, leading: outputs, beta: 1)
        } else {
            for index in 0..<(rows * outputs) { output[index] += input[index] }
        }
    }
}
