import EmbedCache
import EmbedHub
import AsyncHTTPClient
import EmbedCompare
import EmbedConfiguration
import EmbedCore
import EmbedLocal
import EmbedProviders
import Foundation

/// An embedder together with what identifies its vectors in a ``EmbedCompare/VectorCache``.
public struct ResolvedEmbedder: Sendable {
    /// The embedder.
    public let embedder: any Embedder
    /// The ``EmbedCompare/CacheKey/provider`` part of cache keys: the engine and every setting
    /// besides the model name and per-call options that changes the vectors — never a secret.
    public let cacheIdentity: String
    /// The configuration of a hosted or server provider; `nil` for a local model.
    public let configuration: EmbedderConfiguration?

    /// Creates a resolved embedder.
    public init(embedder: any Embedder, cacheIdentity: String, configuration: EmbedderConfiguration?) {
        self.embedder = embedder
        self.cacheIdentity = cacheIdentity
        self.configuration = configuration
    }

    /// Texts per call when the user does not say: 256 for a local model, whose forward pass
    /// already uses every core at that size; 4096 for a provider, whose client splits a call into
    /// requests of the provider's size limit and keeps several in flight — so a call must hold
    /// several requests' worth (4096 is 2 OpenAI requests, 16 Ollama ones, 41 Gemini ones).
    public var defaultBatchSize: Int { configuration == nil ? 256 : 4096 }

    /// The embedder, answering from `cache` where it can.
    public func cached(in cache: VectorCache) -> CachingEmbedder {
        CachingEmbedder(base: embedder, cache: cache, provider: cacheIdentity)
    }
}

extension EmbedderFactory {
    /// Builds the embedder the options select, as
    /// ``make(model:provider:configurationFile:threads:environment:httpClient:)`` does, and says
    /// how its vectors are identified in a cache.
    ///
    /// A provider's embedder is also wrapped so that an explicit ``EmbeddingOptions/prompt`` is
    /// put before each text, as the local runtime does (providers have no prompt field).
    ///
    /// - Throws: What ``make(model:provider:configurationFile:threads:environment:httpClient:)`` throws.
    public static func resolve(
        model: String?, provider: String?, configurationFile: String?, threads: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = ProviderHTTPClient.shared
    ) throws -> ResolvedEmbedder {
        var configuration: EmbedderConfiguration?
        if let configurationFile {
            configuration = try loadConfiguration(path: configurationFile)
            if let model { configuration?.model = model }
        } else if let provider {
            configuration = try EmbedderConfiguration(provider: provider, model: model)
        }
        if let configuration {
            return try resolve(configuration: configuration, threads: threads, environment: environment, httpClient: httpClient)
        }
        return try resolveLocal(model: model, threads: threads, environment: environment)
    }

    /// Returns the embedder a configuration selects: its provider, or the local model it names
    /// for the `local` provider.
    public static func resolve(
        configuration: EmbedderConfiguration, threads: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = ProviderHTTPClient.shared
    ) throws -> ResolvedEmbedder {
        if let remote = try RemoteEmbedders.make(configuration, environment: environment, httpClient: httpClient) {
            return ResolvedEmbedder(
                embedder: PromptPrefixingEmbedder(base: remote),
                cacheIdentity: CacheIdentity.remote(configuration, environment: environment),
                configuration: configuration)
        }
        return try resolveLocal(model: configuration.model, threads: threads, environment: environment)
    }

    private static func resolveLocal(model: String?, threads: Int?, environment: [String: String]) throws -> ResolvedEmbedder {
        let url = try ModelLocator(environment: environment).resolve(model)
        let localModel = try LocalModel(contentsOf: url, encoderOptions: SentenceEncoder.Options(threadCount: threads, environment: environment))
        return ResolvedEmbedder(
            embedder: LocalEmbedder(model: localModel), cacheIdentity: CacheIdentity.local(localModel, url: url),
            configuration: nil)
    }
}

/// How resolved embedders are named in cache keys.
enum CacheIdentity {
    /// `local:CHECKSUM` for an exported file (the header checksum covers metadata and weights,
    /// so a re-export with other weights or storage gets new entries), or
    /// `local-folder:PATH@MTIME` for a folder loaded directly.
    static func local(_ model: LocalModel, url: URL) -> String {
        if let file = model.file { return "local:\(file.checksum)" }
        let folder = url.standardizedFileURL
        let modified = (try? FileManager.default.attributesOfItem(atPath: folder.path)[.modificationDate] as? Date)
            .flatMap { $0 }.map { String(Int($0.timeIntervalSince1970)) } ?? "?"
        return "local-folder:\(folder.path)@\(modified)"
    }

    /// `PROVIDER;key=value;…` over the settings that change vectors
    /// (``EmbedderConfiguration/vectorIdentity``) and the environment variables that move a
    /// provider's endpoint (``RemoteEmbedders/endpointVariables``).
    static func remote(_ c: EmbedderConfiguration, environment: [String: String]) -> String {
        var fields = c.vectorIdentity.map { ($0.name, $0.value) }
        for name in RemoteEmbedders.endpointVariables {
            if let value = environment[name], !value.isEmpty { fields.append(("$" + name, value)) }
        }
        let described = fields.map { key, value in "\(key)=\(value.utf8.count):\(value)" }
        return ([c.provider.rawValue] + described).joined(separator: ";")
    }
}

/// Puts an explicit prompt before each text for an engine that has no prompt of its own (the
/// hosted and server providers), so that `--prompt` means the same everywhere.
struct PromptPrefixingEmbedder: Embedder {
    let base: any Embedder

    var modelName: String { base.modelName }
    var dimensions: Int? { base.dimensions }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        if let name = options.promptName, options.prompt == nil {
            throw EmbeddingError.invalidOption(
                "A prompt name (\"\(name)\") picks one of a local model's prompts; \(base.modelName) has none. Pass the prompt text instead (--prompt).")
        }
        guard let prompt = options.prompt, !prompt.isEmpty else { return try await base.embed(texts, options: options) }
        var forwarded = options
        forwarded.prompt = nil
        return try await base.embed(texts.map { prompt + $0 }, options: forwarded)
    }
}
