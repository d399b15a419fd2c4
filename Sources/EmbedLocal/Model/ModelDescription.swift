import EmbedCore

/// Everything about a sentence-transformers model except its tokenizer and its weights: the
/// encoder's architecture and hyper-parameters, the pooling, the Dense and Normalize modules after
/// it, the length limits and the prompts.
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

    /// The transformer's architecture and hyper-parameters (`config.json`).
    public var encoder: EncoderConfiguration
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
        encoder: EncoderConfiguration, transformerPath: String = "", pooling: PoolingConfiguration,
        outputModules: [OutputModule] = [], maxSequenceLength: Int? = nil, tokenizerMaxLength: Int? = nil,
        lowercasesInput: Bool = false, prompts: [String: String] = [:], defaultPromptName: String? = nil,
        similarityFunction: SimilarityFunction = .cosine
    ) {
        self.encoder = encoder
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

    private enum CodingKeys: String, CodingKey {
        case encoder, bert, transformerPath, pooling, outputModules, maxSequenceLength, tokenizerMaxLength
        case lowercasesInput, prompts, defaultPromptName, similarityFunction
    }

    /// Decodes a description; one of a format-1 model file, which predates other architectures,
    /// has a `bert` configuration instead of `encoder`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let encoder = try container.decodeIfPresent(EncoderConfiguration.self, forKey: .encoder) {
            self.encoder = encoder
        } else {
            encoder = EncoderConfiguration(try container.decode(Bert.Configuration.self, forKey: .bert))
        }
        transformerPath = try container.decode(String.self, forKey: .transformerPath)
        pooling = try container.decode(PoolingConfiguration.self, forKey: .pooling)
        outputModules = try container.decode([OutputModule].self, forKey: .outputModules)
        maxSequenceLength = try container.decodeIfPresent(Int.self, forKey: .maxSequenceLength)
        tokenizerMaxLength = try container.decodeIfPresent(Int.self, forKey: .tokenizerMaxLength)
        lowercasesInput = try container.decode(Bool.self, forKey: .lowercasesInput)
        prompts = try container.decode([String: String].self, forKey: .prompts)
        defaultPromptName = try container.decodeIfPresent(String.self, forKey: .defaultPromptName)
        similarityFunction = try container.decode(SimilarityFunction.self, forKey: .similarityFunction)
    }

    /// Encodes the description (always with `encoder`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.encoder, forKey: .encoder)
        try container.encode(transformerPath, forKey: .transformerPath)
        try container.encode(pooling, forKey: .pooling)
        try container.encode(outputModules, forKey: .outputModules)
        try container.encodeIfPresent(maxSequenceLength, forKey: .maxSequenceLength)
        try container.encodeIfPresent(tokenizerMaxLength, forKey: .tokenizerMaxLength)
        try container.encode(lowercasesInput, forKey: .lowercasesInput)
        try container.encode(prompts, forKey: .prompts)
        try container.encodeIfPresent(defaultPromptName, forKey: .defaultPromptName)
        try container.encode(similarityFunction, forKey: .similarityFunction)
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
    /// `max_seq_length` when set, else the smaller of the positions the encoder has and the
    /// tokenizer's `model_max_length`, and never more than the encoder's positions (for the
    /// RoBERTa family, `max_position_embeddings` less the rows before its first position).
    public var effectiveMaxSequenceLength: Int {
        let positions = encoder.maximumSequenceLength
        let limit = maxSequenceLength ?? min(positions, tokenizerMaxLength ?? positions)
        return min(limit, positions)
    }

    /// Checks that the pieces fit together: valid encoder sizes, pooling over the hidden size, each
    /// Dense layer reading what the previous module writes, positive lengths.
    ///
    /// - Throws: ``ModelDescriptionError`` with `path` `"model description"`.
    public func validate() throws(ModelDescriptionError) {
        let place = "model description"
        if let problem = encoder.validate() { throw .invalidValue(place, problem) }
        guard !pooling.modes.isEmpty else { throw .invalidValue(place, "pooling has no mode.") }
        guard pooling.embeddingDimension == encoder.hiddenSize else {
            throw .invalidValue(place, "pooling expects \(pooling.embeddingDimension)-dimensional token vectors but hidden_size is \(encoder.hiddenSize).")
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
