import CEmbedKernels

extension Bert {
    /// A linear layer, `y = x·Wᵀ + b`, reading `W` (`[out, in]`) and `b` in place from the weights.
    struct Linear: Sendable {
        let weight: Weight
        let bias: Weight
        let inputSize: Int
        let outputSize: Int

        init(_ weights: WeightReader, _ prefix: String, input: Int, output: Int) throws(SentenceEncoderError) {
            weight = try weights.tensor(prefix + ".weight", shape: [output, input])
            bias = try weights.tensor(prefix + ".bias", shape: [output])
            inputSize = input
            outputSize = output
        }

        /// Up to this many rows the product reads the weight in place with the C kernel instead of
        /// OpenBLAS, which copies the whole weight into panels on every call. Measured with
        /// `Benchmarks/kernels/run.sh` on the reference machine (AVX2, one thread, MiniLM's six
        /// layers with weights cold in memory, as in a real pass): 67 vs 33 GFLOP/s at 17 rows,
        /// 77 vs 61 at 48, 75 vs 72 at 96, 76 vs 73 at 112; the two break even near 128 rows,
        /// where A no longer fits in L2.
        static let smallProductRows = 96

        /// Writes `input·Wᵀ + b` for `rows` rows of `input` into `output`, or only the output
        /// features in `columns` when given (so threads can share one product).
        ///
        /// The bias is copied in first and the product accumulated onto it (`beta = 1`), which
        /// spares OpenBLAS its separate pass zeroing the output and us a pass adding the bias.
        ///
        /// - Parameters:
        ///   - input: `rows × inputSize` floats.
        ///   - output: `rows × outputSize` floats; must not overlap `input`.
        @inline(__always)
        func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                   columns: Range<Int>? = nil) {
            let columns = columns ?? 0..<outputSize
            for row in 0..<rows {
                (output + row * outputSize + columns.lowerBound).update(from: bias.pointer + columns.lowerBound, count: columns.count)
            }
            accumulate(input, rows: rows, onto: output, columns: columns)
        }

        /// Adds `input·Wᵀ` (without the bias) to the `rows × outputSize` floats at `output`, or
        /// only to the output features in `columns` when given.
        @inline(__always)
        func accumulate(_ input: UnsafePointer<Float>, rows: Int, onto output: UnsafeMutablePointer<Float>,
                        columns: Range<Int>? = nil) {
            let columns = columns ?? 0..<outputSize
            guard !columns.isEmpty else { return }
            if rows <= Self.smallProductRows,
               embed_small_gemm_accumulate(Kernels.instructionSet, rows, columns.count, inputSize, input, inputSize,
                                           weight.pointer + columns.lowerBound * inputSize, inputSize,
                                           output + columns.lowerBound, outputSize) != 0 {
                return
            }
            BLAS.multiplyTransposed(rows: rows, columns: columns.count, depth: inputSize,
                                    input, leading: inputSize, weight.pointer + columns.lowerBound * inputSize, leading: inputSize,
                                    into: output + columns.lowerBound, leading: outputSize, beta: 1)
        }

        /// Adds the bias to the features in `columns` of each of `rows` rows at `output`.
        @inline(__always)
        func addBias(to output: UnsafeMutablePointer<Float>, rows: Int, columns: Range<Int>) {
            for row in 0..<rows {
                let values = output + row * outputSize
                for index in columns { values[index] += bias.pointer[index] }
            }
        }
    }

    /// LayerNorm parameters (`weight` = γ, `bias` = β).
    struct LayerNorm: Sendable {
        let weight: Weight
        let bias: Weight
        let epsilon: Float

        init(_ weights: WeightReader, _ prefix: String, size: Int, epsilon: Float) throws(SentenceEncoderError) {
            weight = try weights.tensor(prefix + ".weight", shape: [size])
            bias = try weights.tensor(prefix + ".bias", shape: [size])
            self.epsilon = epsilon
        }
    }

    /// Word + position + token-type embeddings, then LayerNorm (`embeddings.*`).
    struct Embeddings: Sendable {
        let words: Weight
        let positions: Weight
        let tokenTypes: Weight
        let layerNorm: LayerNorm

        init(_ weights: WeightReader, configuration: Configuration) throws(SentenceEncoderError) {
            let hidden = configuration.hiddenSize
            words = try weights.tensor("embeddings.word_embeddings.weight", shape: [configuration.vocabularySize, hidden])
            positions = try weights.tensor("embeddings.position_embeddings.weight", shape: [configuration.maximumPositionCount, hidden])
            tokenTypes = try weights.tensor("embeddings.token_type_embeddings.weight", shape: [configuration.tokenTypeCount, hidden])
            layerNorm = try LayerNorm(weights, "embeddings.LayerNorm", size: hidden, epsilon: configuration.layerNormEpsilon)
        }
    }

    /// Multi-head self-attention projections (`encoder.layer.N.attention.self.*`).
    struct SelfAttention: Sendable {
        let query: Linear
        let key: Linear
        let value: Linear
        let headCount: Int
        let headSize: Int
    }

    /// One transformer block (`encoder.layer.N.*`): attention, then the feed-forward network,
    /// each followed by a residual connection and LayerNorm (post-LN).
    struct Layer: Sendable {
        let attention: SelfAttention
        /// `attention.output.dense`.
        let attentionOutput: Linear
        /// `attention.output.LayerNorm`.
        let attentionLayerNorm: LayerNorm
        /// `intermediate.dense`.
        let intermediate: Linear
        let activation: Activation
        /// `output.dense`.
        let output: Linear
        /// `output.LayerNorm`.
        let outputLayerNorm: LayerNorm

        init(_ weights: WeightReader, index: Int, configuration: Configuration) throws(SentenceEncoderError) {
            let prefix = "encoder.layer.\(index)."
            let hidden = configuration.hiddenSize
            let epsilon = configuration.layerNormEpsilon
            attention = SelfAttention(
                query: try Linear(weights, prefix + "attention.self.query", input: hidden, output: hidden),
                key: try Linear(weights, prefix + "attention.self.key", input: hidden, output: hidden),
                value: try Linear(weights, prefix + "attention.self.value", input: hidden, output: hidden),
                headCount: configuration.attentionHeadCount,
                headSize: configuration.headSize)
            attentionOutput = try Linear(weights, prefix + "attention.output.dense", input: hidden, output: hidden)
            attentionLayerNorm = try LayerNorm(weights, prefix + "attention.output.LayerNorm", size: hidden, epsilon: epsilon)
            intermediate = try Linear(weights, prefix + "intermediate.dense", input: hidden, output: configuration.intermediateSize)
            activation = configuration.hiddenActivation
            output = try Linear(weights, prefix + "output.dense", input: configuration.intermediateSize, output: hidden)
            outputLayerNorm = try LayerNorm(weights, prefix + "output.LayerNorm", size: hidden, epsilon: epsilon)
        }
    }

    /// The stack of transformer blocks (`encoder.layer.*`).
    struct Encoder: Sendable {
        let layers: [Layer]
    }

    /// A BERT encoder whose weights stay where the ``TensorSource`` keeps them (usually a
    /// memory-mapped file): nothing is copied.
    struct Model: Sendable {
        let configuration: Configuration
        let embeddings: Embeddings
        let encoder: Encoder

        /// Binds every weight, checking names and shapes.
        ///
        /// - Throws: ``SentenceEncoderError`` naming the first missing or misshapen tensor.
        init(configuration: Configuration, weights: WeightReader) throws(SentenceEncoderError) {
            self.configuration = configuration
            embeddings = try Embeddings(weights, configuration: configuration)
            var layers: [Layer] = []
            for index in 0..<configuration.layerCount {
                layers.append(try Layer(weights, index: index, configuration: configuration))
            }
            encoder = Encoder(layers: layers)
        }
    }
}
