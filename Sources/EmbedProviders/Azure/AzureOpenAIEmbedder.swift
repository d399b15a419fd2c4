import AsyncHTTPClient
import EmbedCore
import NIOHTTP1

/// Embeds with an Azure OpenAI deployment (classic dated API or the v1 API).
///
/// Same request and response as OpenAI; up to 2,048 inputs per request, four requests in flight.
/// Authenticates with `api-key` or an Entra ID bearer token.
public struct AzureOpenAIEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: AzureOpenAIConfiguration
    private let client: OpenAICompatibleClient

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to call the deployment.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    public init(configuration: AzureOpenAIConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        var headers = HTTPHeaders()
        switch configuration.credential {
        case .apiKey(let key): headers.add(name: "api-key", value: key)
        case .bearerToken(let token): headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in configuration.defaultHeaders.sorted(by: { $0.key < $1.key }) {
            headers.replaceOrAdd(name: name, value: value)
        }
        let model: String? =
            switch configuration.api {
            case .classic: configuration.model
            case .v1: configuration.deployment
            }
        client = OpenAICompatibleClient(
            transport: HTTPTransport(
                provider: "Azure OpenAI", client: httpClient, options: configuration.transport,
                endpoint: ProviderEndpoint(url: configuration.endpoint, source: configuration.endpointSource)),
            url: configuration.embeddingsURL,
            headers: headers,
            model: model,
            encodingFormat: configuration.encodingFormat,
            sendsDimensions: true,
            configuredDimensions: configuration.dimensions,
            sendsConfiguredDimensions: false,
            extraBody: configuration.extraBody,
            replacesNewlines: configuration.replacesNewlines,
            normalizes: configuration.normalizes,
            limits: BatchLimits(
                maxItems: AzureOpenAIConfiguration.maxInputsPerRequest, maxTokens: OpenAIConfiguration.maxTokensPerRequest,
                maxTokensPerItem: 8192
            ).overriding(batchSize: configuration.transport.batchSize),
            maxConcurrency: configuration.transport.maxConcurrency ?? 4)
    }

    /// The model name when configured, else the deployment name.
    public var modelName: String { configuration.model ?? configuration.deployment }

    /// `embedding_dims` when set, else the native size when the model name is a known OpenAI model.
    public var dimensions: Int? {
        configuration.dimensions ?? OpenAIConfiguration.knownDimensions[modelName]
    }

    /// Returns one embedding per text, in input order; `options.dimensions` is sent as `dimensions`.
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await client.embed(texts, options: options)
    }
}
