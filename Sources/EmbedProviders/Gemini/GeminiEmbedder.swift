import AsyncHTTPClient
import EmbedCore
import Foundation
import NIOHTTP1

/// Embeds with the Gemini API's `POST /models/{model}:batchEmbedContents`.
///
/// Sends up to 100 texts per call (the API's limit), four calls in flight; each request carries
/// `taskType` from ``EmbeddingOptions/task`` and `outputDimensionality`. Rate-limit errors carry
/// their wait in the body (`RetryInfo.retryDelay`), which the retry policy honours.
public struct GeminiEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: GeminiConfiguration
    private let transport: HTTPTransport
    private let headers: HTTPHeaders

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Model, key and output size.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    public init(configuration: GeminiConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        transport = HTTPTransport(
            provider: "Gemini", client: httpClient, options: configuration.transport,
            endpoint: ProviderEndpoint(url: configuration.baseURL, source: configuration.baseURLSource))
        var headers = HTTPHeaders()
        headers.add(name: "x-goog-api-key", value: configuration.apiKey)
        self.headers = headers
    }

    /// The model id.
    public var modelName: String { configuration.model }

    /// The requested output size; 3072 for `gemini-embedding-001` at full size.
    public var dimensions: Int? {
        configuration.outputDimensionality ?? (configuration.model == GeminiConfiguration.defaultModel ? 3072 : nil)
    }

    /// Returns one embedding per text, in input order.
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        try VectorShaping.validate(options)
        try VectorShaping.rejectEmptyTexts(texts)
        let inputs = configuration.replacesNewlines ? texts.map { $0.replacingOccurrences(of: "\n", with: " ") } : texts
        let size = options.dimensions ?? configuration.outputDimensionality
        let taskType = configuration.taskTypes.name(for: options.task)
        let limits = BatchLimits(maxItems: GeminiConfiguration.maxRequestsPerBatch)
            .overriding(batchSize: configuration.transport.batchSize.map { min($0, GeminiConfiguration.maxRequestsPerBatch) })
        let embeddings = try await Batching.run(
            Batching.ranges(for: inputs, limits: limits), maxConcurrency: configuration.transport.maxConcurrency ?? 4
        ) { range in
            try await self.embedBatch(Array(inputs[range]), taskType: taskType, size: size)
        }
        let shaping = VectorShaping(
            source: "Gemini (\(configuration.model))", requestedDimensions: options.dimensions,
            expectedDimensions: configuration.outputDimensionality, normalize: configuration.normalizes)
        return try shaping.apply(embeddings)
    }

    private func embedBatch(_ texts: [String], taskType: String?, size: Int?) async throws -> [Embedding] {
        let modelPath = "models/\(configuration.model)"
        let requests: [JSONValue] = texts.map { text in
            var request: [String: JSONValue] = [
                "model": .string(modelPath),
                "content": ["parts": [["text": .string(text)]]],
            ]
            if let taskType { request["taskType"] = .string(taskType) }
            if let size { request["outputDimensionality"] = .number(Double(size)) }
            request.merge(configuration.extraRequestFields) { _, extra in extra }
            return .object(request)
        }
        let url = Endpoint.join(configuration.baseURL, "\(Endpoint.pathComponent(modelPath, keepingSlashes: true)):batchEmbedContents")
        let response = try await transport.send(.json(url, headers: headers, body: ["requests": .array(requests)]))
        let decoded = try ResponseDecoding.decode(GeminiBatchResponse.self, from: response.body, provider: "Gemini")
        guard decoded.embeddings.count == texts.count else {
            throw EmbeddingError.countMismatch(expected: texts.count, received: decoded.embeddings.count, source: "Gemini")
        }
        if let empty = decoded.embeddings.firstIndex(where: \.values.isEmpty) {
            throw ProviderError.malformedResponse(provider: "Gemini", field: "embeddings[\(empty)].values", detail: "empty vector")
        }
        return decoded.embeddings.map { Embedding(vector: $0.values) }
    }
}

/// `batchEmbedContents` response: `{"embeddings":[{"values":[…]}]}`, in request order.
struct GeminiBatchResponse: Decodable, Sendable {
    struct ContentEmbedding: Decodable, Sendable {
        var values: [Float]
    }
    var embeddings: [ContentEmbedding]
}
