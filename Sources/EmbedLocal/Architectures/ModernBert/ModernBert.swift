/// ModernBERT as transformers' `ModernBertModel` defines it: no position table but rotary
/// embeddings (one θ for global layers, another for local ones), a fused bias-free `Wqkv`,
/// pre-norm blocks with a final norm, an embedding norm, a GeGLU feed-forward network, and
/// global attention every `global_attn_every_n_layers` layers with sliding-window attention
/// (`local_attention` wide in all) on the others.
public enum ModernBert {}

extension ModernBert {
    /// The hyper-parameters of a ModernBERT `config.json`, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        public var vocabularySize: Int
        public var hiddenSize: Int
        public var layerCount: Int
        public var attentionHeadCount: Int
        /// Width of the GeGLU's value (and gate) half.
        public var intermediateSize: Int
        /// The longest sequence the model was trained for (`max_position_embeddings`).
        public var maximumPositionCount: Int
        public var layerNormEpsilon: Float
        public var hiddenActivation: HiddenActivation
        /// Whether `Wqkv` and the attention output have biases (`attention_bias`).
        public var attentionBias: Bool
        /// Whether the feed-forward layers have biases (`mlp_bias`).
        public var feedForwardBias: Bool
        /// Whether the LayerNorms have biases (`norm_bias`).
        public var normBias: Bool
        /// Whether each layer attends globally (`true`) or within the sliding window.
        public var globalLayers: [Bool]
        /// The sliding window's total width: a token sees those at most `localAttention / 2` away.
        public var localAttention: Int
        /// Rotary θ of global and local layers.
        public var globalRopeTheta: Float
        public var localRopeTheta: Float

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int, intermediateSize: Int,
                    maximumPositionCount: Int, layerNormEpsilon: Float = 1e-5, hiddenActivation: HiddenActivation = .gelu,
                    attentionBias: Bool = false, feedForwardBias: Bool = false, normBias: Bool = false,
                    globalLayers: [Bool], localAttention: Int = 128, globalRopeTheta: Float = 160_000,
                    localRopeTheta: Float = 10_000) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.layerNormEpsilon = layerNormEpsilon
            self.hiddenActivation = hiddenActivation
            self.attentionBias = attentionBias
            self.feedForwardBias = feedForwardBias
            self.normBias = normBias
            self.globalLayers = globalLayers
            self.localAttention = localAttention
            self.globalRopeTheta = globalRopeTheta
            self.localRopeTheta = localRopeTheta
        }

        public var headSize: Int { hiddenSize / attentionHeadCount }
    }
}

extension ModernBert.Configuration: EncoderBuilding {
    public static let architectureName = "modernbert"
    public static let modelTypes = ["modernbert"]

    public init(configFile file: TransformerConfigFile) throws(ModelDescriptionError) {
        let layerCount = try file.int("num_hidden_layers")
        let every = try file.optionalInt("global_attn_every_n_layers") ?? 3
        var globalLayers = (0..<layerCount).map { every > 0 && $0 % every == 0 }
        if let types = file.json["layer_types"]?.arrayValue {
            var read: [Bool] = []
            for type in types {
                switch type.stringValue {
                case "full_attention": read.append(true)
                case "sliding_attention": read.append(false)
                default:
                    throw .unsupported(file.path, "layer_types holds \(type); supported: full_attention, sliding_attention.")
                }
            }
            globalLayers = read
        }
        // transformers 5 writes rope_parameters per layer type; older files global/local_rope_theta.
        func theta(_ type: String, legacy: String, default value: Double) throws(ModelDescriptionError) -> Float {
            if let parameters = file.json["rope_parameters"]?[type] {
                if let kind = parameters["rope_type"]?.stringValue, kind != "default" {
                    throw .unsupported(file.path, "rope_parameters.\(type).rope_type \"\(kind)\" is not supported; only \"default\" rotary embeddings are.")
                }
                guard let theta = parameters["rope_theta"]?.doubleValue else {
                    throw ModelDescriptionError(path: file.path, reason: .invalidJSON(detail: "missing key \"rope_parameters.\(type).rope_theta\"."))
                }
                return Float(theta)
            }
            return Float(try file.optionalDouble(legacy) ?? value)
        }
        self.init(
            vocabularySize: try file.int("vocab_size"), hiddenSize: try file.int("hidden_size"),
            layerCount: layerCount, attentionHeadCount: try file.int("num_attention_heads"),
            intermediateSize: try file.int("intermediate_size"),
            maximumPositionCount: try file.int("max_position_embeddings"),
            layerNormEpsilon: Float(try file.optionalDouble("norm_eps") ?? 1e-5),
            hiddenActivation: try file.activation("hidden_activation", "hidden_act"),
            attentionBias: try file.optionalBool("attention_bias") ?? false,
            feedForwardBias: try file.optionalBool("mlp_bias") ?? false,
            normBias: try file.optionalBool("norm_bias") ?? false,
            globalLayers: globalLayers, localAttention: try file.optionalInt("local_attention") ?? 128,
            globalRopeTheta: try theta("full_attention", legacy: "global_rope_theta", default: 160_000),
            localRopeTheta: try theta("sliding_attention", legacy: "local_rope_theta", default: 10_000))
        if let headSize = try file.optionalInt("head_dim"), headSize != hiddenSize / max(1, attentionHeadCount) {
            throw .unsupported(file.path, "head_dim \(headSize) differs from hidden_size / num_attention_heads; only equal head widths are supported.")
        }
    }

    public var maximumSequenceLength: Int { maximumPositionCount }

    public func validate() -> String? {
        if let problem = validateSizes([
            "vocab_size": vocabularySize, "hidden_size": hiddenSize, "num_hidden_layers": layerCount,
            "num_attention_heads": attentionHeadCount, "intermediate_size": intermediateSize,
            "max_position_embeddings": maximumPositionCount,
        ]) { return problem }
        if globalLayers.count != layerCount {
            return "layer_types lists \(globalLayers.count) layers but num_hidden_layers is \(layerCount)."
        }
        if headSize % 2 != 0 { return "the head width \(headSize) must be even for rotary embeddings." }
        if globalLayers.contains(false), localAttention < 2 {
            return "local_attention must be at least 2; it is \(localAttention)."
        }
        for (key, theta) in [("global", globalRopeTheta), ("local", localRopeTheta)] where !(theta > 1) || !theta.isFinite {
            return "the \(key) rope theta must be a finite number above 1; it is \(theta)."
        }
        if !(layerNormEpsilon >= 0) || !layerNormEpsilon.isFinite {
            return "norm_eps must be a finite non-negative number; it is \(layerNormEpsilon)."
        }
        return nil
    }

    private func norm(_ prefix: String) -> [(name: String, shape: [Int])] {
        [(prefix + ".weight", [hiddenSize])] + (normBias ? [(prefix + ".bias", [hiddenSize])] : [])
    }

    private func linear(_ prefix: String, output: Int, input: Int, bias: Bool) -> [(name: String, shape: [Int])] {
        [(prefix + ".weight", [output, input])] + (bias ? [(prefix + ".bias", [output])] : [])
    }

    public func tensorShapes() -> [(name: String, shape: [Int])] {
        let hidden = hiddenSize
        var tensors: [(name: String, shape: [Int])] = [("embeddings.tok_embeddings.weight", [vocabularySize, hidden])]
        tensors += norm("embeddings.norm")
        for layer in 0..<layerCount {
            let prefix = "layers.\(layer)."
            if layer > 0 { tensors += norm(prefix + "attn_norm") }  // layer 0 reads the embedding norm's output
            tensors += linear(prefix + "attn.Wqkv", output: 3 * hidden, input: hidden, bias: attentionBias)
            tensors += linear(prefix + "attn.Wo", output: hidden, input: hidden, bias: attentionBias)
            tensors += norm(prefix + "mlp_norm")
            tensors += linear(prefix + "mlp.Wi", output: 2 * intermediateSize, input: hidden, bias: feedForwardBias)
            tensors += linear(prefix + "mlp.Wo", output: hidden, input: intermediateSize, bias: feedForwardBias)
        }
        return tensors + norm("final_norm")
    }

    public static func canonicalName(_ raw: String) -> String {
        canonicalName(raw, droppingPrefixes: ["model.", "modernbert."])
    }

    public var summary: [(label: String, value: String)] {
        [
            ("layers", "\(layerCount) (\(globalLayers.filter { $0 }.count) global, \(globalLayers.filter { !$0 }.count) local)"),
            ("hidden size", "\(hiddenSize)"), ("attention heads", "\(attentionHeadCount)"),
            ("intermediate size", "\(intermediateSize) (GeGLU)"), ("vocabulary", "\(vocabularySize)"),
            ("positions", "\(maximumSequenceLength) (rotary, θ \(globalRopeTheta) global, \(localRopeTheta) local)"),
            ("local attention window", "\(localAttention)"), ("activation", hiddenActivation.rawValue),
        ]
    }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        let hidden = hiddenSize
        func layerNorm(_ prefix: String) throws(SentenceEncoderError) -> LayerNorm {
            try LayerNorm(weights, prefix, size: hidden, epsilon: layerNormEpsilon, hasBias: normBias)
        }
        var layers: [ModernBert.Layer] = []
        for index in 0..<layerCount {
            let prefix = "layers.\(index)."
            let qkv = try weights.matrix(prefix + "attn.Wqkv.weight", shape: [3 * hidden, hidden])
            let qkvBias = attentionBias ? try weights.tensor(prefix + "attn.Wqkv.bias", shape: [3 * hidden]) : nil
            let wi = try weights.matrix(prefix + "mlp.Wi.weight", shape: [2 * intermediateSize, hidden])
            let wiBias = feedForwardBias ? try weights.tensor(prefix + "mlp.Wi.bias", shape: [2 * intermediateSize]) : nil
            layers.append(ModernBert.Layer(
                attentionNorm: index == 0 ? nil : try layerNorm(prefix + "attn_norm"),
                attention: SelfAttention(
                    query: Linear(rows: 0..<hidden, of: qkv, bias: qkvBias, input: hidden),
                    key: Linear(rows: hidden..<2 * hidden, of: qkv, bias: qkvBias, input: hidden),
                    value: Linear(rows: 2 * hidden..<3 * hidden, of: qkv, bias: qkvBias, input: hidden),
                    headCount: attentionHeadCount, headSize: headSize),
                attentionOutput: try Linear(weights, prefix + "attn.Wo", input: hidden, output: hidden, hasBias: attentionBias),
                isGlobal: globalLayers[index],
                feedForwardNorm: try layerNorm(prefix + "mlp_norm"),
                feedForward: GatedFeedForward(
                    // Wi's first half is activated and multiplies the second (`act(input) · gate`).
                    activated: Linear(rows: 0..<intermediateSize, of: wi, bias: wiBias, input: hidden),
                    linear: Linear(rows: intermediateSize..<2 * intermediateSize, of: wi, bias: wiBias, input: hidden),
                    down: try Linear(weights, prefix + "mlp.Wo", input: intermediateSize, output: hidden, hasBias: feedForwardBias),
                    activation: hiddenActivation)))
        }
        return ModernBert.Encoder(
            words: try weights.matrix("embeddings.tok_embeddings.weight", shape: [vocabularySize, hidden]),
            embeddingNorm: try layerNorm("embeddings.norm"), layers: layers, finalNorm: try layerNorm("final_norm"),
            globalRotary: RotaryEmbedding(headSize: headSize, theta: globalRopeTheta, positions: maximumPositionCount),
            localRotary: RotaryEmbedding(headSize: headSize, theta: localRopeTheta, positions: maximumPositionCount),
            halfWindow: localAttention / 2,
            workspaceShape: WorkspaceShape(
                hiddenSize: hidden, feedForwardWidth: 2 * intermediateSize, headSize: headSize,
                headCount: attentionHeadCount, usesPositionBias: globalLayers.contains(false), usesNormalizedCopy: true))
    }
}

extension ModernBert {
    /// One pre-norm block: `h += Wo·attention(norm(h))`, then `h += Wo·(act(u)·g)` with
    /// `(u, g) = Wi·norm(h)`.
    struct Layer: Sendable {
        /// `nil` for the first layer, which reads the embedding norm's output as it is.
        let attentionNorm: LayerNorm?
        let attention: SelfAttention
        let attentionOutput: Linear
        let isGlobal: Bool
        let feedForwardNorm: LayerNorm
        let feedForward: GatedFeedForward
    }

    struct Encoder: TokenEncoder {
        let words: MatrixWeight
        let embeddingNorm: LayerNorm
        let layers: [Layer]
        let finalNorm: LayerNorm
        let globalRotary: RotaryEmbedding
        let localRotary: RotaryEmbedding
        /// A token attends to those at most this far away in local layers.
        let halfWindow: Int
        let workspaceShape: WorkspaceShape

        func forward(_ batch: PackedBatch, workspace: Workspace, parts: Int) {
            let hidden = workspaceShape.hiddenSize
            let tokens = batch.tokenCount
            workspace.reserve(tokens: tokens, longest: batch.longest, parts: parts)
            batch.tokens.withUnsafeBufferPointer { ids in
                for (index, id) in ids.enumerated() {
                    words.copyRow(Int(id), width: hidden, into: workspace.hidden + index * hidden)
                }
            }
            embeddingNorm.apply(workspace.hidden, rows: tokens, columns: hidden)
            if workspaceShape.usesPositionBias {
                // The sliding window as a bias: 0 within it, −∞ (weight 0) beyond.
                let longest = workspace.biasLongest
                for head in 0..<workspaceShape.headCount {
                    let row = workspace.positionBias(head: head)
                    for distance in -(longest - 1)...(longest - 1) {
                        row[distance] = abs(distance) <= halfWindow ? 0 : -.infinity
                    }
                }
            }
            for layer in layers {
                apply(layer, batch, workspace: workspace, parts: parts)
            }
            finalNorm.apply(workspace.hidden, rows: tokens, columns: hidden)
        }

        private func apply(_ layer: Layer, _ batch: PackedBatch, workspace: Workspace, parts: Int) {
            let tokens = batch.tokenCount
            let hidden = workspaceShape.hiddenSize
            let rotary = layer.isGlobal ? globalRotary : localRotary

            // The attention's input: norm(h), or h itself in the first layer.
            let attentionInput: UnsafeMutablePointer<Float>
            if let norm = layer.attentionNorm {
                workspace.normalized.update(from: workspace.hidden, count: tokens * hidden)
                PostNormLayer.normalize(workspace.normalized, rows: tokens, columns: hidden, with: norm, workspace: workspace, parts: parts)
                attentionInput = workspace.normalized
            } else {
                attentionInput = workspace.hidden
            }
            layer.attention.run(attentionInput, batch, workspace: workspace, parts: parts, rotary: rotary, biased: !layer.isGlobal)
            // h += Wo·context (+ bias)
            layer.attentionOutput.addProduct(of: workspace.query, rows: tokens, onto: workspace.hidden, workspace: workspace, parts: parts)

            // h += Wo·(act(u)·g), (u, g) = Wi·norm(h)
            workspace.normalized.update(from: workspace.hidden, count: tokens * hidden)
            PostNormLayer.normalize(workspace.normalized, rows: tokens, columns: hidden, with: layer.feedForwardNorm,
                                    workspace: workspace, parts: parts)
            layer.feedForward.apply(workspace.normalized, rows: tokens, workspace: workspace, parts: parts)
        }
    }
}
