import EmbedConfiguration
import EmbedCore

/// The registration of Azure OpenAI: how a configuration naming it becomes its embedder.
public enum AzureOpenAIProvider: RemoteProvider {
    public static func ownEndpoint(in configuration: EmbedderConfiguration) -> (key: String, value: String?)? {
        ("azure_kwargs.azure_endpoint", configuration.azure?.endpoint)
    }
    public static let endpointVariables = ["EMBEDDING_AZURE_ENDPOINT", "AZURE_OPENAI_ENDPOINT"]
    public static let replacesNewlinesByDefault: Bool? = true

    public static func embedder(for c: EmbedderConfiguration, context: RemoteProviderContext) throws(ConfigurationError)
        -> (any Embedder)? {
        let azure = c.azure ?? AzureSettings()
        var configuration = try AzureOpenAIConfiguration(
            endpoint: context.endpoint?.value, deployment: azure.deployment, model: c.model,
            apiVersion: azure.apiVersion, apiKey: azure.apiKey ?? c.apiKey, adToken: azure.adToken ?? c.accessToken,
            defaultHeaders: azure.defaultHeaders, dimensions: c.embeddingDims, extraBody: c.modelKwargs,
            replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? false, transport: context.transport,
            environment: context.environment)
        configuration.endpointSource = context.endpoint?.source ?? configuration.endpointSource
        return AzureOpenAIEmbedder(configuration: configuration, httpClient: context.httpClient)
    }
}
