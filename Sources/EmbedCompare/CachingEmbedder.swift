import EmbedCore

/// An ``EmbedCore/Embedder`` that answers from a ``VectorCache`` where it can and asks its base
/// embedder only for the rest — in one call, each distinct missing text once, in input order —
/// then stores what it got.
///
/// Embeddings served from the cache carry only the vector (no token counts). A failure to store
/// does not fail the call — the vectors are good — and is reported to the cache's
/// ``VectorCache/onProblem``.
public struct CachingEmbedder<Base: Embedder>: Embedder {
    /// The embedder that computes missing vectors.
    public let base: Base

    /// Where vectors are kept.
    public let cache: VectorCache

    /// The ``CacheKey/provider`` part of the key: everything besides the model name and the
    /// options that changes the vectors (see ``CacheKey``).
    public let provider: String

    /// Creates a caching wrapper.
    public init(base: Base, cache: VectorCache, provider: String) {
        self.base = base
        self.cache = cache
        self.provider = provider
    }

    /// The base embedder's model name.
    public var modelName: String { base.modelName }

    /// The base embedder's vector length.
    public var dimensions: Int? { base.dimensions }

    /// The key under which vectors for `options` are cached.
    public func cacheKey(for options: EmbeddingOptions) -> CacheKey {
        CacheKey(provider: provider, model: base.modelName, options: options)
    }

    /// Returns one embedding per text, in input order: cached vectors where present, the base
    /// embedder's for the rest (each distinct missing text sent once, in one call).
    ///
    /// - Throws: What the base throws, or ``EmbeddingError/countMismatch(expected:received:source:)``
    ///   when it returns the wrong number of embeddings; nothing is cached then.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        let key = cacheKey(for: options)
        let cached = cache.vectors(for: texts, key: key)

        var missing: [String] = []
        var seen = Set<String>()
        for (text, vector) in zip(texts, cached) where vector == nil && seen.insert(text).inserted {
            missing.append(text)
        }

        var fresh: [String: Embedding] = [:]
        if !missing.isEmpty {
            let computed = try await base.embed(missing, options: options)
            guard computed.count == missing.count else {
                throw EmbeddingError.countMismatch(expected: missing.count, received: computed.count, source: base.modelName)
            }
            for (text, embedding) in zip(missing, computed) { fresh[text] = embedding }
            do {
                try cache.store(computed.map(\.vector), for: missing, key: key)
            } catch {
                cache.onProblem?(VectorCacheProblem(path: cache.directory.path, reason: "storing \(missing.count) vectors failed: \(error)"))
            }
        }

        var result: [Embedding] = []
        result.reserveCapacity(texts.count)
        for (text, vector) in zip(texts, cached) {
            if let vector {
                result.append(Embedding(vector: vector))
            } else if let embedding = fresh[text] {
                result.append(embedding)
            } else {
                // Unreachable: every miss was sent to the base and the count was checked.
                throw EmbeddingError.countMismatch(expected: missing.count, received: fresh.count, source: base.modelName)
            }
        }
        return result
    }
}
