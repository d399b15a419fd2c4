import AsyncHTTPClient
import EmbedCore
import NIOHTTP1

/// Embeds with OpenAI's `POST /embeddings`, or with any server that speaks it.
///
/// Inputs are sent up to 2,048 per request (and an estimated 300,000 tokens), requests run
/// four at a time, and results come back in input order (the response is sorted by `index`).
///
/// ```swift
/// let embedder = OpenAIEmbedder(configuration: try OpenAIConfiguration(model: "text-embedding-3-small"))
/// let vectors = try await embedder.vectors(["first text", "second text"])
/// ```
public struct OpenAIEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: OpenAIConfiguration
    private let client: OpenAICompatibleClient

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to call the API.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default. The
    ///     embedder does not shut it down.
    public init(configuration: OpenAIConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        var headers = HTTPHeaders()
        if let key = configuration.apiKey { headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let organization = configuration.organization { headers.add(name: "OpenAI-Organization", value: organization) }
        if let project = configuration.project { headers.add(name: "OpenAI-Project", value: project) }
        client = OpenAICompatibleClient(
            transport: HTTPTransport(
                provider: "OpenAI", client: httpClient, options: configuration.transport,
                endpoint: ProviderEndpoint(url: configuration.baseURL, source: configuration.baseURLSource)),
            url: Endpoint.join(configuration.baseURL, "embeddings"),
            headers: headers,
            model: configuration.model,
            encodingFormat: configuration.encodingFormat,
            sendsDimensions: true,
            configuredDimensions: configuration.dimensions,
            sendsConfiguredDimensions: true,
            extraBody: configuration.extraBody,
            replacesNewlines: configuration.replacesNewlines,
            normalizes: configuration.normalizes,
            limits: BatchLimits(
                maxItems: OpenAIConfiguration.maxInputsPerRequest, maxTokens: OpenAIConfiguration.maxTokensPerRequest,
                maxTokensPerItem: 8192
            ).overriding(batchSize: configuration.transport.batchSize),
            maxConcurrency: configuration.transport.maxConcurrency ?? 4)
    }

    /// The model name.
    public var modelName: String { configuration.model }

    /// `embedding_dims` when set, else the model's known native size.
    public var dimensions: Int? {
        configuration.dimensions ?? OpenAIConfiguration.knownDimensions[configuration.model]
    }

    /// Returns one embedding per text, in input order.
    ///
    /// `options.dimensions` is sent as `dimensions`; `options.task` is ignored (OpenAI has no
    /// task types).
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await client.embed(texts, options: options)
    }
}
