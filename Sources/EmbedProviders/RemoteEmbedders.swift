import AsyncHTTPClient
import EmbedConfiguration
import EmbedCore
import Foundation

/// Builds the HTTP embedder an ``EmbedderConfiguration`` describes.
///
/// ```swift
/// let configuration = try EmbedderConfiguration(jsonData: data)   // mem0's {"embedder": …}
/// if let embedder = try RemoteEmbedders.make(configuration) {
///     let vectors = try await embedder.vectors(["hello"])
/// } else {
///     // The configuration means the local runtime.
/// }
/// ```
public enum RemoteEmbedders {
    /// Returns the provider's embedder, or `nil` when the configuration means the local runtime
    /// (`local`, or `huggingface` with neither `huggingface_base_url` nor `huggingface_api`).
    ///
    /// Each setting is resolved as *configuration, then `environment`, then the provider's
    /// default*; see the provider configuration types for the variables read.
    ///
    /// - Parameters:
    ///   - configuration: The parsed configuration.
    ///   - environment: Where environment variables are read; the process environment by default.
    ///   - httpClient: The client every request goes through; ``ProviderHTTPClient/shared`` by
    ///     default, which reports a server that cannot be reached within seconds. The embedder
    ///     never shuts it down.
    ///   - transport: Base transport options (logger, retry clock, caps); the configuration's
    ///     `timeout`, `max_retries`, `batch_size` and `max_concurrency` override them.
    ///   - ollamaPullProgress: Receives progress while Ollama downloads a missing model.
    /// - Throws: ``ConfigurationError`` when a required setting is missing or invalid, naming the
    ///   configuration key and environment variables that would supply it.
    public static func make(
        _ configuration: EmbedderConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = ProviderHTTPClient.shared,
        transport: TransportOptions = TransportOptions(),
        ollamaPullProgress: (@Sendable (OllamaPullProgress) -> Void)? = nil
    ) throws(ConfigurationError) -> (any Embedder)? {
        let c = configuration
        let transport = Self.transport(transport, from: c)
        // The key that set the endpoint (the provider's own or `base_url`), so that an
        // unreachable server is reported with the key to change.
        let endpoint = c.configuredEndpoint
        if c.replaceNewlines != nil && ![.openAI, .azureOpenAI, .lmStudio, .gemini].contains(c.provider) {
            throw ConfigurationError.unsupported(
                "replace_newlines applies to openai, azure_openai, lmstudio and gemini, not \(c.provider.rawValue).")
        }
        switch c.provider {
        case .local:
            return nil
        case .openAI:
            var configuration = try OpenAIConfiguration(
                model: c.model, apiKey: c.apiKey, baseURL: endpoint?.value, dimensions: c.embeddingDims,
                extraBody: c.modelKwargs, replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? false,
                transport: transport, environment: environment)
            configuration.baseURLSource = endpoint?.source ?? configuration.baseURLSource
            return OpenAIEmbedder(configuration: configuration, httpClient: httpClient)
        case .azureOpenAI:
            let azure = c.azure ?? AzureSettings()
            var configuration = try AzureOpenAIConfiguration(
                endpoint: endpoint?.value, deployment: azure.deployment, model: c.model,
                apiVersion: azure.apiVersion, apiKey: azure.apiKey ?? c.apiKey, adToken: azure.adToken ?? c.accessToken,
                defaultHeaders: azure.defaultHeaders, dimensions: c.embeddingDims, extraBody: c.modelKwargs,
                replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? false, transport: transport,
                environment: environment)
            configuration.endpointSource = endpoint?.source ?? configuration.endpointSource
            return AzureOpenAIEmbedder(configuration: configuration, httpClient: httpClient)
        case .ollama:
            var configuration = try OllamaConfiguration(
                model: c.model, baseURL: endpoint?.value, apiKey: c.apiKey, dimensions: c.embeddingDims,
                autoPull: c.autoPull ?? true, extraBody: c.modelKwargs, normalizes: c.normalize ?? false,
                transport: transport, environment: environment)
            configuration.baseURLSource = endpoint?.source ?? configuration.baseURLSource
            return OllamaEmbedder(configuration: configuration, httpClient: httpClient, pullProgress: ollamaPullProgress)
        case .huggingFace:
            guard c.huggingFaceBaseURL != nil || c.huggingFaceAPI != nil else { return nil }
            var configuration = try HuggingFaceConfiguration(
                api: c.huggingFaceAPI, baseURL: endpoint?.value, model: c.model, apiKey: c.apiKey,
                dimensions: c.embeddingDims, extraBody: c.modelKwargs, normalizes: c.normalize ?? false,
                transport: transport, environment: environment)
            configuration.baseURLSource = endpoint?.source ?? configuration.baseURLSource
            return HuggingFaceEmbedder(configuration: configuration, httpClient: httpClient)
        case .gemini:
            return GeminiEmbedder(
                configuration: try GeminiConfiguration(
                    model: c.model, apiKey: c.apiKey, baseURL: c.baseURL,
                    outputDimensionality: c.embeddingDims ?? c.outputDimensionality
                        ?? GeminiConfiguration.defaultOutputDimensionality,
                    taskTypes: taskTypes(c, unspecified: nil), extraRequestFields: c.modelKwargs,
                    replacesNewlines: c.replaceNewlines ?? true, normalizes: c.normalize ?? true, transport: transport,
                    environment: environment),
                httpClient: httpClient)
        case .vertexAI:
            return VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: c.model, projectID: c.projectID, location: c.location, baseURL: c.baseURL,
                    accessToken: c.accessToken, credentialsFile: c.vertexCredentialsJSON,
                    outputDimensionality: c.embeddingDims ?? c.outputDimensionality
                        ?? VertexAIConfiguration.defaultOutputDimensionality,
                    taskTypes: taskTypes(c, unspecified: "SEMANTIC_SIMILARITY"), extraParameters: c.modelKwargs,
                    normalizes: c.normalize ?? true, transport: transport, environment: environment),
                httpClient: httpClient)
        case .together:
            return TogetherEmbedder(
                configuration: try TogetherConfiguration(
                    model: c.model, apiKey: c.apiKey, baseURL: c.baseURL, dimensions: c.embeddingDims,
                    extraBody: c.modelKwargs, normalizes: c.normalize ?? false, transport: transport,
                    environment: environment),
                httpClient: httpClient)
        case .lmStudio:
            var configuration = try LMStudioConfiguration(
                model: c.model, apiKey: c.apiKey, baseURL: endpoint?.value, dimensions: c.embeddingDims,
                extraBody: c.modelKwargs, replacesNewlines: c.replaceNewlines ?? true,
                normalizes: c.normalize ?? false, transport: transport)
            configuration.baseURLSource = endpoint?.source ?? configuration.baseURLSource
            return LMStudioEmbedder(configuration: configuration, httpClient: httpClient)
        }
    }

    /// mem0's `memory_*_embedding_type` keys: add (or update) for documents, search for queries.
    private static func taskTypes(_ c: EmbedderConfiguration, unspecified: String?) -> GoogleTaskTypes {
        GoogleTaskTypes(
            document: c.memoryAddEmbeddingType ?? c.memoryUpdateEmbeddingType, query: c.memorySearchEmbeddingType,
            unspecified: unspecified)
    }

    private static func transport(_ base: TransportOptions, from c: EmbedderConfiguration) -> TransportOptions {
        var options = base
        if let seconds = c.timeout { options.timeout = .milliseconds(Int64((seconds * 1000).rounded())) }
        if let retries = c.maxRetries { options.retry.maxRetries = retries }
        if let size = c.batchSize { options.batchSize = size }
        if let width = c.maxConcurrency { options.maxConcurrency = width }
        return options
    }
}
