import AsyncHTTPClient
import EmbedCore
import NIOHTTP1

/// Embeds with Together AI (`POST {base}/embeddings`, OpenAI format, `model` and `input` only).
///
/// Sends up to 256 texts per request, four requests in flight. Together has no `dimensions`
/// parameter, so `options.dimensions` is applied here (cut, re-normalized when unit length).
public struct TogetherEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: TogetherConfiguration
    private let client: OpenAICompatibleClient

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: The model and credentials.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    public init(configuration: TogetherConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        client = OpenAICompatibleClient(
            transport: HTTPTransport(
                provider: "Together", client: httpClient, options: configuration.transport,
                endpoint: ProviderEndpoint(url: configuration.baseURL, source: configuration.baseURLSource)),
            url: Endpoint.join(configuration.baseURL, "embeddings"),
            headers: headers,
            model: configuration.model,
            encodingFormat: nil,
            sendsDimensions: false,
            configuredDimensions: configuration.dimensions,
            sendsConfiguredDimensions: false,
            extraBody: configuration.extraBody,
            replacesNewlines: false,
            normalizes: configuration.normalizes,
            limits: BatchLimits(maxItems: 256).overriding(batchSize: configuration.transport.batchSize),
            maxConcurrency: configuration.transport.maxConcurrency ?? 4)
    }

    /// The model name.
    public var modelName: String { configuration.model }

    /// `embedding_dims` when set; 1024 for the default model.
    public var dimensions: Int? {
        configuration.dimensions ?? (configuration.model == TogetherConfiguration.defaultModel ? 1024 : nil)
    }

    /// Returns one embedding per text, in input order.
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await client.embed(texts, options: options)
    }
}
