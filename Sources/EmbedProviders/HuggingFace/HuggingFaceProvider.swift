import EmbedConfiguration
import EmbedCore

/// The registration of Text Embeddings Inference, Hugging Face endpoints and the hosted Inference API: how a configuration naming it becomes its embedder.
public enum HuggingFaceProvider: RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? {
        ("huggingface_base_url", configuration.huggingFaceBaseURL)
    }
    public static let endpointVariables = ["HUGGINGFACE_BASE_URL"]

    /// `nil` (the local runtime) unless a base URL or an API is configured, as mem0 does.
    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        guard c.huggingFaceBaseURL != nil || c.huggingFaceAPI != nil else { return nil }
        var configuration = try HuggingFaceConfiguration(
            api: c.huggingFaceAPI, baseURL: context.endpoint?.value, model: c.model, apiKey: c.apiKey,
            dimensions: c.embeddingDims, extraBody: c.modelKwargs, normalizes: c.normalize ?? false,
            transport: context.transport, environment: context.environment)
        configuration.baseURLSource = context.endpoint?.source ?? configuration.baseURLSource
        return HuggingFaceEmbedder(configuration: configuration, httpClient: context.httpClient)
    }
}
