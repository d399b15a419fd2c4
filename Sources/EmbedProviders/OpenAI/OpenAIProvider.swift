import EmbedConfiguration
import EmbedCore

/// The registration of OpenAI, or any server that speaks its `/v1/embeddings` API: how a configuration naming it becomes its embedder.
public enum OpenAIProvider: RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? {
        ("openai_base_url", configuration.openAIBaseURL)
    }
    public static let endpointVariables = ["OPENAI_API_BASE", "OPENAI_BASE_URL"]
    public static let replacesNewlinesByDefault: Bool? = true

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        var configuration = try OpenAIConfiguration(
            model: c.model, apiKey: c.apiKey, baseURL: context.endpoint?.value, dimensions: c.embeddingDims,
            extraBody: c.modelKwargs, replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? false,
            transport: context.transport, environment: context.environment)
        configuration.baseURLSource = context.endpoint?.source ?? configuration.baseURLSource
        return OpenAIEmbedder(configuration: configuration, httpClient: context.httpClient)
    }
}
