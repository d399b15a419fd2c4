import EmbedConfiguration
import EmbedCore

/// The registration of Together AI: how a configuration naming it becomes its embedder.
public enum TogetherProvider: RemoteProvider {
    public static let endpointVariables = ["TOGETHER_BASE_URL", "TOGETHER_API_BASE"]

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        TogetherEmbedder(
            configuration: try TogetherConfiguration(
                model: c.model, apiKey: c.apiKey, baseURL: c.baseURL, dimensions: c.embeddingDims,
                extraBody: c.modelKwargs, normalizes: c.normalize ?? false, transport: context.transport,
                environment: context.environment),
            httpClient: context.httpClient)
    }
}
