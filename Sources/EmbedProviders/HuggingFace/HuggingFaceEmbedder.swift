import AsyncHTTPClient
import EmbedCore
import Foundation
import NIOHTTP1

/// Embeds with a Hugging Face endpoint: TEI's OpenAI route (`{base}/embeddings`), TEI's native
/// `POST {base}/embed`, or the hosted feature-extraction pipeline.
///
/// Sends 32 texts per request (TEI's default client batch limit), four requests in flight. The
/// native and hosted APIs answer with a bare `[[Float]]`; a 1-D answer is accepted for a single
/// text, and a 3-D (per-token) answer is rejected with advice to pick a sentence-embedding model.
public struct HuggingFaceEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: HuggingFaceConfiguration
    private let transport: HTTPTransport
    private let headers: HTTPHeaders
    private let openAIClient: OpenAICompatibleClient

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Endpoint, API and model.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    public init(configuration: HuggingFaceConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared) {
        self.configuration = configuration
        let name = configuration.api == .inference ? "Hugging Face Inference API" : "Text Embeddings Inference"
        transport = HTTPTransport(
            provider: name, client: httpClient, options: configuration.transport,
            endpoint: ProviderEndpoint(
                url: configuration.baseURL, source: configuration.baseURLSource,
                serverAdvice: configuration.api == .inference ? nil : "Is the Text Embeddings Inference server running?"))
        var headers = HTTPHeaders()
        if let key = configuration.apiKey { headers.add(name: "Authorization", value: "Bearer \(key)") }
        self.headers = headers
        openAIClient = OpenAICompatibleClient(
            transport: transport, url: configuration.endpointURL, headers: headers, model: configuration.model,
            encodingFormat: .base64, sendsDimensions: true, configuredDimensions: configuration.dimensions,
            sendsConfiguredDimensions: true, extraBody: configuration.extraBody, replacesNewlines: false,
            normalizes: configuration.normalizes, limits: Self.limits(configuration),
            maxConcurrency: configuration.transport.maxConcurrency ?? 4)
    }

    private static func limits(_ configuration: HuggingFaceConfiguration) -> BatchLimits {
        BatchLimits(maxItems: HuggingFaceConfiguration.defaultBatchSize).overriding(batchSize: configuration.transport.batchSize)
    }

    /// The model id.
    public var modelName: String { configuration.model }

    /// `embedding_dims` when set; otherwise unknown until the first response.
    public var dimensions: Int? { configuration.dimensions }

    /// Returns one embedding per text, in input order.
    ///
    /// `options.dimensions` is sent as `dimensions` to TEI; the hosted pipeline has no such
    /// parameter, so vectors are cut here instead.
    ///
    /// - Throws: ``ProviderError`` for HTTP and transport failures, ``EmbeddingError`` for empty
    ///   texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        if configuration.api == .openAI {
            return try await openAIClient.embed(texts, options: options)
        }
        guard !texts.isEmpty else { return [] }
        try VectorShaping.validate(options)
        try VectorShaping.rejectEmptyTexts(texts)
        let dimensions = configuration.api == .tei ? (options.dimensions ?? configuration.dimensions) : nil
        let embeddings = try await Batching.run(
            Batching.ranges(for: texts, limits: Self.limits(configuration)),
            maxConcurrency: configuration.transport.maxConcurrency ?? 4
        ) { range in
            try await self.embedBatch(Array(texts[range]), dimensions: dimensions)
        }
        let shaping = VectorShaping(
            source: "\(transport.provider) (\(configuration.model))", requestedDimensions: options.dimensions,
            expectedDimensions: configuration.dimensions, normalize: configuration.normalizes)
        return try shaping.apply(embeddings)
    }

    private func embedBatch(_ texts: [String], dimensions: Int?) async throws -> [Embedding] {
        var body: [String: JSONValue] = ["inputs": .array(texts.map(JSONValue.string))]
        if let dimensions { body["dimensions"] = .number(Double(dimensions)) }
        body.merge(configuration.extraBody) { _, extra in extra }
        let response = try await transport.send(.json(configuration.endpointURL, headers: headers, body: .object(body)))
        let vectors = try Self.parseFeatureExtraction(response.body, expected: texts.count, provider: transport.provider)
        return vectors.map { Embedding(vector: $0) }
    }

    /// Reads `[[Float]]`, or `[Float]` for a single input.
    static func parseFeatureExtraction(_ body: Data, expected: Int, provider: String) throws -> [[Float]] {
        let json = try ResponseDecoding.decode(JSONValue.self, from: body, provider: provider)
        guard let rows = json.arrayValue else {
            throw ProviderError.malformedResponse(
                provider: provider, field: "(body)", detail: "expected an array of vectors, found \(json.typeDescription)")
        }
        func numbers(_ values: [JSONValue], at field: String) throws -> [Float] {
            guard !values.isEmpty else {
                throw ProviderError.malformedResponse(provider: provider, field: field, detail: "empty vector")
            }
            return try values.enumerated().map { index, value in
                guard let number = value.doubleValue else {
                    if value.arrayValue != nil {
                        throw ProviderError.malformedResponse(
                            provider: provider, field: "\(field)[\(index)]",
                            detail: "per-token embeddings; use a sentence-embedding model (one with a pooling layer)")
                    }
                    throw ProviderError.malformedResponse(
                        provider: provider, field: "\(field)[\(index)]", detail: "expected a number, found \(value.typeDescription)")
                }
                return Float(number)
            }
        }
        let vectors: [[Float]]
        if expected == 1, rows.first?.doubleValue != nil {
            vectors = [try numbers(rows, at: "(body)")]
        } else {
            vectors = try rows.enumerated().map { index, row in
                guard let values = row.arrayValue else {
                    throw ProviderError.malformedResponse(
                        provider: provider, field: "[\(index)]", detail: "expected a vector, found \(row.typeDescription)")
                }
                return try numbers(values, at: "[\(index)]")
            }
        }
        guard vectors.count == expected else {
            throw EmbeddingError.countMismatch(expected: expected, received: vectors.count, source: provider)
        }
        return vectors
    }
}
