import EmbedCore

/// One encoder architecture, in one place: its configuration (read from `config.json` and
/// validated), its tensor inventory (names, shapes, the checkpoint prefixes it accepts) and, in
/// an internal extension, its forward pass built from the shared blocks.
///
/// A conforming type *is* the architecture's configuration: model files store it as JSON next to
/// the architecture's name. The rest of the pipeline (tokenizer, pooling, Dense, Normalize,
/// prompts, the file container, server, CLI) sees only ``EncoderConfiguration``.
///
/// Adding an architecture: a folder under `Architectures/` with a type conforming to this
/// protocol and to the internal `EncoderBuilding`, and one line in ``EncoderArchitectures/all``.
public protocol EncoderArchitecture: Codable, Sendable, Hashable {
    /// The name model files record (`"bert"`, `"mpnet"`, …); never change it once released.
    static var architectureName: String { get }

    /// The `model_type` values of `config.json` this architecture runs.
    static var modelTypes: [String] { get }

    /// Reads and validates the architecture's `config.json`.
    ///
    /// - Throws: ``ModelDescriptionError`` naming the file and the missing, inconsistent or
    ///   unsupported setting.
    init(configFile: TransformerConfigFile) throws(ModelDescriptionError)

    /// Width of the hidden states (and so of the token vectors pooling reads).
    var hiddenSize: Int { get }
    /// Rows of the token-embedding table: every id must be below it.
    var vocabularySize: Int { get }
    /// Number of transformer layers.
    var layerCount: Int { get }
    /// Attention heads per layer.
    var attentionHeadCount: Int { get }
    /// Width of the feed-forward layer (its hidden part; for the cost estimate).
    var intermediateSize: Int { get }
    /// The most tokens one sequence may have, special tokens included.
    var maximumSequenceLength: Int { get }

    /// Returns a description of the first inconsistency, or `nil` when the sizes make sense.
    func validate() -> String?

    /// Every tensor the forward pass reads, under its canonical name (the checkpoint's own name
    /// without a model prefix), with its shape. Linear weights are `[out, in]`.
    func tensorShapes() -> [(name: String, shape: [Int])]

    /// Maps a checkpoint tensor name to its canonical form (prefixes such as `bert.` dropped,
    /// LayerNorm `gamma`/`beta` spelled `weight`/`bias`).
    static func canonicalName(_ raw: String) -> String

    /// The settings `embed info` shows, in order, as (label, value) pairs.
    var summary: [(label: String, value: String)] { get }
}

extension EncoderArchitecture {
    /// Drops the first of `prefixes` that `raw` starts with and renames LayerNorm `gamma`/`beta`
    /// to `weight`/`bias`: what most architectures' ``canonicalName(_:)`` does.
    static func canonicalName(_ raw: String, droppingPrefixes prefixes: [String]) -> String {
        var name = raw
        if let prefix = prefixes.first(where: { raw.hasPrefix($0) }) { name = String(raw.dropFirst(prefix.count)) }
        if name.hasSuffix(".gamma") {
            name = String(name.dropLast("gamma".count)) + "weight"
        } else if name.hasSuffix(".beta") {
            name = String(name.dropLast("beta".count)) + "bias"
        }
        return name
    }

    /// The sizes every architecture has, for ``summary``.
    var sizeSummary: [(label: String, value: String)] {
        [
            ("layers", "\(layerCount)"), ("hidden size", "\(hiddenSize)"), ("attention heads", "\(attentionHeadCount)"),
            ("intermediate size", "\(intermediateSize)"), ("vocabulary", "\(vocabularySize)"),
            ("positions", "\(maximumSequenceLength)"),
        ]
    }

    /// Checks sizes read from `config.json`: each of `sizes` (config key, value) positive, and
    /// the heads dividing the hidden size. Messages use the keys, so a user finds the setting.
    func validateSizes(_ sizes: KeyValuePairs<String, Int>, hiddenKey: String = "hidden_size",
                       headsKey: String = "num_attention_heads") -> String? {
        for (key, value) in sizes where value <= 0 {
            return "\(key) must be positive; it is \(value)."
        }
        guard attentionHeadCount > 0, hiddenSize % attentionHeadCount == 0 else {
            return "\(hiddenKey) \(hiddenSize) is not a multiple of \(headsKey) \(attentionHeadCount)."
        }
        return nil
    }
}

/// What the forward pass of an architecture needs from it: binding weights into an encoder.
/// Internal, so that the shared blocks stay an implementation detail.
protocol EncoderBuilding: EncoderArchitecture {
    /// Binds every weight (checking names and shapes) into a runnable encoder.
    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder
}

/// A forward pass: token ids in, `last_hidden_state` out.
protocol TokenEncoder: Sendable {
    /// The buffers the pass needs per token.
    var workspaceShape: WorkspaceShape { get }

    /// Runs the encoder over a packed batch and leaves `last_hidden_state` (`[tokens × hidden]`,
    /// sequences back to back) in `workspace.hidden`.
    ///
    /// - Precondition: every token id is in the vocabulary and no sequence is longer than the
    ///   architecture's maximum (the caller validates both).
    /// - Parameter parts: Threads to split each step over (1 runs everything on the caller's).
    func forward(_ batch: PackedBatch, workspace: Workspace, parts: Int)
}

/// The architectures this runtime runs.
public enum EncoderArchitectures {
    /// Every registered architecture. Register a new one here.
    static let all: [any EncoderBuilding.Type] = [
        Bert.Configuration.self,
        MPNet.Configuration.self,
        DistilBert.Configuration.self,
        ModernBert.Configuration.self,
        NomicBert.Configuration.self,
    ]

    /// The architecture recorded under `name` in model files.
    static func named(_ name: String) -> (any EncoderBuilding.Type)? {
        all.first { $0.architectureName == name }
    }

    /// The architecture that runs `config.json`'s `model_type`.
    static func running(modelType: String) -> (any EncoderBuilding.Type)? {
        all.first { $0.modelTypes.contains(modelType) }
    }

    /// Every `model_type` this runtime runs, sorted.
    public static var supportedModelTypes: [String] { all.flatMap { type in type.modelTypes }.sorted() }

    /// Every architecture name model files may record, in registration order.
    public static var names: [String] { all.map { type in type.architectureName } }
}

/// A model's encoder configuration, whatever its architecture: what ``ModelDescription`` holds
/// and model files store as `{"architecture": "mpnet", "configuration": {…}}`.
public struct EncoderConfiguration: Codable, Sendable, Hashable {
    /// The architecture's own configuration.
    public let architecture: any EncoderArchitecture

    /// Wraps an architecture's configuration.
    public init(_ architecture: any EncoderArchitecture) {
        self.architecture = architecture
    }

    /// Reads `config.json` with the architecture its `model_type` names (BERT when it names
    /// none, as transformers' oldest BERT configurations do).
    ///
    /// - Throws: ``ModelDescriptionError``: an unsupported `model_type` lists the supported ones.
    public init(configFile: TransformerConfigFile) throws(ModelDescriptionError) {
        let modelType = configFile.modelType ?? "bert"
        guard let type = EncoderArchitectures.running(modelType: modelType) else {
            throw .unsupported(configFile.path, "model_type \"\(modelType)\" is not supported; supported model types: \(EncoderArchitectures.supportedModelTypes.joined(separator: ", ")).")
        }
        let architecture = try type.init(configFile: configFile)
        if let problem = architecture.validate() { throw .invalidValue(configFile.path, problem) }
        self.architecture = architecture
    }

    /// The architecture's name in model files (`"bert"`, `"mpnet"`, …).
    public var name: String { type(of: architecture).architectureName }
    /// Width of the hidden states.
    public var hiddenSize: Int { architecture.hiddenSize }
    /// Rows of the token-embedding table.
    public var vocabularySize: Int { architecture.vocabularySize }
    /// Number of transformer layers.
    public var layerCount: Int { architecture.layerCount }
    /// Attention heads per layer.
    public var attentionHeadCount: Int { architecture.attentionHeadCount }
    /// Width of the feed-forward layer.
    public var intermediateSize: Int { architecture.intermediateSize }
    /// The most tokens one sequence may have.
    public var maximumSequenceLength: Int { architecture.maximumSequenceLength }
    /// The settings `embed info` shows.
    public var summary: [(label: String, value: String)] { architecture.summary }

    /// The configuration as architecture `A`, or `nil` when it is another one.
    public func configuration<A: EncoderArchitecture>(as type: A.Type) -> A? { architecture as? A }

    /// Every tensor the forward pass reads, canonical names and shapes.
    public func tensorShapes() -> [(name: String, shape: [Int])] { architecture.tensorShapes() }

    /// Maps a checkpoint tensor name to the canonical one.
    public func canonicalName(_ raw: String) -> String { type(of: architecture).canonicalName(raw) }

    /// Returns a description of the first inconsistency, or `nil`.
    public func validate() -> String? { architecture.validate() }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        guard let buildable = architecture as? any EncoderBuilding else {
            throw .invalidDescription("the architecture \"\(name)\" has no forward pass in this build.")
        }
        return try buildable.makeEncoder(weights)
    }

    // MARK: Equatable, Hashable, Codable

    public static func == (lhs: Self, rhs: Self) -> Bool {
        AnyHashable(lhs.architecture) == AnyHashable(rhs.architecture)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(AnyHashable(architecture))
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, configuration
    }

    /// Decodes `{"architecture": NAME, "configuration": {…}}`.
    ///
    /// - Throws: `DecodingError` naming the architecture when this build does not know it, with
    ///   the ones it does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .architecture)
        guard let type = EncoderArchitectures.named(name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .architecture, in: container,
                debugDescription: "unknown architecture \"\(name)\"; this build runs \(EncoderArchitectures.names.joined(separator: ", ")). A newer swift-embed may run it, or re-run `embed convert` with this one")
        }
        architecture = try type.init(from: container.superDecoder(forKey: .configuration))
    }

    /// Encodes `{"architecture": NAME, "configuration": {…}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .architecture)
        try architecture.encode(to: container.superEncoder(forKey: .configuration))
    }
}
