import EmbedConfiguration
import EmbedCore

/// The registration of an Ollama server: how a configuration naming it becomes its embedder.
public enum OllamaProvider: RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? {
        ("ollama_base_url", configuration.ollamaBaseURL)
    }
    public static let endpointVariables = ["OLLAMA_HOST"]

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        var configuration = try OllamaConfiguration(
            model: c.model, baseURL: context.endpoint?.value, apiKey: c.apiKey, dimensions: c.embeddingDims,
            autoPull: c.autoPull ?? true, extraBody: c.modelKwargs, normalizes: c.normalize ?? false,
            transport: context.transport, environment: context.environment)
        configuration.baseURLSource = context.endpoint?.source ?? configuration.baseURLSource
        return OllamaEmbedder(configuration: configuration, httpClient: context.httpClient, pullProgress: context.ollamaPullProgress)
    }
}
