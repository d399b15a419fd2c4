import EmbedCore

/// Everything about a sentence-transformers model except its tokenizer and its weights: the BERT
/// hyper-parameters, the pooling, the Dense and Normalize modules after it, the length limits and
/// the prompts.
///
/// Read one from a Hugging Face folder with ``load(fromFolder:)``; it is `Codable` so an exported
/// model file can carry it verbatim. ``expectedTensorShapes()`` lists the weights the forward pass
/// needs, under canonical names.
public struct ModelDescription: Codable, Sendable, Hashable {
    /// A module applied to the pooled vector, in `modules.json` order.
    ///
    /// Encoded as `{"type": "dense", "dense": {…}}` or `{"type": "normalize"}`.
    public enum OutputModule: Codable, Sendable, Hashable {
        /// A fully connected layer.
        case dense(DenseConfiguration)
        /// Scaling to unit length, `x / max(‖x‖₂, 1e-12)`.
        case normalize

        private enum CodingKeys: String, CodingKey {
            case type, dense
        }

        /// Decodes a module from its tagged form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "dense": self = .dense(try container.decode(DenseConfiguration.self, forKey: .dense))
            case "normalize": self = .normalize
            default:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                       debugDescription: "unknown output module type \"\(type)\"")
            }
        }

        /// Encodes the module in its tagged form.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .dense(let configuration):
                try container.encode("dense", forKey: .type)
                try container.encode(configuration, forKey: .dense)
            case .normalize:
                try container.encode("normalize", forKey: .type)
            }
        }
    }

    /// The transformer's hyper-parameters (`config.json`).
    public var bert: Bert.Configuration
    /// The transformer module's folder relative to the model folder; `""` for the root.
    public var transformerPath: String
    /// How token vectors are pooled (`1_Pooling/config.json`).
    public var pooling: PoolingConfiguration
    /// The modules after pooling, in order.
    public var outputModules: [OutputModule]
    /// `max_seq_length` from `sentence_bert_config.json`, when it sets one.
    public var maxSequenceLength: Int?
    /// `model_max_length` from `tokenizer_config.json`, when it is a real limit (transformers
    /// writes 10³⁰ for "none").
    public var tokenizerMaxLength: Int?
    /// Whether sentence-transformers lower-cases each text with Python's `str.lower()` before
    /// tokenizing (`do_lower_case` in `sentence_bert_config.json`). This is independent of the
    /// tokenizer's own lower-casing.
    public var lowercasesInput: Bool
    /// Named prompts, e.g. `["query": "query: ", "document": ""]`.
    public var prompts: [String: String]
    /// The prompt used when the caller names none.
    public var defaultPromptName: String?
    /// The similarity the model was trained for.
    public var similarityFunction: SimilarityFunction

    /// Creates a description; ``validate()`` checks that the pieces fit together.
    public init(
        bert: Bert.Configuration, transformerPath: String = "", pooling: PoolingConfiguration,
        outputModules: [OutputModule] = [], maxSequenceLength: Int? = nil, tokenizerMaxLength: Int? = nil,
        lowercasesInput: Bool = false, prompts: [String: String] = [:], defaultPromptName: String? = nil,
        similarityFunction: SimilarityFunction = .cosine
    ) {
        self.bert = bert
        self.transformerPath = transformerPath
        self.pooling = pooling
        self.outputModules = outputModules
        self.maxSequenceLength = maxSequenceLength
        self.tokenizerMaxLength = tokenizerMaxLength
        self.lowercasesInput = lowercasesInput
        self.prompts = prompts
        self.defaultPromptName = defaultPromptName
        self.similarityFunction = similarityFunction
    }

    /// The Dense modules, in order.
    public var denseLayers: [DenseConfiguration] {
        outputModules.compactMap { if case .dense(let layer) = $0 { layer } else { nil } }
    }

    /// Whether the final vectors have unit length (the last module is Normalize).
    public var isNormalized: Bool { outputModules.last == .normalize }

    /// The length of the final sentence vectors.
    public var outputDimension: Int {
        denseLayers.last?.outputDimension ?? pooling.outputDimension
    }

    /// The most tokens (special tokens included) sentence-transformers feeds the model:
    /// `max_seq_length` when set, else the smaller of `max_position_embeddings` and the
    /// tokenizer's `model_max_length`, and never more than `max_position_embeddings`.
    public var effectiveMaxSequenceLength: Int {
        let limit = maxSequenceLength ?? min(bert.maximumPositionCount, tokenizerMaxLength ?? bert.maximumPositionCount)
        return min(limit, bert.maximumPositionCount)
    }

    /// Checks that the pieces fit together: valid BERT sizes, pooling over the hidden size, each
    /// Dense layer reading what the previous module writes, positive lengths.
    ///
    /// - Throws: ``ModelDescriptionError`` with `path` `"model description"`.
    public func validate() throws(ModelDescriptionError) {
        let place = "model description"
        if let problem = bert.validate() { throw .invalidValue(place, problem) }
        guard !pooling.modes.isEmpty else { throw .invalidValue(place, "pooling has no mode.") }
        guard pooling.embeddingDimension == bert.hiddenSize else {
            throw .invalidValue(place, "pooling expects \(pooling.embeddingDimension)-dimensional token vectors but hidden_size is \(bert.hiddenSize).")
        }
        var width = pooling.outputDimension
        for (index, layer) in denseLayers.enumerated() {
            guard layer.inputDimension == width else {
                throw .invalidValue(place, "Dense module \(index) (\(layer.path)) reads \(layer.inputDimension) features but receives \(width).")
            }
            guard layer.outputDimension > 0 else {
                throw .invalidValue(place, "Dense module \(index) (\(layer.path)) has out_features \(layer.outputDimension).")
            }
            width = layer.outputDimension
        }
        if let maxSequenceLength, maxSequenceLength < 2 {
            throw .invalidValue(place, "max_seq_length \(maxSequenceLength) leaves no room for [CLS] and [SEP].")
        }
        if let name = defaultPromptName, prompts[name] == nil {
            throw .invalidValue(place, "default_prompt_name \"\(name)\" is not one of the prompts \(prompts.keys.sorted()).")
        }
    }
}
