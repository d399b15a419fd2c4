import EmbedCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One key of mem0's inner `config` object: its name and aliases, how it is read into an
/// ``EmbedderConfiguration``, and whether it takes part in the vector cache's identity.
///
/// ``EmbedderConfiguration/settings`` lists every key once; parsing, the list of valid keys in
/// error messages and the cache identity are all derived from that list, so a new setting is a
/// property and one row there.
public struct ConfigurationSetting: Sendable {
    /// The key in snake_case, as mem0 spells it.
    public let key: String
    /// Other spellings accepted for it (`google_project_id` for `project_id`).
    public let aliases: [String]
    /// Reads the key from the `config` object into the configuration.
    let read: @Sendable (inout EmbedderConfiguration, ConfigurationObject) throws(ConfigurationError) -> Void
    /// The `(name, value)` pairs the key contributes to the cache identity: empty for keys that
    /// cannot change vectors (credentials, timeouts, batching) or that are unset.
    let identity: @Sendable (EmbedderConfiguration) -> [(String, String)]

    init(_ key: String, aliases: [String] = [],
         read: @escaping @Sendable (inout EmbedderConfiguration, ConfigurationObject) throws(ConfigurationError) -> Void,
         identity: @escaping @Sendable (EmbedderConfiguration) -> [(String, String)] = { _ in [] }) {
        self.key = key
        self.aliases = aliases
        self.read = read
        self.identity = identity
    }

    /// A setting whose value is one field; `changesVectors` puts it in the cache identity.
    static func field<Value: Sendable>(
        _ key: String, _ path: any WritableKeyPath<EmbedderConfiguration, Value?> & Sendable, aliases: [String] = [],
        changesVectors: Bool, read: @escaping @Sendable (ConfigurationObject, String) throws(ConfigurationError) -> Value?,
        describe: @escaping @Sendable (Value) -> String
    ) -> Self {
        Self(key, aliases: aliases,
             read: { (configuration, object) throws(ConfigurationError) in configuration[keyPath: path] = try read(object, key) },
             identity: { configuration in
                 guard changesVectors, let value = configuration[keyPath: path] else { return [] }
                 return [(key, describe(value))]
             })
    }

    static func string(_ key: String, _ path: any WritableKeyPath<EmbedderConfiguration, String?> & Sendable,
                       aliases: [String] = [], changesVectors: Bool) -> Self {
        field(key, path, aliases: aliases, changesVectors: changesVectors,
              read: { (object, key) throws(ConfigurationError) in try object.string(key) }, describe: { $0 })
    }

    static func positiveInt(_ key: String, _ path: any WritableKeyPath<EmbedderConfiguration, Int?> & Sendable,
                            changesVectors: Bool) -> Self {
        field(key, path, changesVectors: changesVectors,
              read: { (object, key) throws(ConfigurationError) in try object.positiveInt(key) }, describe: String.init)
    }

    static func bool(_ key: String, _ path: any WritableKeyPath<EmbedderConfiguration, Bool?> & Sendable,
                     aliases: [String] = [], changesVectors: Bool) -> Self {
        field(key, path, aliases: aliases, changesVectors: changesVectors,
              read: { (object, key) throws(ConfigurationError) in try object.bool(key) }, describe: String.init)
    }
}

extension EmbedderConfiguration {
    /// Every key of the `config` object, once. The order is that of the cache identity's fields.
    ///
    /// To add a setting: a property on ``EmbedderConfiguration`` (with its parameter in
    /// ``init(provider:model:apiKey:embeddingDims:baseURL:ollamaBaseURL:openAIBaseURL:lmStudioBaseURL:huggingFaceBaseURL:huggingFaceAPI:azure:vertexCredentialsJSON:projectID:location:accessToken:modelKwargs:memoryAddEmbeddingType:memoryUpdateEmbeddingType:memorySearchEmbeddingType:outputDimensionality:httpClientProxies:timeout:maxRetries:batchSize:maxConcurrency:autoPull:normalize:replaceNewlines:)``)
    /// and its row here; the provider that uses it reads the property in its own folder.
    public static let settings: [ConfigurationSetting] = [
        .string("model", \.model, changesVectors: false),  // the cache key holds the model itself
        .string("api_key", \.apiKey, changesVectors: false),
        .string("base_url", \.baseURL, changesVectors: true),
        .string("ollama_base_url", \.ollamaBaseURL, changesVectors: true),
        .string("openai_base_url", \.openAIBaseURL, changesVectors: true),
        .string("lmstudio_base_url", \.lmStudioBaseURL, changesVectors: true),
        .string("huggingface_base_url", \.huggingFaceBaseURL, changesVectors: true),
        .field("huggingface_api", \.huggingFaceAPI, changesVectors: true,
               read: { (object, key) throws(ConfigurationError) in try object.enumeration(key, as: HuggingFaceAPI.self) },
               describe: \.rawValue),
        ConfigurationSetting(
            "azure_kwargs",
            read: { (configuration, object) throws(ConfigurationError) in
                guard let inner = try object.object("azure_kwargs") else { return }
                configuration.azure = try AzureSettings(object: inner, path: "\(object.path).azure_kwargs")
            },
            identity: { configuration in
                [("azure_endpoint", configuration.azure?.endpoint), ("azure_deployment", configuration.azure?.deployment),
                 ("azure_api_version", configuration.azure?.apiVersion)]
                    .compactMap { name, value in value.map { (name, $0) } }
            }),
        .string("vertex_credentials_json", \.vertexCredentialsJSON, changesVectors: false),
        .string("project_id", \.projectID, aliases: ["google_project_id"], changesVectors: true),
        .string("location", \.location, aliases: ["google_location"], changesVectors: true),
        .string("access_token", \.accessToken, changesVectors: false),
        .positiveInt("embedding_dims", \.embeddingDims, changesVectors: true),
        .positiveInt("output_dimensionality", \.outputDimensionality, changesVectors: true),
        .bool("normalize", \.normalize, changesVectors: true),
        .bool("replace_newlines", \.replaceNewlines, changesVectors: true),
        .string("memory_add_embedding_type", \.memoryAddEmbeddingType, changesVectors: true),
        .string("memory_update_embedding_type", \.memoryUpdateEmbeddingType, changesVectors: true),
        .string("memory_search_embedding_type", \.memorySearchEmbeddingType, changesVectors: true),
        ConfigurationSetting(
            "model_kwargs",
            read: { (configuration, object) throws(ConfigurationError) in
                configuration.modelKwargs = try object.object("model_kwargs") ?? [:]
            },
            identity: { configuration in
                guard !configuration.modelKwargs.isEmpty else { return [] }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                guard let data = try? encoder.encode(configuration.modelKwargs) else { return [] }
                return [("model_kwargs", String(decoding: data, as: UTF8.self))]
            }),
        ConfigurationSetting(
            "http_client_proxies",
            read: { (configuration, object) in configuration.httpClientProxies = object.value("http_client_proxies") }),
        .field("timeout", \.timeout, changesVectors: false,
               read: { (object, key) throws(ConfigurationError) in try object.positiveSeconds(key) }, describe: { "\($0)" }),
        .field("max_retries", \.maxRetries, changesVectors: false,
               read: { (object, key) throws(ConfigurationError) in try object.nonNegativeInt(key) }, describe: String.init),
        .positiveInt("batch_size", \.batchSize, changesVectors: false),
        .positiveInt("max_concurrency", \.maxConcurrency, changesVectors: false),
        .bool("auto_pull", \.autoPull, aliases: ["ollama_auto_pull"], changesVectors: false),
    ]

    /// The `(name, value)` pairs of the settings that change vectors, in ``settings`` order:
    /// endpoints, API flavour, sizes, normalization, newline handling, task types and extra
    /// request fields — keys, tokens and credentials excluded.
    public var vectorIdentity: [(name: String, value: String)] {
        Self.settings.flatMap { $0.identity(self) }.map { (name: $0.0, value: $0.1) }
    }
}
