/// What a batch of vectors is for, mapped by each engine to its own field.
///
/// Gemini and Vertex AI send it as `taskType` / `task_type`; the local runtime picks the
/// matching prompt prefix from the model's `config_sentence_transformers.json`; engines without
/// such a notion ignore it.
public enum EmbeddingTask: String, Sendable, Hashable, Codable, CaseIterable {
    /// A search query (Gemini/Vertex `RETRIEVAL_QUERY`, prompt `query`).
    case query
    /// A document to be searched (Gemini/Vertex `RETRIEVAL_DOCUMENT`, prompt `document`/`passage`).
    case document
    /// Symmetric similarity between texts (`SEMANTIC_SIMILARITY`).
    case similarity
    /// Classification features (`CLASSIFICATION`).
    case classification
    /// Clustering features (`CLUSTERING`).
    case clustering
}

/// Per-call options accepted by every ``Embedder``.
public struct EmbeddingOptions: Sendable, Hashable {
    /// What the vectors are for; `nil` leaves the engine's default.
    public var task: EmbeddingTask?

    /// Matryoshka truncation: keep the first `dimensions` components (re-normalized when the
    /// model normalizes). `nil` keeps the model's full size.
    public var dimensions: Int?

    /// An explicit prompt prefix, overriding the one chosen by `task`. Local models only.
    public var prompt: String?

    /// The name of one of the model's own prompts (`config_sentence_transformers.json`, e.g.
    /// `search_query`), as sentence-transformers' `prompt_name`; overrides `task`. Local models only.
    public var promptName: String?

    /// Creates options.
    public init(task: EmbeddingTask? = nil, dimensions: Int? = nil, prompt: String? = nil, promptName: String? = nil) {
        self.task = task
        self.dimensions = dimensions
        self.prompt = prompt
        self.promptName = promptName
    }
}
