import EmbedConfiguration
import EmbedCore

/// The registration of LM Studio's OpenAI-compatible server: how a configuration naming it becomes its embedder.
public enum LMStudioProvider: RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? {
        ("lmstudio_base_url", configuration.lmStudioBaseURL)
    }
    public static let replacesNewlinesByDefault: Bool? = true

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        var configuration = try LMStudioConfiguration(
            model: c.model, apiKey: c.apiKey, baseURL: context.endpoint?.value, dimensions: c.embeddingDims,
            extraBody: c.modelKwargs, replacesNewlines: c.replaceNewlines ?? true,
            normalizes: c.normalize ?? false, transport: context.transport)
        configuration.baseURLSource = context.endpoint?.source ?? configuration.baseURLSource
        return LMStudioEmbedder(configuration: configuration, httpClient: context.httpClient)
    }
}
