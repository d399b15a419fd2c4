import EmbedConfiguration
import EmbedCore
import Foundation

/// One model `embed serve` is asked to serve, as written: `--model [NAME=]SPEC` or an entry of a
/// models file (``ServedModelsFile``).
///
/// `SPEC` is anything ``EmbedderSpec`` reads — a local model's path or name,
/// `PROVIDER:MODEL` (`openai:text-embedding-3-small`, `ollama:nomic-embed-text`) or a mem0
/// configuration file — and `NAME` the name clients use for it (default: the engine's own).
public struct ServedModelSpec: Sendable, Hashable {
    /// Where the model's vectors come from.
    public enum Source: Sendable, Hashable {
        /// A spec as `embed compare` reads it.
        case spec(EmbedderSpec)
        /// A mem0-style embedder configuration written inline in a models file.
        case configuration(EmbedderConfiguration)
    }

    /// The name clients use, or `nil` for the engine's own model name.
    public var name: String?
    /// Further names the model answers to.
    public var aliases: [String]
    /// Where the vectors come from.
    public var source: Source
    /// This model's batching limits, or `nil` for the server's (see `embed serve --help`).
    public var maxBatchSize: Int?
    public var maxBatchTokens: Int?
    public var maxBatchWaitMilliseconds: Int?
    public var queueCapacity: Int?
    public var maxConcurrentBatches: Int?

    /// Creates a spec.
    public init(
        name: String? = nil, aliases: [String] = [], source: Source, maxBatchSize: Int? = nil, maxBatchTokens: Int? = nil,
        maxBatchWaitMilliseconds: Int? = nil, queueCapacity: Int? = nil, maxConcurrentBatches: Int? = nil
    ) {
        self.name = name
        self.aliases = aliases
        self.source = source
        self.maxBatchSize = maxBatchSize
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchWaitMilliseconds = maxBatchWaitMilliseconds
        self.queueCapacity = queueCapacity
        self.maxConcurrentBatches = maxConcurrentBatches
    }

    /// Reads `--model [NAME=]SPEC`. A whole argument that is an existing path is a spec even when
    /// it contains `=`.
    ///
    /// - Throws: ``EmbedderSpecError`` for an empty name or a spec that cannot be read.
    public init(argument: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws(EmbedderSpecError) {
        var name: String?
        var spec = argument
        if !fileExists(argument), let equals = argument.firstIndex(of: "=") {
            name = argument[..<equals].trimmingCharacters(in: .whitespaces)
            spec = String(argument[argument.index(after: equals)...])
            if name?.isEmpty == true {
                throw EmbedderSpecError(spec: argument, reason: "the name before '=' is empty (write NAME=MODEL, or just MODEL)")
            }
        }
        self.init(name: name, source: .spec(try EmbedderSpec(spec, fileExists: fileExists)))
    }

    /// The same source written twice resolves to one engine (one mapping of a model file).
    public var sourceKey: String {
        switch source {
        case .spec(let spec): "spec:\(spec.kind)"
        case .configuration(let configuration): "configuration:\(configuration)"
        }
    }

    /// Builds the engine.
    ///
    /// - Parameter threads: A local model's forward-pass threads; `nil` reads `EMBED_THREADS`.
    public func resolve(threads: Int? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedEmbedder {
        switch source {
        case .spec(let spec):
            try spec.resolve(threads: threads, environment: environment)
        case .configuration(let configuration):
            try EmbedderFactory.resolve(configuration: configuration, threads: threads, environment: environment)
        }
    }
}

/// A models file for `embed serve --config`: several models, each with its name, aliases and
/// limits. JSON or YAML:
///
/// ```yaml
/// tei_model: all-minilm            # optional: the model TEI's /embed and /info use
/// models:
///   - model: all-MiniLM-L6-v2      # a local model, PROVIDER:MODEL, or a mem0 file
///     name: all-minilm             # optional: the name clients use
///     aliases: [all-MiniLM-L6-v2]  # optional
///   - name: text-embedding-3-small
///     embedder:                    # or a mem0 embedder section, inline
///       provider: openai
///       config: {model: text-embedding-3-small}
///     max_concurrent_batches: 8    # optional limits: max_batch_size, max_batch_tokens,
///                                  # max_batch_wait_ms, queue_capacity, max_concurrent_batches
/// ```
///
/// A file without `models` is a mem0 configuration of one embedder, which `--config` also takes.
public struct ServedModelsFile: Sendable, Hashable {
    /// The models, in the order written; the first is the default.
    public var models: [ServedModelSpec]
    /// The model TEI's routes use, when not the first.
    public var teiModel: String?

    /// The keys a models file may hold, and those of an entry.
    static let fileKeys: Set<String> = ["models", "tei_model"]
    static let entryKeys: Set<String> = [
        "model", "embedder", "name", "aliases", "max_batch_size", "max_batch_tokens", "max_batch_wait_ms", "queue_capacity",
        "max_concurrent_batches",
    ]

    /// Reads a models file, or returns `nil` when the document has no `models` key (a mem0
    /// configuration of one embedder).
    ///
    /// - Throws: ``ConfigurationFileError`` naming the file and what is wrong.
    public static func load(path: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> ServedModelsFile? {
        try EmbedderFactory.loadDocument(path: path) { json throws(ConfigurationError) -> ServedModelsFile? in
            guard let object = json.objectValue, object["models"] != nil else { return nil }
            return try ServedModelsFile(json: object, fileExists: fileExists)
        }
    }

    /// Reads the tree of a models file.
    init(json object: [String: JSONValue], fileExists: (String) -> Bool) throws(ConfigurationError) {
        if let unknown = object.keys.sorted().first(where: { !Self.fileKeys.contains($0) }) {
            throw ConfigurationError.invalidValue(at: unknown, expected: "one of \(Self.fileKeys.sorted().joined(separator: ", "))", found: "an unknown key")
        }
        guard let entries = object["models"]?.arrayValue, !entries.isEmpty else {
            throw ConfigurationError.invalidValue(at: "models", expected: "a non-empty list", found: object["models"]?.typeDescription ?? "nothing")
        }
        teiModel = try Self.string(object["tei_model"], at: "tei_model")
        models = try entries.enumerated().map { (index, entry) throws(ConfigurationError) in
            try Self.entry(entry, at: "models[\(index)]", fileExists: fileExists)
        }
    }

    private static func entry(_ json: JSONValue, at path: String, fileExists: (String) -> Bool) throws(ConfigurationError) -> ServedModelSpec {
        guard let object = json.objectValue else {
            throw ConfigurationError.invalidValue(at: path, expected: "an object with 'model' or 'embedder'", found: json.typeDescription)
        }
        if let unknown = object.keys.sorted().first(where: { !entryKeys.contains($0) }) {
            throw ConfigurationError.invalidValue(
                at: "\(path).\(unknown)", expected: "one of \(entryKeys.sorted().joined(separator: ", "))", found: "an unknown key")
        }
        let source: ServedModelSpec.Source
        switch (object["model"], object["embedder"]) {
        case (let model?, nil):
            guard let text = model.stringValue else {
                throw ConfigurationError.invalidValue(at: "\(path).model", expected: "a string", found: model.typeDescription)
            }
            do {
                source = .spec(try EmbedderSpec(text, fileExists: fileExists))
            } catch {
                throw ConfigurationError.invalidValue(at: "\(path).model", expected: "a model", found: error.description)
            }
        case (nil, let embedder?):
            source = .configuration(try EmbedderConfiguration(json: .object(["embedder": embedder])))
        default:
            throw ConfigurationError.invalidValue(at: path, expected: "exactly one of 'model' and 'embedder'", found: "\(object["model"] == nil ? "neither" : "both")")
        }
        var aliases: [String] = []
        if let value = object["aliases"] {
            guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
                throw ConfigurationError.invalidValue(at: "\(path).aliases", expected: "a list of strings", found: value.typeDescription)
            }
            aliases = list
        }
        return ServedModelSpec(
            name: try string(object["name"], at: "\(path).name"),
            aliases: aliases,
            source: source,
            maxBatchSize: try positive(object["max_batch_size"], at: "\(path).max_batch_size"),
            maxBatchTokens: try positive(object["max_batch_tokens"], at: "\(path).max_batch_tokens"),
            maxBatchWaitMilliseconds: try positive(object["max_batch_wait_ms"], at: "\(path).max_batch_wait_ms", allowingZero: true),
            queueCapacity: try positive(object["queue_capacity"], at: "\(path).queue_capacity"),
            maxConcurrentBatches: try positive(object["max_concurrent_batches"], at: "\(path).max_concurrent_batches")
        )
    }

    private static func string(_ value: JSONValue?, at path: String) throws(ConfigurationError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, !text.isEmpty else {
            throw ConfigurationError.invalidValue(at: path, expected: "a non-empty string", found: value.typeDescription)
        }
        return text
    }

    private static func positive(_ value: JSONValue?, at path: String, allowingZero: Bool = false) throws(ConfigurationError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.intValue, number >= (allowingZero ? 0 : 1) else {
            throw ConfigurationError.invalidValue(
                at: path, expected: allowingZero ? "a whole number ≥ 0" : "a whole number ≥ 1", found: value.typeDescription)
        }
        return number
    }
}
