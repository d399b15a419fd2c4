import EmbedCore
import Synchronization

/// An ``EmbedCore/Embedder`` that answers from a ``VectorCache`` where it can and asks its base
/// embedder only for the rest — in one call, each distinct missing text once, in input order —
/// then stores what it got: `embed compare` and `embed encode --cache`.
///
/// A vector from the cache gets its token counts and truncation flag back when the base
/// tokenizes (``EmbedCore/TokenizingEmbedder/tokenCounts(_:options:)``: cheap next to a forward
/// pass, and off Swift's cooperative pool), so cached and fresh results read the same; for a
/// provider they stay unknown, as providers rarely report them per text. A failure to store does
/// not fail the call — the vectors are good — and is reported to the cache's
/// ``VectorCache/onProblem``.
public struct CachingEmbedder: Embedder {
    /// The embedder that computes missing vectors.
    public let base: any Embedder

    /// Where vectors are kept.
    public let cache: VectorCache

    /// The ``CacheKey/provider`` part of the key: everything besides the model name and the
    /// options that changes the vectors (see ``CacheKey``).
    public let provider: String

    /// Hits and misses so far.
    public let statistics: CacheStatistics

    /// Creates a caching wrapper.
    public init(base: any Embedder, cache: VectorCache, provider: String, statistics: CacheStatistics = CacheStatistics()) {
        self.base = base
        self.cache = cache
        self.provider = provider
        self.statistics = statistics
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
        var embeddings = try await embedCachedOrFresh(texts, options: options)
        statistics.recordRequested(texts.count)
        let uncounted = embeddings.indices.filter { embeddings[$0].tokenCount == nil }
        if let tokenizing = base as? any TokenizingEmbedder, !uncounted.isEmpty {
            let counts = try await tokenizing.tokenCounts(uncounted.map { texts[$0] }, options: options)
            for (index, count) in zip(uncounted, counts) {
                embeddings[index].tokenCount = count.tokens
                embeddings[index].inputTokenCount = count.inputTokens
                embeddings[index].isTruncated = count.isTruncated
            }
        }
        return embeddings
    }

    private func embedCachedOrFresh(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
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
            statistics.recordComputed(missing.count)
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

/// Counts of how a ``CachingEmbedder`` answered: from the cache, or by asking its base.
public final class CacheStatistics: Sendable {
    private let counts = Mutex<(requested: Int, computed: Int)>((0, 0))

    /// Creates zeroed counters.
    public init() {}

    /// Texts answered without asking the base: found in the cache, or repeated within a call.
    public var hits: Int { counts.withLock { $0.requested - $0.computed } }

    /// Texts the base was asked to embed.
    public var misses: Int { counts.withLock { $0.computed } }

    /// `cache: N hits, M misses`.
    public var summary: String { "cache: \(hits) hits, \(misses) misses" }

    func recordRequested(_ count: Int) { counts.withLock { $0.requested += count } }
    func recordComputed(_ count: Int) { counts.withLock { $0.computed += count } }
}
