import EmbedCore
import Foundation

/// How OpenAI-compatible servers should encode vectors in their responses.
public enum OpenAIEncodingFormat: String, Sendable, Hashable, CaseIterable {
    /// Base64 of little-endian float32 bytes: about a quarter of the JSON size and exact.
    case base64
    /// JSON numbers; what every compatible server supports.
    case float
}

/// `POST /embeddings` response: `{"data":[{"index":0,"embedding":[…] | "<base64>"}]}`.
struct OpenAIEmbeddingResponse: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var index: Int?
        var embedding: Vector
    }

    /// A vector as JSON numbers or as base64 text; either is accepted whatever was requested,
    /// because proxies and compatible servers differ.
    struct Vector: Decodable, Sendable {
        var values: [Float]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                guard let values = Base64Floats.decode(text) else {
                    throw DecodingError.dataCorruptedError(
                        in: container, debugDescription: "not base64 of little-endian float32 values")
                }
                self.values = values
            } else {
                values = try container.decode([Float].self)
            }
        }
    }

    var data: [Item]

    /// The vectors in input order: sorted by `index`, which must be a permutation of `0..<expected`.
    func vectors(expected: Int, provider: String) throws -> [[Float]] {
        guard data.count == expected else {
            throw EmbeddingError.countMismatch(expected: expected, received: data.count, source: provider)
        }
        let indices = data.compactMap(\.index)
        if indices.isEmpty {
            return data.map(\.embedding.values)
        }
        guard indices.count == data.count, Set(indices) == Set(0..<expected) else {
            throw ProviderError.malformedResponse(
                provider: provider, field: "data[].index",
                detail: "indices \(indices.sorted()) are not each of 0..<\(expected) exactly once")
        }
        var ordered = [[Float]](repeating: [], count: expected)
        for item in data {
            if let index = item.index { ordered[index] = item.embedding.values }
        }
        if let empty = ordered.firstIndex(where: \.isEmpty) {
            throw ProviderError.malformedResponse(provider: provider, field: "data[\(empty)].embedding", detail: "empty vector")
        }
        return ordered
    }
}
