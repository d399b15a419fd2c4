import AsyncHTTPClient
import EmbedCore
import NIOHTTP1

/// Embeds with a model loaded in LM Studio (`POST {base}/embeddings`, OpenAI format).
///
/// Sends up to 512 texts per request, one request at a time. LM Studio does not document a
/// `dimensions` parameter, so `options.dimensions` is applied here: vectors are cut to that size
/// and re-normalized when they arrived unit length.
public struct LMStudioEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: LMStudioConfiguration
    private let client: OpenAICompatibleClient

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Where the server is and which model to use.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    public init(configuration: LMStudioConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        client = OpenAICompatibleClient(
            transport: HTTPTransport(
                provider: "LM Studio", client: httpClient, options: configuration.transport,
                endpoint: ProviderEndpoint(
                    url: configuration.baseURL, source: configuration.baseURLSource,
                    serverAdvice: "Is LM Studio's server running? Start it in LM Studio's Developer tab or with `lms server start`.")
            ),
            url: Endpoint.join(configuration.baseURL, "embeddings"),
            headers: headers,
            model: configuration.model,
            encodingFormat: configuration.encodingFormat,
            sendsDimensions: false,
            configuredDimensions: configuration.dimensions,
            sendsConfiguredDimensions: false,
            extraBody: configuration.extraBody,
            replacesNewlines: configuration.replacesNewlines,
            normalizes: configuration.normalizes,
            limits: BatchLimits(maxItems: 512).overriding(batchSize: configuration.transport.batchSize),
            maxConcurrency: configuration.transport.maxConcurrency ?? 1)
    }

    /// The model identifier.
    public var modelName: String { configuration.model }

    /// `embedding_dims` when set; 768 for mem0's default nomic-embed-text model.
    public var dimensions: Int? {
        configuration.dimensions ?? (configuration.model == LMStudioConfiguration.defaultModel ? 768 : nil)
    }

    /// Returns one embedding per text, in input order.
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await client.embed(texts, options: options)
    }
}
