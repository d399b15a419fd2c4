import Foundation
import EmbedCore

/// One model a server answers for: an engine, the name clients use for it, other names it
/// answers to, and optionally batching limits of its own.
///
/// ```swift
/// let models = [
///     ServedModel(embedder: miniLM, aliases: ["all-minilm"]),
///     ServedModel(name: "nomic-embed-text", embedder: nomic),
///     ServedModel(name: "text-embedding-3-small", embedder: openAI, maxConcurrentBatches: 8),
/// ]
/// let app = buildApplication(configuration: ServerConfiguration(), models: models, logger: logger)
/// ```
///
/// A request names its model in `model` (OpenAI and Ollama bodies). A name answers for a model
/// when it equals, ignoring case and an Ollama `:latest` tag, the model's ``name``, its engine's
/// own ``EmbedCore/Embedder/modelName`` or one of its ``aliases`` — or when its last path
/// component does (`sentence-transformers/all-MiniLM-L6-v2` and `all-MiniLM-L6-v2` name the same
/// model). Every model has its own batch queue, so a slow model never holds up a fast one.
public struct ServedModel: Sendable {
    /// The name clients use and the server reports, or `nil` for the engine's own model name.
    public var name: String?
    /// Further names the model answers to (`all-minilm` for `all-MiniLM-L6-v2`).
    public var aliases: [String]
    /// The engine.
    public var embedder: any Embedder
    /// The architecture Ollama's model routes report as the model's family (`bert`, `mpnet`),
    /// or `nil` for `bert` when the engine tokenizes and `remote` when it does not.
    public var architecture: String?
    /// Whether to embed one short text before the server accepts connections, so that the first
    /// client does not pay for loading the model's pages. ``ServerConfiguration/warmsUpBeforeServing``
    /// warms every model.
    public var warmsUp: Bool

    /// This model's ``ServerConfiguration/maxBatchSize``, or `nil` for the server's.
    public var maxBatchSize: Int?
    /// This model's ``ServerConfiguration/maxBatchTokens``, or `nil` for the server's.
    public var maxBatchTokens: Int?
    /// This model's ``ServerConfiguration/maxBatchWait``, or `nil` for the server's.
    public var maxBatchWait: Duration?
    /// This model's ``ServerConfiguration/queueCapacity``, or `nil` for the server's.
    public var queueCapacity: Int?
    /// This model's ``ServerConfiguration/maxConcurrentBatches``, or `nil` for the server's. A
    /// hosted engine, whose calls mostly wait on the network, usually wants more than one.
    public var maxConcurrentBatches: Int?

    /// Creates a served model; every parameter but the engine has the default documented on its
    /// property.
    public init(
        name: String? = nil,
        aliases: [String] = [],
        embedder: any Embedder,
        architecture: String? = nil,
        warmsUp: Bool = false,
        maxBatchSize: Int? = nil,
        maxBatchTokens: Int? = nil,
        maxBatchWait: Duration? = nil,
        queueCapacity: Int? = nil,
        maxConcurrentBatches: Int? = nil
    ) {
        self.name = name
        self.aliases = aliases
        self.embedder = embedder
        self.architecture = architecture
        self.warmsUp = warmsUp
        self.maxBatchSize = maxBatchSize
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchWait = maxBatchWait
        self.queueCapacity = queueCapacity
        self.maxConcurrentBatches = maxConcurrentBatches
    }

    /// The name clients use: ``name``, else the engine's.
    public var servedName: String { name ?? embedder.modelName }

    /// The problems that make this model unservable, one sentence each.
    var problems: [String] {
        var problems: [String] = []
        let label = "Model '\(servedName)'"
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("A model's name must not be empty.") }
        if aliases.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problems.append("\(label) has an empty alias.")
        }
        if let maxBatchSize, maxBatchSize < 1 { problems.append("\(label): maxBatchSize must be at least 1; got \(maxBatchSize).") }
        if let maxBatchTokens, maxBatchTokens < 1 { problems.append("\(label): maxBatchTokens must be at least 1; got \(maxBatchTokens).") }
        if let maxBatchWait, maxBatchWait < .zero { problems.append("\(label): maxBatchWait must not be negative; got \(maxBatchWait).") }
        if let queueCapacity, queueCapacity < 1 { problems.append("\(label): queueCapacity must be at least 1; got \(queueCapacity).") }
        if let maxConcurrentBatches, maxConcurrentBatches < 1 {
            problems.append("\(label): maxConcurrentBatches must be at least 1; got \(maxConcurrentBatches).")
        }
        return problems
    }
}
