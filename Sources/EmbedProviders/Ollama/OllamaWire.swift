/// `POST /api/embed` response: `{"embeddings":[[…]],"prompt_eval_count":N}`.
struct OllamaEmbedResponse: Decodable, Sendable {
    var embeddings: [[Float]]
}

/// `POST /api/embeddings` (legacy) response: `{"embedding":[…]}`.
struct OllamaLegacyEmbeddingResponse: Decodable, Sendable {
    var embedding: [Float]
}

/// `GET /api/tags` response.
struct OllamaTagsResponse: Decodable, Sendable {
    struct Model: Decodable, Sendable {
        var name: String?
        var model: String?
    }
    var models: [Model]?
}

/// One NDJSON line of `POST /api/pull`.
struct OllamaPullLine: Decodable, Sendable {
    var status: String?
    var digest: String?
    var total: Int64?
    var completed: Int64?
    var error: String?
}

/// Ollama model names: no tag means `:latest`.
enum OllamaModelName {
    /// `nomic-embed-text` → `nomic-embed-text:latest`; a name whose last path segment has a tag
    /// is returned unchanged (`host:5000/ns/model` keeps its registry port out of the check).
    static func normalized(_ name: String) -> String {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return last.contains(":") ? name : name + ":latest"
    }
}
