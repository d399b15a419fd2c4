import EmbedCore

/// The checks and adjustments applied to every vector a provider returns.
struct VectorShaping: Sendable {
    /// `provider: model`, for error messages.
    var source: String
    /// The per-call Matryoshka size (``EmbeddingOptions/dimensions``). Longer vectors are cut to it
    /// (re-normalized when they arrived unit length); shorter ones are an error.
    var requestedDimensions: Int?
    /// The configured `embedding_dims`: any other length is an error.
    var expectedDimensions: Int?
    /// L2-normalize every vector.
    var normalize: Bool

    /// Rejects `dimensions < 1` before anything is sent.
    static func validate(_ options: EmbeddingOptions) throws {
        if let dimensions = options.dimensions, dimensions < 1 {
            throw EmbeddingError.invalidOption("dimensions must be at least 1; got \(dimensions).")
        }
    }

    /// Rejects empty texts before anything is sent: hosted APIs refuse them with a less precise
    /// message, and Ollama silently returns no vector for them.
    static func rejectEmptyTexts(_ texts: [String]) throws {
        if let index = texts.firstIndex(where: \.isEmpty) {
            throw EmbeddingError.emptyInput(index: index)
        }
    }

    func apply(_ embeddings: [Embedding]) throws -> [Embedding] {
        try embeddings.map { embedding in
            var embedding = embedding
            if let requested = requestedDimensions {
                if embedding.vector.count > requested {
                    let norm = Similarity.norm(embedding.vector)
                    embedding.vector = try Similarity.truncated(
                        embedding.vector, to: requested, renormalize: abs(norm - 1) < 1e-3)
                } else if embedding.vector.count < requested {
                    throw EmbeddingError.invalidDimensions(requested: requested, available: embedding.vector.count)
                }
            } else if let expected = expectedDimensions, embedding.vector.count != expected {
                throw EmbeddingError.dimensionMismatch(expected: expected, received: embedding.vector.count, source: source)
            }
            if normalize {
                embedding.vector = Similarity.normalized(embedding.vector)
            }
            return embedding
        }
    }
}
