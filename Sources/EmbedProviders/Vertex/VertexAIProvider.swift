import EmbedConfiguration
import EmbedCore

/// The registration of Vertex AI: how a configuration naming it becomes its embedder.
public enum VertexAIProvider: RemoteProvider {
    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        VertexAIEmbedder(
            configuration: try VertexAIConfiguration(
                model: c.model, projectID: c.projectID, location: c.location, baseURL: c.baseURL,
                accessToken: c.accessToken, credentialsFile: c.vertexCredentialsJSON,
                outputDimensionality: c.embeddingDims ?? c.outputDimensionality
                    ?? VertexAIConfiguration.defaultOutputDimensionality,
                taskTypes: GoogleTaskTypes(memoryTypesOf: c, unspecified: "SEMANTIC_SIMILARITY"), extraParameters: c.modelKwargs,
                normalizes: c.normalize ?? true, transport: context.transport, environment: context.environment),
            httpClient: context.httpClient)
    }
}
