/// NomicBERT (nomic-embed-text v1 and v1.5, Ollama's and LM Studio's default embedder) as the
/// model's own remote code defines it: BERT's post-norm blocks with rotary positions on every head
/// dimension instead of a position table, a fused bias-free `Wqkv`, and a SwiGLU feed-forward
/// network (`fc2(fc11(x) · silu(fc12(x)))`, no biases).
public enum NomicBert {}

extension NomicBert {
    /// The hyper-parameters of a NomicBERT `config.json`, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        /// Rows of the word-embedding table (padded to a multiple of 64 by the remote code).
        public var vocabularySize: Int
        public var hiddenSize: Int
        public var layerCount: Int
        public var attentionHeadCount: Int
        /// Width of the SwiGLU's up and gate projections.
        public var intermediateSize: Int
        /// The longest sequence the rotary embeddings are laid out for (`n_positions`).
        public var maximumPositionCount: Int
        /// Rows of the token-type table (only row 0 is used).
        public var tokenTypeCount: Int
        public var layerNormEpsilon: Float
        /// Rotary θ (`rotary_emb_base`).
        public var ropeTheta: Float

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int, intermediateSize: Int,
                    maximumPositionCount: Int, tokenTypeCount: Int = 2, layerNormEpsilon: Float = 1e-12,
                    ropeTheta: Float = 1000) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.tokenTypeCount = tokenTypeCount
            self.layerNormEpsilon = layerNormEpsilon
            self.ropeTheta = ropeTheta
        }

        public var headSize: Int { hiddenSize / attentionHeadCount }

        /// The remote code rounds the SwiGLU width up to a multiple of this.
        static let feedForwardMultiple = 256
    }
}

extension NomicBert.Configuration: EncoderBuilding {
    public static let architectureName = "nomic_bert"
    public static let modelTypes = ["nomic_bert"]

    public init(configFile file: TransformerConfigFile) throws(ModelDescriptionError) {
        // Features of the remote code that nomic-embed-text does not use are refused rather than
        // run wrongly.
        let refused: KeyValuePairs<String, String> = [
            "prenorm": "pre-norm blocks", "causal": "causal attention", "parallel_block": "parallel blocks",
            "use_rms_norm": "RMSNorm", "rotary_emb_interleaved": "interleaved rotary embeddings",
            "qkv_proj_bias": "a Wqkv bias", "mlp_fc1_bias": "feed-forward biases", "mlp_fc2_bias": "feed-forward biases",
        ]
        for (key, feature) in refused where try file.optionalBool(key) == true {
            throw .unsupported(file.path, "\(key) asks for \(feature), which this runtime does not implement for nomic_bert.")
        }
        if let fraction = try file.optionalDouble("rotary_emb_fraction"), fraction != 1 {
            throw .unsupported(file.path, "rotary_emb_fraction \(fraction) is not supported; only rotary embeddings on every head dimension (1.0) are.")
        }
        if let scaling = try file.optionalDouble("rotary_scaling_factor") {
            throw .unsupported(file.path, "rotary_scaling_factor \(scaling) (dynamic NTK scaling) is not supported; nomic-embed-text v1.5 sets null. Remove it to run the model without scaling.")
        }
        if let kind = file.json["rope_parameters"]?["rope_type"]?.stringValue, kind != "default" {
            throw .unsupported(file.path, "rope_parameters.rope_type \"\(kind)\" is not supported; only \"default\" rotary embeddings are.")
        }
        if let activation = try file.optionalString("activation_function"), activation != "swiglu" {
            throw .unsupported(file.path, "activation_function \"\(activation)\" is not supported; nomic_bert models run with \"swiglu\".")
        }
        let hidden = try file.int("n_embd", "hidden_size")
        // The remote code builds fc11/fc12 `n_inner` wide rounded up to a multiple of 256; the
        // weights' shapes are checked against this when they are bound.
        let declared = try file.optionalInt("n_inner", "intermediate_size") ?? 4 * hidden
        let multiple = Self.feedForwardMultiple
        self.init(
            vocabularySize: try file.int("vocab_size"), hiddenSize: hidden,
            layerCount: try file.int("n_layer", "num_hidden_layers"),
            attentionHeadCount: try file.int("n_head", "num_attention_heads"),
            intermediateSize: (declared + multiple - 1) / multiple * multiple,
            maximumPositionCount: try file.int("n_positions", "max_position_embeddings"),
            tokenTypeCount: try file.optionalInt("type_vocab_size") ?? 2,
            layerNormEpsilon: Float(try file.optionalDouble("layer_norm_epsilon", "layer_norm_eps") ?? 1e-12),
            ropeTheta: Float(try file.optionalDouble("rotary_emb_base")
                ?? file.json["rope_parameters"]?["rope_theta"]?.doubleValue ?? 1000))
    }

    public var maximumSequenceLength: Int { maximumPositionCount }

    public func validate() -> String? {
        if let problem = validateSizes([
            "vocab_size": vocabularySize, "n_embd": hiddenSize, "n_layer": layerCount, "n_head": attentionHeadCount,
            "n_inner": intermediateSize, "n_positions": maximumPositionCount, "type_vocab_size": tokenTypeCount,
        ], hiddenKey: "n_embd", headsKey: "n_head") { return problem }
        if headSize % 2 != 0 { return "the head width \(headSize) must be even for rotary embeddings." }
        if !(ropeTheta > 1) || !ropeTheta.isFinite { return "rotary_emb_base must be a finite number above 1; it is \(ropeTheta)." }
        if !(layerNormEpsilon >= 0) || !layerNormEpsilon.isFinite {
            return "layer_norm_epsilon must be a finite non-negative number; it is \(layerNormEpsilon)."
        }
        return nil
    }

    public func tensorShapes() -> [(name: String, shape: [Int])] {
        let hidden = hiddenSize
        var tensors: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [vocabularySize, hidden]),
            ("embeddings.token_type_embeddings.weight", [tokenTypeCount, hidden]),
            ("emb_ln.weight", [hidden]), ("emb_ln.bias", [hidden]),
        ]
        for layer in 0..<layerCount {
            let prefix = "encoder.layers.\(layer)."
            tensors += [
                (prefix + "attn.Wqkv.weight", [3 * hidden, hidden]),
                (prefix + "attn.out_proj.weight", [hidden, hidden]),
                (prefix + "norm1.weight", [hidden]), (prefix + "norm1.bias", [hidden]),
                (prefix + "mlp.fc11.weight", [intermediateSize, hidden]),
                (prefix + "mlp.fc12.weight", [intermediateSize, hidden]),
                (prefix + "mlp.fc2.weight", [hidden, intermediateSize]),
                (prefix + "norm2.weight", [hidden]), (prefix + "norm2.bias", [hidden]),
            ]
        }
        return tensors
    }

    public static func canonicalName(_ raw: String) -> String {
        canonicalName(raw, droppingPrefixes: ["bert.", "model."])
    }

    public var summary: [(label: String, value: String)] {
        sizeSummary + [("rotary θ", "\(ropeTheta)"), ("feed-forward", "SwiGLU")]
    }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        let hidden = hiddenSize
        func norm(_ prefix: String) throws(SentenceEncoderError) -> LayerNorm {
            try LayerNorm(weights, prefix, size: hidden, epsilon: layerNormEpsilon)
        }
        var layers: [NomicBert.Layer] = []
        for index in 0..<layerCount {
            let prefix = "encoder.layers.\(index)."
            let qkv = try weights.matrix(prefix + "attn.Wqkv.weight", shape: [3 * hidden, hidden])
            layers.append(NomicBert.Layer(
                attention: SelfAttention(
                    query: Linear(rows: 0..<hidden, of: qkv, bias: nil, input: hidden),
                    key: Linear(rows: hidden..<2 * hidden, of: qkv, bias: nil, input: hidden),
                    value: Linear(rows: 2 * hidden..<3 * hidden, of: qkv, bias: nil, input: hidden),
                    headCount: attentionHeadCount, headSize: headSize),
                attentionOutput: try Linear(weights, prefix + "attn.out_proj", input: hidden, output: hidden, hasBias: false),
                attentionNorm: try norm(prefix + "norm1"),
                feedForward: GatedFeedForward(
                    // fc2(fc11(x) · silu(fc12(x))): fc12 is the gate, activated.
                    activated: try Linear(weights, prefix + "mlp.fc12", input: hidden, output: intermediateSize, hasBias: false),
                    linear: try Linear(weights, prefix + "mlp.fc11", input: hidden, output: intermediateSize, hasBias: false),
                    down: try Linear(weights, prefix + "mlp.fc2", input: intermediateSize, output: hidden, hasBias: false),
                    activation: .silu),
                outputNorm: try norm(prefix + "norm2")))
        }
        return NomicBert.Encoder(
            words: try weights.matrix("embeddings.word_embeddings.weight", shape: [vocabularySize, hidden]),
            tokenType: try weights.tensor("embeddings.token_type_embeddings.weight", shape: [tokenTypeCount, hidden]),
            embeddingNorm: try norm("emb_ln"), layers: layers,
            rotary: RotaryEmbedding(headSize: headSize, theta: ropeTheta, positions: maximumPositionCount),
            workspaceShape: WorkspaceShape(hiddenSize: hidden, feedForwardWidth: 2 * intermediateSize, headSize: headSize,
                                           headCount: attentionHeadCount))
    }
}

extension NomicBert {
    /// One post-norm block: `x = LN1(x + out_proj(attention(x)))`, then
    /// `x = LN2(x + fc2(fc11(x) · silu(fc12(x))))`.
    struct Layer: Sendable {
        let attention: SelfAttention
        let attentionOutput: Linear
        let attentionNorm: LayerNorm
        let feedForward: GatedFeedForward
        let outputNorm: LayerNorm
    }

    struct Encoder: TokenEncoder {
        let words: MatrixWeight
        let tokenType: Weight
        let embeddingNorm: LayerNorm
        let layers: [Layer]
        let rotary: RotaryEmbedding
        let workspaceShape: WorkspaceShape

        func forward(_ batch: PackedBatch, workspace: Workspace, parts: Int) {
            let hidden = workspaceShape.hiddenSize
            let tokens = batch.tokenCount
            workspace.reserve(tokens: tokens, longest: batch.longest, parts: parts)
            // LN(word + token type 0): no position table, positions enter through the rotary step.
            let type = tokenType.pointer
            batch.tokens.withUnsafeBufferPointer { ids in
                for (index, id) in ids.enumerated() {
                    let row = workspace.hidden + index * hidden
                    words.copyRow(Int(id), width: hidden, into: row)
                    for column in 0..<hidden { row[column] += type[column] }
                }
            }
            embeddingNorm.apply(workspace.hidden, rows: tokens, columns: hidden)
            for layer in layers {
                apply(layer, batch, workspace: workspace, parts: parts)
            }
        }

        private func apply(_ layer: Layer, _ batch: PackedBatch, workspace: Workspace, parts: Int) {
            let tokens = batch.tokenCount
            let hidden = workspaceShape.hiddenSize
            layer.attention.run(workspace.hidden, batch, workspace: workspace, parts: parts, rotary: rotary)
            // x = LN1(x + context·Woᵀ)
            layer.attentionOutput.addProduct(of: workspace.query, rows: tokens, onto: workspace.hidden, workspace: workspace, parts: parts)
            PostNormLayer.normalize(workspace.hidden, rows: tokens, columns: hidden, with: layer.attentionNorm,
                                    workspace: workspace, parts: parts)
            // x = LN2(x + fc2(fc11(x) · silu(fc12(x))))
            layer.feedForward.apply(workspace.hidden, rows: tokens, workspace: workspace, parts: parts)
            PostNormLayer.normalize(workspace.hidden, rows: tokens, columns: hidden, with: layer.outputNorm,
                                    workspace: workspace, parts: parts)
        }
    }
}
