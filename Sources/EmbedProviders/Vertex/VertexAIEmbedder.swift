import AsyncHTTPClient
import EmbedCore
import Foundation
import NIOHTTP1

/// Embeds with Vertex AI: `POST …/publishers/google/models/{model}:predict` for
/// `gemini-embedding-001` and the `text-*embedding*` models, `:embedContent` for newer Gemini
/// embedding models.
///
/// Up to 250 texts (and an estimated 20,000 tokens) per `predict` call, one per call for Gemini
/// models, four calls in flight. Instances carry `task_type` from ``EmbeddingOptions/task``;
/// `parameters` carry `outputDimensionality` and `autoTruncate`. Tokens are obtained from the
/// configured credentials, cached until five minutes before expiry, and renewed once when the
/// API answers 401.
public struct VertexAIEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: VertexAIConfiguration
    private let transport: HTTPTransport
    private let tokens: GoogleAccessTokenProvider

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Project, location, model and credentials.
    ///   - httpClient: The client to send requests with (API and token endpoint);
    ///     ``ProviderHTTPClient/shared`` by default.
    public init(configuration: VertexAIConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        let endpoint = ProviderEndpoint(url: configuration.baseURL, source: configuration.baseURLSource)
        transport = HTTPTransport(
            provider: "Vertex AI", client: httpClient, options: configuration.transport, endpoint: endpoint)
        // The token endpoint's address is only known per request (the credentials name it);
        // the token provider sets it before each one.
        tokens = GoogleAccessTokenProvider(
            credentials: configuration.credentials, tokenURI: configuration.tokenURI,
            transport: HTTPTransport(
                provider: "Google OAuth token endpoint", client: httpClient, options: configuration.transport,
                endpoint: endpoint))
    }

    /// The model id.
    public var modelName: String { configuration.model }

    /// The requested output size; the model's full size (3072 for gemini-embedding-001, 768 for
    /// the others) when none is set.
    public var dimensions: Int? {
        configuration.outputDimensionality ?? (configuration.model.hasPrefix("gemini") ? 3072 : 768)
    }

    /// Returns one embedding per text, in input order, with the token count and truncation flag
    /// the API reports.
    ///
    /// - Throws: ``ProviderError`` for HTTP, transport and credential failures,
    ///   ``EmbeddingError`` for empty texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        try VectorShaping.validate(options)
        try VectorShaping.rejectEmptyTexts(texts)
        let size = options.dimensions ?? configuration.outputDimensionality
        let taskType = configuration.taskTypes.name(for: options.task)
        let limits = BatchLimits(
            maxItems: configuration.maxInstancesPerRequest, maxTokens: VertexAIConfiguration.maxTokensPerRequest,
            maxTokensPerItem: 2048
        ).overriding(batchSize: configuration.transport.batchSize.map { min($0, configuration.maxInstancesPerRequest) })
        let embeddings = try await Batching.run(
            Batching.ranges(for: texts, limits: limits), maxConcurrency: configuration.transport.maxConcurrency ?? 4
        ) { range in
            let batch = Array(texts[range])
            return try await configuration.usesEmbedContent
                ? self.embedContent(batch, taskType: taskType, size: size)
                : self.predict(batch, taskType: taskType, size: size)
        }
        let shaping = VectorShaping(
            source: "Vertex AI (\(configuration.model))", requestedDimensions: options.dimensions,
            expectedDimensions: configuration.outputDimensionality, normalize: configuration.normalizes)
        return try shaping.apply(embeddings)
    }

    private func predict(_ texts: [String], taskType: String?, size: Int?) async throws -> [Embedding] {
        let instances: [JSONValue] = texts.map { text in
            // Instance keys are snake_case; a camelCase taskType would be silently ignored.
            var instance: [String: JSONValue] = ["content": .string(text)]
            if let taskType { instance["task_type"] = .string(taskType) }
            return .object(instance)
        }
        var parameters: [String: JSONValue] = ["autoTruncate": .bool(configuration.autoTruncate)]
        if let size { parameters["outputDimensionality"] = .number(Double(size)) }
        parameters.merge(configuration.extraParameters) { _, extra in extra }
        let response = try await send(
            url: configuration.modelURL + ":predict",
            body: ["instances": .array(instances), "parameters": .object(parameters)])
        let decoded = try ResponseDecoding.decode(VertexPredictResponse.self, from: response.body, provider: "Vertex AI")
        guard decoded.predictions.count == texts.count else {
            throw EmbeddingError.countMismatch(expected: texts.count, received: decoded.predictions.count, source: "Vertex AI")
        }
        return try decoded.predictions.enumerated().map { index, prediction in
            guard !prediction.embeddings.values.isEmpty else {
                throw ProviderError.malformedResponse(
                    provider: "Vertex AI", field: "predictions[\(index)].embeddings.values", detail: "empty vector")
            }
            let statistics = prediction.embeddings.statistics
            return Embedding(
                vector: prediction.embeddings.values, tokenCount: statistics?.tokenCount.map { Int($0) },
                isTruncated: statistics?.truncated ?? false)
        }
    }

    private func embedContent(_ texts: [String], taskType: String?, size: Int?) async throws -> [Embedding] {
        var result: [Embedding] = []
        for text in texts {
            var config: [String: JSONValue] = ["autoTruncate": .bool(configuration.autoTruncate)]
            if let taskType { config["taskType"] = .string(taskType) }
            if let size { config["outputDimensionality"] = .number(Double(size)) }
            config.merge(configuration.extraParameters) { _, extra in extra }
            let response = try await send(
                url: configuration.modelURL + ":embedContent",
                body: ["content": ["parts": [["text": .string(text)]]], "embedContentConfig": .object(config)])
            let decoded = try ResponseDecoding.decode(VertexEmbedContentResponse.self, from: response.body, provider: "Vertex AI")
            guard !decoded.embedding.values.isEmpty else {
                throw ProviderError.malformedResponse(provider: "Vertex AI", field: "embedding.values", detail: "empty vector")
            }
            result.append(
                Embedding(
                    vector: decoded.embedding.values, tokenCount: decoded.usageMetadata?.promptTokenCount,
                    isTruncated: decoded.truncated ?? false))
        }
        return result
    }

    /// Sends with a bearer token; a 401 renews the token once and resends.
    private func send(url: String, body: JSONValue) async throws -> HTTPTransport.Response {
        var renewed = false
        while true {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(try await tokens.token())")
            if case .authorizedUser(let user) = configuration.credentials, let project = user.quotaProjectID {
                headers.add(name: "x-goog-user-project", value: project)
            }
            do {
                return try await transport.send(.json(url, headers: headers, body: body))
            } catch let error as ProviderError where error.statusCode == 401 && !renewed && tokens.canRefresh {
                renewed = true
                await tokens.invalidate()
            }
        }
    }
}

/// `:predict` response.
struct VertexPredictResponse: Decodable, Sendable {
    struct Prediction: Decodable, Sendable {
        var embeddings: Embeddings
    }
    struct Embeddings: Decodable, Sendable {
        var values: [Float]
        var statistics: Statistics?
    }
    struct Statistics: Decodable, Sendable {
        var truncated: Bool?
        var tokenCount: Double?
        // `token_count` is snake_case inside an otherwise camelCase payload.
        enum CodingKeys: String, CodingKey {
            case truncated
            case tokenCount = "token_count"
        }
    }
    var predictions: [Prediction]
}

/// `:embedContent` response.
struct VertexEmbedContentResponse: Decodable, Sendable {
    struct Values: Decodable, Sendable {
        var values: [Float]
    }
    struct Usage: Decodable, Sendable {
        var promptTokenCount: Int?
    }
    var embedding: Values
    var usageMetadata: Usage?
    var truncated: Bool?
}
