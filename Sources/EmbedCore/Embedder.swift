/// A source of text embeddings: a local model, a local server or a hosted API.
///
/// Every engine in the package conforms, so code written against `Embedder` runs unchanged on
/// the offline BERT runtime, on Ollama or LM Studio, or on a hosted provider.
///
/// Conformers must return exactly one ``Embedding`` per input text, in input order, or throw.
/// Splitting into batches, retrying and reassembling are the conformer's job.
public protocol Embedder: Sendable {
    /// The name of the model that produces the vectors, as the engine knows it.
    var modelName: String { get }

    /// The length of the vectors this embedder returns with default options, when known
    /// before the first call; `nil` when it is only discovered from a response.
    var dimensions: Int? { get }

    /// Returns one embedding per text, in input order.
    ///
    /// - Parameters:
    ///   - texts: The texts to embed. An empty array returns an empty array.
    ///   - options: What the vectors are for and how to shape them.
    /// - Throws: ``EmbeddingError`` for invalid input, or the engine's own error type
    ///   (model file, tokenizer, provider) with context.
    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding]
}

extension Embedder {
    /// Returns one embedding per text, in input order, with default options.
    public func embed(_ texts: [String]) async throws -> [Embedding] {
        try await embed(texts, options: EmbeddingOptions())
    }

    /// Returns the embedding of a single text.
    public func embed(_ text: String, options: EmbeddingOptions = EmbeddingOptions()) async throws -> Embedding {
        let result = try await embed([text], options: options)
        guard result.count == 1, let first = result.first else {
            throw EmbeddingError.countMismatch(expected: 1, received: result.count, source: modelName)
        }
        return first
    }

    /// Returns only the vectors of the texts, in input order.
    public func vectors(_ texts: [String], options: EmbeddingOptions = EmbeddingOptions()) async throws -> [[Float]] {
        try await embed(texts, options: options).map(\.vector)
    }
}
