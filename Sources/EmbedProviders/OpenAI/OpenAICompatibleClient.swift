import EmbedCore
import Foundation
import NIOHTTP1

/// The `/embeddings` client shared by every OpenAI-compatible provider (OpenAI, Azure, LM Studio,
/// Together, TEI's OpenAI route): batching, body, response ordering and checks.
struct OpenAICompatibleClient: Sendable {
    var transport: HTTPTransport
    /// The full endpoint URL, query included.
    var url: String
    var headers: HTTPHeaders
    /// The `model` field; omitted when `nil` (Azure classic carries the deployment in the path).
    var model: String?
    /// The `encoding_format` field; omitted when `nil` (servers that do not document it).
    var encodingFormat: OpenAIEncodingFormat?
    /// Whether the server honours the `dimensions` field.
    var sendsDimensions: Bool
    /// `embedding_dims`: checked on every vector; also sent when `sendsConfiguredDimensions`.
    var configuredDimensions: Int?
    var sendsConfiguredDimensions: Bool
    /// `model_kwargs`, merged last into the body.
    var extraBody: [String: JSONValue]
    var replacesNewlines: Bool
    var normalizes: Bool
    var limits: BatchLimits
    var maxConcurrency: Int

    var source: String { "\(transport.provider) (\(model ?? "default model"))" }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        try VectorShaping.validate(options)
        try VectorShaping.rejectEmptyTexts(texts)
        let inputs = replacesNewlines ? texts.map { $0.replacingOccurrences(of: "\n", with: " ") } : texts
        let dimensions = sendsDimensions ? (options.dimensions ?? (sendsConfiguredDimensions ? configuredDimensions : nil)) : nil
        let ranges = Batching.ranges(for: inputs, limits: limits)
        let embeddings = try await Batching.run(ranges, maxConcurrency: maxConcurrency) { range in
            try await self.embedBatch(Array(inputs[range]), dimensions: dimensions)
        }
        let shaping = VectorShaping(
            source: source, requestedDimensions: options.dimensions, expectedDimensions: configuredDimensions,
            normalize: normalizes)
        return try shaping.apply(embeddings)
    }

    private func embedBatch(_ inputs: [String], dimensions: Int?) async throws -> [Embedding] {
        var body: [String: JSONValue] = ["input": .array(inputs.map(JSONValue.string))]
        if let model { body["model"] = .string(model) }
        if let encodingFormat { body["encoding_format"] = .string(encodingFormat.rawValue) }
        if let dimensions { body["dimensions"] = .number(Double(dimensions)) }
        var extra = extraBody
        // mem0 forwards `model_kwargs` to the OpenAI SDK, whose `extra_body` is merged into the
        // JSON body last; do the same so such configurations keep working.
        let sdkExtraBody = extra.removeValue(forKey: "extra_body")?.objectValue ?? [:]
        body.merge(extra) { _, extra in extra }
        body.merge(sdkExtraBody) { _, extra in extra }
        let response = try await transport.send(.json(url, headers: headers, body: .object(body)))
        let decoded = try ResponseDecoding.decode(OpenAIEmbeddingResponse.self, from: response.body, provider: transport.provider)
        return try decoded.vectors(expected: inputs.count, provider: transport.provider).map { Embedding(vector: $0) }
    }
}
