import EmbedHub
import EmbedConfiguration
import EmbedCore
import Foundation

/// One side of `embed compare`, as written on the command line: a local model, `provider:model`,
/// or a configuration file.
///
/// Read in this order:
/// 1. a path ending in `.json`, `.yaml` or `.yml` → a mem0-style configuration file (which must
///    exist);
/// 2. an existing file or folder → a local model (an exported `.embed` file or a
///    sentence-transformers folder);
/// 3. `PROVIDER:MODEL` where `PROVIDER` is a provider name (`openai`, `ollama`, …, `local`) →
///    that provider and model (`PROVIDER:` alone uses the provider's default model);
/// 4. anything else → a local model name, looked up like `--model`.
public struct EmbedderSpec: Sendable, Hashable, CustomStringConvertible {
    /// What the spec selects.
    public enum Kind: Sendable, Hashable {
        /// A local model: a name or a path.
        case local(model: String)
        /// A provider and its model (`nil` for the provider's default).
        case provider(EmbedderProvider, model: String?)
        /// A configuration file in mem0's shape.
        case configurationFile(path: String)
    }

    /// The spec as written.
    public let text: String
    /// What it selects.
    public let kind: Kind

    /// Parses a spec.
    ///
    /// - Parameters:
    ///   - text: The spec.
    ///   - fileExists: Whether a path exists; the file system by default.
    /// - Throws: ``EmbedderSpecError`` for an empty spec, a missing configuration file or an
    ///   unknown provider name before `:`.
    public init(_ text: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws(EmbedderSpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw EmbedderSpecError(spec: text, reason: "it is empty") }
        self.text = trimmed
        let lowered = trimmed.lowercased()
        if [".json", ".yaml", ".yml"].contains(where: { lowered.hasSuffix($0) }) {
            guard fileExists(trimmed) else {
                throw EmbedderSpecError(spec: trimmed, reason: "the configuration file does not exist")
            }
            kind = .configurationFile(path: trimmed)
            return
        }
        if fileExists(trimmed) {
            kind = .local(model: trimmed)
            return
        }
        if let colon = trimmed.firstIndex(of: ":") {
            let prefix = String(trimmed[..<colon])
            let rest = String(trimmed[trimmed.index(after: colon)...])
            // A prefix with a path separator is a path, not a provider.
            if !prefix.contains("/") {
                let provider: EmbedderProvider
                do {
                    provider = try EmbedderProvider(configurationName: prefix)
                } catch {
                    throw EmbedderSpecError(spec: trimmed, reason: "\(error)")
                }
                kind = provider == .local
                    ? .local(model: rest.isEmpty ? ModelLocator.defaultModelName : rest)
                    : .provider(provider, model: rest.isEmpty ? nil : rest)
                return
            }
        }
        kind = .local(model: trimmed)
    }

    public var description: String { text }

    /// Builds the embedder the spec selects (see ``EmbedderFactory/resolve(model:provider:configurationFile:environment:httpClient:)``).
    ///
    /// - Parameter threads: A local model's forward-pass threads; `nil` reads `EMBED_THREADS`.
    public func resolve(
        threads: Int? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ResolvedEmbedder {
        switch kind {
        case .local(let model):
            try EmbedderFactory.resolve(model: model, provider: nil, configurationFile: nil, threads: threads, environment: environment)
        case .provider(let provider, let model):
            try EmbedderFactory.resolve(
                model: model, provider: provider.rawValue, configurationFile: nil, threads: threads, environment: environment)
        case .configurationFile(let path):
            try EmbedderFactory.resolve(model: nil, provider: nil, configurationFile: path, threads: threads, environment: environment)
        }
    }
}

/// A spec that cannot be read.
public struct EmbedderSpecError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The spec.
    public let spec: String
    /// What is wrong.
    public let reason: String

    /// Creates an error.
    public init(spec: String, reason: String) {
        self.spec = spec
        self.reason = reason
    }

    public var description: String {
        "Cannot use \"\(spec)\" as an embedder: \(reason). Expected a local model (name or path), PROVIDER:MODEL (e.g. openai:text-embedding-3-small), or a .json/.yaml configuration file."
    }
}
