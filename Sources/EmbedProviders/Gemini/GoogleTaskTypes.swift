import EmbedConfiguration
import EmbedCore

/// Maps ``EmbeddingTask`` to Google's task-type names (`RETRIEVAL_QUERY`, …), with mem0's
/// `memory_*_embedding_type` overrides. Shared by Gemini and Vertex AI.
public struct GoogleTaskTypes: Sendable, Hashable {
    /// The task type for ``EmbeddingTask/document`` (mem0 `memory_add_embedding_type`).
    public var document: String
    /// The task type for ``EmbeddingTask/query`` (mem0 `memory_search_embedding_type`).
    public var query: String
    /// The task type when the call gives no task, or `nil` to send none.
    public var unspecified: String?

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - document: Default `RETRIEVAL_DOCUMENT`.
    ///   - query: Default `RETRIEVAL_QUERY`.
    ///   - unspecified: Default `nil` (no `taskType`); Vertex AI uses `SEMANTIC_SIMILARITY`, as mem0.
    public init(document: String? = nil, query: String? = nil, unspecified: String? = nil) {
        self.document = document ?? "RETRIEVAL_DOCUMENT"
        self.query = query ?? "RETRIEVAL_QUERY"
        self.unspecified = unspecified
    }

    /// The task type to send for `task`.
    public func name(for task: EmbeddingTask?) -> String? {
        switch task {
        case nil: unspecified
        case .query: query
        case .document: document
        case .similarity: "SEMANTIC_SIMILARITY"
        case .classification: "CLASSIFICATION"
        case .clustering: "CLUSTERING"
        }
    }
}

extension GoogleTaskTypes {
    /// mem0's `memory_*_embedding_type` keys: add (or update) for documents, search for queries.
    init(memoryTypesOf c: EmbedderConfiguration, unspecified: String?) {
        self.init(
            document: c.memoryAddEmbeddingType ?? c.memoryUpdateEmbeddingType, query: c.memorySearchEmbeddingType,
            unspecified: unspecified)
    }
}
