/// The BERT encoder family as Hugging Face transformers' `BertModel` defines it, and the models
/// that are BERT with other position ids: RoBERTa, XLM-RoBERTa and CamemBERT (`RobertaModel`).
///
/// Only what sentence-transformers reads is implemented: the `last_hidden_state` (no pooler
/// head), with token type 0 and absolute positions.
public enum Bert {}

extension Bert {
    /// The hyper-parameters a checkpoint's `config.json` stores, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        /// Rows of the word-embedding table.
        public var vocabularySize: Int
        /// Width of every hidden state.
        public var hiddenSize: Int
        /// Number of transformer layers.
        public var layerCount: Int
        /// Attention heads per layer; `hiddenSize` is a multiple of it.
        public var attentionHeadCount: Int
        /// Width of the feed-forward layer.
        public var intermediateSize: Int
        /// Rows of the position-embedding table.
        public var maximumPositionCount: Int
        /// Rows of the token-type table (only row 0 is used).
        public var tokenTypeCount: Int
        /// The epsilon added to the variance in every LayerNorm.
        public var layerNormEpsilon: Float
        /// The feed-forward activation.
        public var hiddenActivation: HiddenActivation
        /// The position row of a sequence's first token: 0 for BERT; `pad_token_id + 1` for the
        /// RoBERTa family, whose position ids skip the padding row and those before it.
        public var positionOffset: Int
        /// The `model_type` the configuration was read from (`bert`, `roberta`, `xlm-roberta`,
        /// `camembert`).
        public var modelType: String

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(
            vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int, intermediateSize: Int,
            maximumPositionCount: Int, tokenTypeCount: Int = 2, layerNormEpsilon: Float = 1e-12,
            hiddenActivation: HiddenActivation = .gelu, positionOffset: Int = 0, modelType: String = "bert"
        ) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.tokenTypeCount = tokenTypeCount
            self.layerNormEpsilon = layerNormEpsilon
            self.hiddenActivation = hiddenActivation
            self.positionOffset = positionOffset
            self.modelType = modelType
        }

        /// Width of one attention head.
        public var headSize: Int { hiddenSize / attentionHeadCount }

        private enum CodingKeys: String, CodingKey {
            case vocabularySize, hiddenSize, layerCount, attentionHeadCount, intermediateSize, maximumPositionCount
            case tokenTypeCount, layerNormEpsilon, hiddenActivation, positionOffset, modelType
        }

        /// Decodes a configuration; format-1 model files, which predate the RoBERTa family, have
        /// no `positionOffset` or `modelType` (BERT's 0 and `bert`).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            vocabularySize = try container.decode(Int.self, forKey: .vocabularySize)
            hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
            layerCount = try container.decode(Int.self, forKey: .layerCount)
            attentionHeadCount = try container.decode(Int.self, forKey: .attentionHeadCount)
            intermediateSize = try container.decode(Int.self, forKey: .intermediateSize)
            maximumPositionCount = try container.decode(Int.self, forKey: .maximumPositionCount)
            tokenTypeCount = try container.decode(Int.self, forKey: .tokenTypeCount)
            layerNormEpsilon = try container.decode(Float.self, forKey: .layerNormEpsilon)
            hiddenActivation = try container.decode(HiddenActivation.self, forKey: .hiddenActivation)
            positionOffset = try container.decodeIfPresent(Int.self, forKey: .positionOffset) ?? 0
            modelType = try container.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        }
    }
}

extension Bert.Configuration: EncoderBuilding {
    public static let architectureName = "bert"

    /// BERT, and the RoBERTa family: BERT weights with positions counted from `padding_idx + 1`.
    public static let modelTypes = ["bert", "roberta", "xlm-roberta", "camembert"]

    /// The RoBERTa family's model types.
    static let robertaTypes: Set<String> = ["roberta", "xlm-roberta", "camembert"]

    public init(configFile file: TransformerConfigFile) throws(ModelDescriptionError) {
        let modelType = file.modelType ?? "bert"
        if let positions = try file.optionalString("position_embedding_type"), positions != "absolute" {
            throw .unsupported(file.path, "position_embedding_type \"\(positions)\" is not supported; only \"absolute\" is.")
        }
        try file.requireEncoder()
        let isRoberta = Self.robertaTypes.contains(modelType)
        // RoBERTa's position ids start at padding_idx + 1 (its padding row and those before are
        // never used by a real token).
        let offset = isRoberta ? (try file.optionalInt("pad_token_id") ?? 1) + 1 : 0
        self.init(
            vocabularySize: try file.int("vocab_size"), hiddenSize: try file.int("hidden_size"),
            layerCount: try file.int("num_hidden_layers"), attentionHeadCount: try file.int("num_attention_heads"),
            intermediateSize: try file.int("intermediate_size"),
            maximumPositionCount: try file.int("max_position_embeddings"),
            tokenTypeCount: try file.optionalInt("type_vocab_size") ?? 2,
            layerNormEpsilon: Float(try file.optionalDouble("layer_norm_eps") ?? 1e-12),
            hiddenActivation: try file.activation("hidden_act"), positionOffset: offset, modelType: modelType)
    }

    /// The position table's rows after the offset.
    public var maximumSequenceLength: Int { maximumPositionCount - positionOffset }

    public func validate() -> String? {
        if maximumPositionCount > 0, maximumPositionCount <= positionOffset {
            return "max_position_embeddings \(maximumPositionCount) leaves no position after the first \(positionOffset) (padding_idx + 1)."
        }
        if positionOffset < 0 { return "the position offset must not be negative; it is \(positionOffset)." }
        if !(layerNormEpsilon >= 0) || !layerNormEpsilon.isFinite {
            return "layer_norm_eps must be a finite non-negative number; it is \(layerNormEpsilon)."
        }
        return validateSizes([
            "vocab_size": vocabularySize, "hidden_size": hiddenSize, "num_hidden_layers": layerCount,
            "num_attention_heads": attentionHeadCount, "intermediate_size": intermediateSize,
            "max_position_embeddings": maximumPositionCount, "type_vocab_size": tokenTypeCount,
        ])
    }

    static let layerNames = PostNormLayer.Names(
        query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
        attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")

    var layout: PostNormLayout {
        PostNormLayout(
            vocabularySize: vocabularySize, hiddenSize: hiddenSize, layerCount: layerCount, headCount: attentionHeadCount,
            intermediateSize: intermediateSize, positionCount: maximumPositionCount, positionOffset: positionOffset,
            tokenTypeCount: tokenTypeCount, layerPrefix: "encoder.layer.", names: Self.layerNames,
            epsilon: layerNormEpsilon, activation: hiddenActivation)
    }

    public func tensorShapes() -> [(name: String, shape: [Int])] { layout.tensorShapes() }

    public static func canonicalName(_ raw: String) -> String {
        canonicalName(raw, droppingPrefixes: ["bert.", "roberta.", "model."])
    }

    public var summary: [(label: String, value: String)] {
        [("model type", modelType)] + sizeSummary + [("activation", hiddenActivation.rawValue)]
    }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        // The RoBERTa family's padding row is the one before its first position.
        try layout.makeEncoder(weights, paddingID: positionOffset > 0 ? Int32(positionOffset - 1) : nil)
    }
}
