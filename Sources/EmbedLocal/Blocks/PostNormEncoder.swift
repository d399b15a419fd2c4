/// Word + learned position (+ token type 0) embeddings, then LayerNorm: the input of BERT,
/// RoBERTa, MPNet and DistilBERT.
struct LearnedEmbeddings: Sendable {
    let words: MatrixWeight
    /// `[positions × hidden]`.
    let positions: Weight
    /// The position row of a sequence's first token: 0 for BERT, `padding_idx + 1` for RoBERTa
    /// and MPNet, whose position ids count from there.
    let positionOffset: Int
    /// RoBERTa's and MPNet's padding id: a padding token met in a text (`<pad>` typed by a user)
    /// takes the padding row `positionOffset − 1` and does not advance the positions of the
    /// tokens after it, as transformers' `create_position_ids_from_input_ids` counts them.
    let paddingID: Int32?
    /// Row 0 of the token-type table (sentence-transformers passes type 0 everywhere), if any.
    let tokenType: Weight?
    let norm: LayerNorm
    let hiddenSize: Int

    /// Writes `LayerNorm(word[id] + tokenType[0] + position[p + offset])` for every packed token,
    /// with `p` restarting at 0 for each sequence.
    func embed(_ batch: PackedBatch, into hidden: UnsafeMutablePointer<Float>) {
        let hiddenSize = hiddenSize
        batch.tokens.withUnsafeBufferPointer { tokens in
            for sequence in 0..<batch.count {
                let offset = batch.offsets[sequence]
                var counted = 0  // tokens before this one that advance the position
                for position in 0..<batch.lengths[sequence] {
                    let token = tokens[offset + position]
                    let row = hidden + (offset + position) * hiddenSize
                    // The word row goes to the output first; the sums below then read it there.
                    words.copyRow(Int(token), width: hiddenSize, into: row)
                    let positionRow: Int
                    if let paddingID, token == paddingID {
                        positionRow = positionOffset - 1
                    } else {
                        positionRow = positionOffset + counted
                        counted += 1
                    }
                    let place = positions.pointer + positionRow * hiddenSize
                    if let tokenType {
                        // transformers' order: (word + token type) + position.
                        let type = tokenType.pointer
                        for index in 0..<hiddenSize { row[index] = (row[index] + type[index]) + place[index] }
                    } else {
                        for index in 0..<hiddenSize { row[index] += place[index] }
                    }
                }
            }
        }
        norm.apply(hidden, rows: batch.tokenCount, columns: hiddenSize)
    }
}

/// One post-norm transformer block as BERT has it: attention, then the feed-forward network,
/// each followed by a residual connection and LayerNorm. BERT, RoBERTa, MPNet and DistilBERT
/// differ only in the names of these tensors.
struct PostNormLayer: Sendable {
    let attention: SelfAttention
    let attentionOutput: Linear
    let attentionNorm: LayerNorm
    let intermediate: Linear
    let activation: HiddenActivation
    let output: Linear
    let outputNorm: LayerNorm

    /// The tensor names of one layer, relative to its prefix.
    struct Names {
        var query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm: String
    }

    /// Binds a layer's weights under `prefix` + each of `names`.
    init(_ weights: WeightReader, prefix: String, names: Names, hiddenSize: Int, intermediateSize: Int,
         headCount: Int, epsilon: Float, activation: HiddenActivation) throws(SentenceEncoderError) {
        let hidden = hiddenSize
        attention = SelfAttention(
            query: try Linear(weights, prefix + names.query, input: hidden, output: hidden),
            key: try Linear(weights, prefix + names.key, input: hidden, output: hidden),
            value: try Linear(weights, prefix + names.value, input: hidden, output: hidden),
            headCount: headCount, headSize: hidden / headCount)
        attentionOutput = try Linear(weights, prefix + names.attentionOutput, input: hidden, output: hidden)
        attentionNorm = try LayerNorm(weights, prefix + names.attentionNorm, size: hidden, epsilon: epsilon)
        intermediate = try Linear(weights, prefix + names.intermediate, input: hidden, output: intermediateSize)
        self.activation = activation
        output = try Linear(weights, prefix + names.output, input: intermediateSize, output: hidden)
        outputNorm = try LayerNorm(weights, prefix + names.outputNorm, size: hidden, epsilon: epsilon)
    }

    /// The tensors of one layer under `prefix` + `names`, with their shapes.
    static func tensorShapes(prefix: String, names: Names, hiddenSize hidden: Int, intermediateSize: Int) -> [(name: String, shape: [Int])] {
        var tensors: [(name: String, shape: [Int])] = []
        for projection in [names.query, names.key, names.value] {
            tensors.append((prefix + projection + ".weight", [hidden, hidden]))
            tensors.append((prefix + projection + ".bias", [hidden]))
        }
        return tensors + [
            (prefix + names.attentionOutput + ".weight", [hidden, hidden]),
            (prefix + names.attentionOutput + ".bias", [hidden]),
            (prefix + names.attentionNorm + ".weight", [hidden]),
            (prefix + names.attentionNorm + ".bias", [hidden]),
            (prefix + names.intermediate + ".weight", [intermediateSize, hidden]),
            (prefix + names.intermediate + ".bias", [intermediateSize]),
            (prefix + names.output + ".weight", [hidden, intermediateSize]),
            (prefix + names.output + ".bias", [hidden]),
            (prefix + names.outputNorm + ".weight", [hidden]),
            (prefix + names.outputNorm + ".bias", [hidden]),
        ]
    }

    /// Runs the block in place on `workspace.hidden`, split over `parts` threads (1 for none);
    /// with `biased`, attention adds the workspace's position biases.
    ///
    /// Each step's work is cut so that parts never write the same memory: Q, K, V and attention
    /// by heads, the other products by output features, LayerNorm by rows.
    func apply(_ batch: PackedBatch, workspace: Workspace, parts: Int = 1, biased: Bool = false) {
        let tokens = batch.tokenCount
        let hidden = attentionOutput.outputSize
        // Column blocks of 16 keep OpenBLAS on its full-width kernels.
        let granularity = 16

        attention.run(workspace.hidden, batch, workspace: workspace, parts: parts, biased: biased)
        // hidden = LayerNorm(hidden + bias + context·Wᵀ), accumulated in place.
        attentionOutput.addProduct(of: workspace.query, rows: tokens, onto: workspace.hidden, workspace: workspace, parts: parts)
        Self.normalize(workspace.hidden, rows: tokens, columns: hidden, with: attentionNorm, workspace: workspace, parts: parts)

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
        output.addProduct(of: workspace.intermediate, rows: tokens, onto: workspace.hidden, workspace: workspace, parts: parts)
        Self.normalize(workspace.hidden, rows: tokens, columns: hidden, with: outputNorm, workspace: workspace, parts: parts)
    }

    /// LayerNorm of the first `rows` rows of `matrix` in place, split by rows.
    static func normalize(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, with norm: LayerNorm,
                          workspace: Workspace, parts: Int) {
        workspace.split(into: parts) { part in
            let share = Parallel.share(part, of: parts, count: rows)
            norm.apply(matrix + share.lowerBound * columns, rows: share.count, columns: columns)
        }
    }
}

/// The BERT-family encoder: learned embeddings, then post-norm blocks, with an optional
/// relative-position bias (MPNet's) computed once per batch and shared by every layer.
struct PostNormEncoder: TokenEncoder {
    let embeddings: LearnedEmbeddings
    let layers: [PostNormLayer]
    /// Fills the workspace's bias rows (one per head, by relative position) for the batch's
    /// longest sequence; `nil` when attention has no position bias.
    let positionBias: (@Sendable (_ workspace: Workspace) -> Void)?
    let workspaceShape: WorkspaceShape

    init(embeddings: LearnedEmbeddings, layers: [PostNormLayer], intermediateSize: Int,
         positionBias: (@Sendable (_ workspace: Workspace) -> Void)? = nil) {
        self.embeddings = embeddings
        self.layers = layers
        self.positionBias = positionBias
        let attention = layers.first?.attention
        workspaceShape = WorkspaceShape(
            hiddenSize: embeddings.hiddenSize, feedForwardWidth: intermediateSize,
            headSize: attention?.headSize ?? embeddings.hiddenSize, headCount: attention?.headCount ?? 1,
            usesPositionBias: positionBias != nil)
    }

    func forward(_ batch: PackedBatch, workspace: Workspace, parts: Int) {
        workspace.reserve(tokens: batch.tokenCount, longest: batch.longest, parts: parts)
        embeddings.embed(batch, into: workspace.hidden)
        positionBias?(workspace)
        for layer in layers {
            layer.apply(batch, workspace: workspace, parts: parts, biased: positionBias != nil)
        }
    }
}

/// Where a BERT-family checkpoint keeps its tensors and how large they are: all that BERT,
/// RoBERTa, MPNet and DistilBERT differ in besides MPNet's position bias.
struct PostNormLayout {
    var vocabularySize: Int
    var hiddenSize: Int
    var layerCount: Int
    var headCount: Int
    var intermediateSize: Int
    var positionCount: Int
    var positionOffset: Int
    /// Rows of `embeddings.token_type_embeddings`, or `nil` for architectures without one.
    var tokenTypeCount: Int?
    /// The prefix of layer N's tensors is `layerPrefix` + N + `.`.
    var layerPrefix: String
    var names: PostNormLayer.Names
    var epsilon: Float
    var activation: HiddenActivation

    /// The embedding and layer tensors with their shapes.
    func tensorShapes() -> [(name: String, shape: [Int])] {
        var tensors: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [vocabularySize, hiddenSize]),
            ("embeddings.position_embeddings.weight", [positionCount, hiddenSize]),
        ]
        if let tokenTypeCount { tensors.append(("embeddings.token_type_embeddings.weight", [tokenTypeCount, hiddenSize])) }
        tensors += [("embeddings.LayerNorm.weight", [hiddenSize]), ("embeddings.LayerNorm.bias", [hiddenSize])]
        for layer in 0..<layerCount {
            tensors += PostNormLayer.tensorShapes(prefix: "\(layerPrefix)\(layer).", names: names,
                                                  hiddenSize: hiddenSize, intermediateSize: intermediateSize)
        }
        return tensors
    }

    /// Binds the weights into an encoder; `paddingID` as ``LearnedEmbeddings/paddingID``.
    func makeEncoder(_ weights: WeightReader, paddingID: Int32?,
                     positionBias: (@Sendable (_ workspace: Workspace) -> Void)? = nil) throws(SentenceEncoderError) -> PostNormEncoder {
        let hidden = hiddenSize
        let embeddings = LearnedEmbeddings(
            words: try weights.matrix("embeddings.word_embeddings.weight", shape: [vocabularySize, hidden]),
            positions: try weights.tensor("embeddings.position_embeddings.weight", shape: [positionCount, hidden]),
            positionOffset: positionOffset, paddingID: paddingID,
            tokenType: try tokenTypeCount.map { count throws(SentenceEncoderError) in
                try weights.tensor("embeddings.token_type_embeddings.weight", shape: [count, hidden])
            },
            norm: try LayerNorm(weights, "embeddings.LayerNorm", size: hidden, epsilon: epsilon),
            hiddenSize: hidden)
        var layers: [PostNormLayer] = []
        for index in 0..<layerCount {
            layers.append(try PostNormLayer(
                weights, prefix: "\(layerPrefix)\(index).", names: names, hiddenSize: hidden,
                intermediateSize: intermediateSize, headCount: headCount, epsilon: epsilon, activation: activation))
        }
        return PostNormEncoder(embeddings: embeddings, layers: layers, intermediateSize: intermediateSize,
                               positionBias: positionBias)
    }
}
