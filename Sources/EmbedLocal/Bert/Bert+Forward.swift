import CEmbedKernels

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
        let headSize: Int
        private(set) var tokenCapacity = 0
        private(set) var scratchCapacity = 0
        private(set) var scratchStride = 0

        /// `[tokens × hidden]`: the hidden states, updated in place layer by layer.
        private(set) var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `[tokens × hidden]` each: Q, K and V. The attention context overwrites Q head by head
        /// (each query row is consumed before its context row is written), saving a buffer.
        private(set) var query = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var key = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var value = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `[tokens × intermediate]`: the feed-forward activations.
        private(set) var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// `parts ×` the attention kernel's scratch for the longest sequence.
        private var scratch = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// The threads that split a lone text's steps, started on first use.
        private var team: WorkerTeam?

        init(configuration: Configuration) {
            hiddenSize = configuration.hiddenSize
            intermediateSize = configuration.intermediateSize
            headSize = configuration.hiddenSize / configuration.attentionHeadCount
        }

        deinit {
            for buffer in [hidden, query, key, value, intermediate, scratch] { buffer.deallocate() }
        }

        /// Runs `body(part)` for every part in `0..<parts`, part 0 on the calling thread and the
        /// others on this workspace's helper threads (started on first use), and returns when all
        /// have finished. One part runs inline.
        func split(into parts: Int, _ body: (Int) -> Void) {
            guard parts > 1 else { return body(0) }
            if team?.size != parts { team = WorkerTeam(size: parts) }
            team.unsafelyUnwrapped.forEach(body)
        }

        /// The attention kernel's scratch memory of part `part`.
        func scratch(part: Int) -> UnsafeMutablePointer<Float> { scratch + part * scratchStride }

        /// Makes room for `tokens` packed tokens whose longest sequence has `longest` tokens,
        /// processed by `parts` threads at once.
        func reserve(tokens: Int, longest: Int, parts: Int) {
            if tokens > tokenCapacity {
                let capacity = Swift.max(tokens, tokenCapacity + tokenCapacity / 2)
                for buffer in [hidden, query, key, value, intermediate] { buffer.deallocate() }
                hidden = .allocate(capacity: capacity * hiddenSize)
                query = .allocate(capacity: capacity * hiddenSize)
                key = .allocate(capacity: capacity * hiddenSize)
                value = .allocate(capacity: capacity * hiddenSize)
                intermediate = .allocate(capacity: capacity * intermediateSize)
                tokenCapacity = capacity
            }
            let stride = embed_attention_scratch_count(longest, headSize)
            if stride * parts > scratchCapacity {
                scratch.deallocate()
                scratch = .allocate(capacity: stride * parts)
                scratchCapacity = stride * parts
            }
            scratchStride = stride
        }
    }
}

extension Bert.Model {
    /// Runs the encoder over a packed batch and leaves `last_hidden_state` (`[tokens × hidden]`,
    /// sequences back to back) in `workspace.hidden`.
    ///
    /// - Precondition: every token id is in the vocabulary and no sequence is longer than the
    ///   position table (the caller validates both).
    /// - Parameter parts: Threads to split each step over (1 runs everything on the caller's).
    func forward(_ batch: Bert.PackedBatch, workspace: Bert.Workspace, parts: Int = 1) {
        workspace.reserve(tokens: batch.tokenCount, longest: batch.longest, parts: parts)
        embeddings.embed(batch, into: workspace.hidden, hiddenSize: configuration.hiddenSize)
        for layer in encoder.layers {
            layer.apply(batch, workspace: workspace, parts: parts)
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
    /// Replaces Q in the workspace by the attention context, `softmax(Q_h·K_hᵀ/√d)·V_h`, for the
    /// heads in `heads` of every packed sequence, using `scratch` (the part's kernel scratch).
    ///
    /// One fused kernel call per head and sequence: most sequences are short, and for a 20-token
    /// head the two small GEMMs and the softmax cost more in calls and packing than in arithmetic
    /// (attention was 14 % of the time for 3.4 % of the work before this kernel).
    func attend(_ batch: Bert.PackedBatch, workspace: Bert.Workspace, heads: Range<Int>,
                scratch: UnsafeMutablePointer<Float>) {
        let hidden = headCount * headSize
        let scale = 1 / Float(headSize).squareRoot()
        let instructionSet = Kernels.instructionSet
        for sequence in 0..<batch.count {
            let length = batch.lengths[sequence]
            let start = batch.offsets[sequence] * hidden
            for head in heads {
                let column = start + head * headSize
                embed_attention_head(instructionSet, workspace.query + column, workspace.key + column,
                                     workspace.value + column, workspace.query + column,
                                     length, headSize, hidden, scale, scratch)
            }
        }
    }
}

extension Bert.Layer {
    /// Runs one transformer block in place on `workspace.hidden`, split over `parts` threads
    /// (1 for none).
    ///
    /// Each step's work is cut so that parts never write the same memory: Q, K, V and attention
    /// by heads, the other products by output features, LayerNorm by rows.
    func apply(_ batch: Bert.PackedBatch, workspace: Bert.Workspace, parts: Int = 1) {
        let tokens = batch.tokenCount
        let hidden = attentionOutput.outputSize
        let attention = attention
        // Column blocks of 16 keep OpenBLAS on its full-width kernels.
        let granularity = 16

        // Q, K, V = hidden·Wᵀ + b, then attention, for each part's group of heads: a head reads
        // only its own columns of Q, K and V, so one step does both, without a hand-off between.
        workspace.split(into: parts) { part in
            let heads = Parallel.share(part, of: parts, count: attention.headCount)
            let columns = heads.lowerBound * attention.headSize..<heads.upperBound * attention.headSize
            attention.query.apply(workspace.hidden, rows: tokens, into: workspace.query, columns: columns)
            attention.key.apply(workspace.hidden, rows: tokens, into: workspace.key, columns: columns)
            attention.value.apply(workspace.hidden, rows: tokens, into: workspace.value, columns: columns)
            attention.attend(batch, workspace: workspace, heads: heads, scratch: workspace.scratch(part: part))
        }
        // hidden = LayerNorm(hidden + bias + context·Wᵀ), accumulated in place.
        workspace.split(into: parts) { part in
            let columns = Parallel.share(part, of: parts, count: hidden, granularity: granularity)
            attentionOutput.addBias(to: workspace.hidden, rows: tokens, columns: columns)
            attentionOutput.accumulate(workspace.query, rows: tokens, onto: workspace.hidden, columns: columns)
        }
        normalize(rows: tokens, with: attentionLayerNorm, workspace: workspace, parts: parts)

        // hidden = LayerNorm(hidden + bias + act(hidden·W₁ᵀ + b₁)·W₂ᵀ)
        workspace.split(into: parts) { part in
            let width = intermediate.outputSize
            let columns = Parallel.share(part, of: parts, count: width, granularity: granularity)
            intermediate.apply(workspace.hidden, rows: tokens, into: workspace.intermediate, columns: columns)
            if columns.count == width {
                Kernels.activateHidden(workspace.intermediate, count: tokens * width, activation: activation)
            } else {
                for row in 0..<tokens {
                    Kernels.activateHidden(workspace.intermediate + row * width + columns.lowerBound,
                                           count: columns.count, activation: activation)
                }
            }
        }
        workspace.split(into: parts) { part in
            let columns = Parallel.share(part, of: parts, count: hidden, granularity: granularity)
            output.addBias(to: workspace.hidden, rows: tokens, columns: columns)
            output.accumulate(workspace.intermediate, rows: tokens, onto: workspace.hidden, columns: columns)
        }
        normalize(rows: tokens, with: outputLayerNorm, workspace: workspace, parts: parts)
    }

    /// LayerNorm of the first `rows` rows of `workspace.hidden` in place, split by rows.
    private func normalize(rows: Int, with layerNorm: Bert.LayerNorm, workspace: Bert.Workspace, parts: Int) {
        let columns = attentionOutput.outputSize
        let hidden = workspace.hidden
        workspace.split(into: parts) { part in
            let share = Parallel.share(part, of: parts, count: rows)
            Kernels.layerNorm(hidden + share.lowerBound * columns, rows: share.count, columns: columns,
                              gamma: layerNorm.weight.pointer, beta: layerNorm.bias.pointer, epsilon: layerNorm.epsilon)
        }
    }
}
