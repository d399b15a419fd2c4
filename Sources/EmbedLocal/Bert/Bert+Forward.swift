extension Bert {
    /// Sequences packed back to back, with no padding: every linear layer then runs as one GEMM
    /// over all real tokens, and attention runs per sequence, so no work is spent on pad tokens
    /// and no mask is needed.
    struct PackedBatch {
        /// The token ids of all sequences, concatenated.
        var tokens: [Int32] = []
        /// Where each sequence starts in `tokens`.
        var offsets: [Int] = []
        /// How many tokens each sequence has.
        var lengths: [Int] = []

        /// Number of sequences.
        var count: Int { lengths.count }
        /// Number of tokens over all sequences.
        var tokenCount: Int { tokens.count }
        /// The longest sequence's length.
        var longest: Int { lengths.max() ?? 0 }

        /// Appends a sequence.
        mutating func append(_ sequence: [Int32]) {
            offsets.append(tokens.count)
            lengths.append(sequence.count)
            tokens.append(contentsOf: sequence)
        }
    }

    /// Scratch memory for one thread's forward passes, grown on demand and reused across layers
    /// and chunks so the hot path never allocates.
    final class Workspace: @unchecked Sendable {
        // @unchecked: one thread uses a workspace at a time; the encoder hands it from thread to
        // thread only through its mutex-guarded pool.
        let hiddenSize: Int
        let intermediateSize: Int
        private(set) var tokenCapacity = 0
        private(set) var lengthCapacity = 0

        /// `[tokens × hidden]`: the hidden states, updated in place layer by layer.
        private(set) var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `[tokens × hidden]` each: Q, K, V and the attention context.
        private(set) var query = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var key = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var value = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var context = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `[tokens × intermediate]`: the feed-forward activations.
        private(set) var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `[longest × longest]`: one head's attention scores.
        private(set) var scores = UnsafeMutablePointer<Float>.allocate(capacity: 1)

        init(configuration: Configuration) {
            hiddenSize = configuration.hiddenSize
            intermediateSize = configuration.intermediateSize
        }

        deinit {
            for buffer in [hidden, query, key, value, context, intermediate, scores] { buffer.deallocate() }
        }

        /// Makes room for `tokens` packed tokens whose longest sequence has `longest` tokens.
        func reserve(tokens: Int, longest: Int) {
            if tokens > tokenCapacity {
                let capacity = Swift.max(tokens, tokenCapacity + tokenCapacity / 2)
                for buffer in [hidden, query, key, value, context, intermediate] { buffer.deallocate() }
                hidden = .allocate(capacity: capacity * hiddenSize)
                query = .allocate(capacity: capacity * hiddenSize)
                key = .allocate(capacity: capacity * hiddenSize)
                value = .allocate(capacity: capacity * hiddenSize)
                context = .allocate(capacity: capacity * hiddenSize)
                intermediate = .allocate(capacity: capacity * intermediateSize)
                tokenCapacity = capacity
            }
            if longest > lengthCapacity {
                scores.deallocate()
                scores = .allocate(capacity: longest * longest)
                lengthCapacity = longest
            }
        }
    }
}

extension Bert.Model {
    /// Runs the encoder over a packed batch and leaves `last_hidden_state` (`[tokens × hidden]`,
    /// sequences back to back) in `workspace.hidden`.
    ///
    /// - Precondition: every token id is in the vocabulary and no sequence is longer than the
    ///   position table (the caller validates both).
    func forward(_ batch: Bert.PackedBatch, workspace: Bert.Workspace) {
        workspace.reserve(tokens: batch.tokenCount, longest: batch.longest)
        embeddings.embed(batch, into: workspace.hidden, hiddenSize: configuration.hiddenSize)
        for layer in encoder.layers {
            layer.apply(batch, workspace: workspace)
        }
    }
}

extension Bert.Embeddings {
    /// Writes `LayerNorm(word[id] + tokenType[0] + position[p])` for every packed token, with
    /// positions restarting at 0 for each sequence.
    func embed(_ batch: Bert.PackedBatch, into hidden: UnsafeMutablePointer<Float>, hiddenSize: Int) {
        let tokenType = tokenTypes.pointer  // token type 0 for every token, as sentence-transformers
        batch.tokens.withUnsafeBufferPointer { tokens in
            for sequence in 0..<batch.count {
                let offset = batch.offsets[sequence]
                for position in 0..<batch.lengths[sequence] {
                    let row = hidden + (offset + position) * hiddenSize
                    let word = words.pointer + Int(tokens[offset + position]) * hiddenSize
                    let place = positions.pointer + position * hiddenSize
                    // transformers' order: (word + token type) + position.
                    for index in 0..<hiddenSize { row[index] = (word[index] + tokenType[index]) + place[index] }
                }
            }
        }
        Kernels.layerNorm(hidden, rows: batch.tokenCount, columns: hiddenSize,
                          gamma: layerNorm.weight.pointer, beta: layerNorm.bias.pointer, epsilon: layerNorm.epsilon)
    }
}

extension Bert.SelfAttention {
    /// Computes the attention context of every packed token into `workspace.context`, reading
    /// the hidden states from `workspace.hidden`.
    func apply(_ batch: Bert.PackedBatch, workspace: Bert.Workspace) {
        let tokens = batch.tokenCount
        let hidden = headCount * headSize
        query.apply(workspace.hidden, rows: tokens, into: workspace.query)
        key.apply(workspace.hidden, rows: tokens, into: workspace.key)
        value.apply(workspace.hidden, rows: tokens, into: workspace.value)

        let scale = 1 / Float(headSize).squareRoot()
        let scores = workspace.scores
        for sequence in 0..<batch.count {
            let length = batch.lengths[sequence]
            let start = batch.offsets[sequence] * hidden
            for head in 0..<headCount {
                let column = start + head * headSize
                // scores = Q_h · K_hᵀ   (length × length); the 1/√d scale is applied in the softmax
                BLAS.multiplyTransposed(rows: length, columns: length, depth: headSize,
                                        workspace.query + column, leading: hidden,
                                        workspace.key + column, leading: hidden,
                                        into: scores, leading: length)
                for row in 0..<length {
                    Kernels.softmax(scores + row * length, count: length, validCount: length, scale: scale)
                }
                // context_h = softmax(scores) · V_h   (length × headSize)
                BLAS.multiply(rows: length, columns: headSize, depth: length,
                              scores, leading: length,
                              workspace.value + column, leading: hidden,
                              into: workspace.context + column, leading: hidden)
            }
        }
    }
}

extension Bert.Layer {
    /// Runs one transformer block in place on `workspace.hidden`.
    func apply(_ batch: Bert.PackedBatch, workspace: Bert.Workspace) {
        let tokens = batch.tokenCount
        let hidden = attentionOutput.outputSize
        attention.apply(batch, workspace: workspace)

        // hidden = LayerNorm(hidden + bias + context·Wᵀ), accumulated in place.
        Kernels.addBias(workspace.hidden, rows: tokens, columns: hidden, bias: attentionOutput.bias.pointer)
        attentionOutput.accumulate(workspace.context, rows: tokens, onto: workspace.hidden)
        Kernels.layerNorm(workspace.hidden, rows: tokens, columns: hidden,
                          gamma: attentionLayerNorm.weight.pointer, beta: attentionLayerNorm.bias.pointer,
                          epsilon: attentionLayerNorm.epsilon)

        // hidden = LayerNorm(hidden + bias + act(hidden·W₁ᵀ + b₁)·W₂ᵀ)
        intermediate.apply(workspace.hidden, rows: tokens, into: workspace.intermediate)
        Kernels.activateHidden(workspace.intermediate, count: tokens * intermediate.outputSize, activation: activation)
        Kernels.addBias(workspace.hidden, rows: tokens, columns: hidden, bias: output.bias.pointer)
        output.accumulate(workspace.intermediate, rows: tokens, onto: workspace.hidden)
        Kernels.layerNorm(workspace.hidden, rows: tokens, columns: hidden,
                          gamma: outputLayerNorm.weight.pointer, beta: outputLayerNorm.bias.pointer,
                          epsilon: outputLayerNorm.epsilon)
    }
}
