import EmbedConfiguration
import EmbedCore

/// The registration of the Gemini API: how a configuration naming it becomes its embedder.
public enum GeminiProvider: RemoteProvider {
    public static let replacesNewlinesByDefault: Bool? = true

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        GeminiEmbedder(
            configuration: try GeminiConfiguration(
                model: c.model, apiKey: c.apiKey, baseURL: c.baseURL,
                outputDimensionality: c.embeddingDims ?? c.outputDimensionality
                    ?? GeminiConfiguration.defaultOutputDimensionality,
                taskTypes: GoogleTaskTypes(memoryTypesOf: c, unspecified: nil), extraRequestFields: c.modelKwargs,
                replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? true, transport: context.transport,
                environment: context.environment),
            httpClient: context.httpClient)
    }
}
