import AsyncHTTPClient
import EmbedConfiguration
import EmbedCore
import Foundation

/// One hosted or local-server provider: how an ``EmbedderConfiguration`` naming it becomes its
/// embedder. Each provider's folder holds its configuration, its embedder and its conformance;
/// ``EmbedderProvider/remote`` registers it.
public protocol RemoteProvider: Sendable {
    /// The configuration key that sets this provider's own endpoint (`ollama_base_url`), and its
    /// value in `configuration`; `nil` for providers that read only `base_url`.
    static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)?

    /// Environment variables that move this provider's endpoint when the configuration does not
    /// (they take part in the vector cache's identity).
    static var endpointVariables: [String] { get }

    /// Whether this provider replaces newlines by default (mem0's behaviour); `nil` when
    /// `replace_newlines` does not apply to it.
    static var replacesNewlinesByDefault: Bool? { get }

    /// The embedder `configuration` describes, or `nil` when it means the local runtime.
    ///
    /// - Throws: ``ConfigurationError`` when a required setting is missing or invalid, naming the
    ///   configuration key and environment variables that would supply it.
    static func embedder(for configuration: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)?
}

extension RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? { nil }
    public static var endpointVariables: [String] { [] }
    public static var replacesNewlinesByDefault: Bool? { nil }
}

/// What every provider's factory receives besides the configuration.
public struct RemoteProviderContext: Sendable {
    /// Where environment variables are read.
    public var environment: [String: String]
    /// The client every request goes through.
    public var httpClient: HTTPClient
    /// Transport options with the configuration's `timeout`, `max_retries`, `batch_size` and
    /// `max_concurrency` applied.
    public var transport: TransportOptions
    /// The endpoint the configuration sets (the provider's own key, else `base_url`), with its key.
    public var endpoint: ConfiguredSetting?
    /// Receives progress while Ollama downloads a missing model.
    public var ollamaPullProgress: (@Sendable (OllamaPullProgress) -> Void)?
}

extension EmbedderProvider {
    /// The provider's registration: the type that builds its embedder, or `nil` for the local
    /// runtime. The switch is exhaustive, so a new provider cannot be left out.
    public var remote: (any RemoteProvider.Type)? {
        switch self {
        case .local: nil
        case .openAI: OpenAIProvider.self
        case .azureOpenAI: AzureOpenAIProvider.self
        case .ollama: OllamaProvider.self
        case .huggingFace: HuggingFaceProvider.self
        case .gemini: GeminiProvider.self
        case .vertexAI: VertexAIProvider.self
        case .together: TogetherProvider.self
        case .lmStudio: LMStudioProvider.self
        }
    }
}

extension EmbedderConfiguration {
    /// The endpoint the configuration sets for its provider, with the key that set it: the
    /// provider's own key (`ollama_base_url`, `openai_base_url`, `lmstudio_base_url`,
    /// `huggingface_base_url`, `azure_kwargs.azure_endpoint`) when present, else `base_url`.
    /// `nil` when neither is set (the provider then reads the environment or uses its default).
    public var configuredEndpoint: ConfiguredSetting? {
        if let own = provider.remote?.ownEndpoint(in: self), let value = Self.nonEmpty(own.value) {
            return ConfiguredSetting(key: own.key, value: value)
        }
        if let value = Self.nonEmpty(baseURL) { return ConfiguredSetting(key: "base_url", value: value) }
        return nil
    }

    /// `nil` for `nil`, empty or blank text: an empty string in a file means "unset".
    static func nonEmpty(_ value: String?) -> String? {
        guard let value, value.contains(where: { !$0.isWhitespace }) else { return nil }
        return value
    }
}
