import EmbedCompare
import EmbedCore
import EmbedLocal
import Synchronization

/// Counts of how a ``CachedEmbedder`` answered: from the cache, or by asking its model.
public final class CacheStatistics: Sendable {
    private let counts = Mutex<(requested: Int, computed: Int)>((0, 0))

    /// Creates zeroed counters.
    public init() {}

    /// Texts answered without asking the model: found in the cache, or repeated within a call.
    public var hits: Int { counts.withLock { $0.requested - $0.computed } }

    /// Texts the model was asked to embed.
    public var misses: Int { counts.withLock { $0.computed } }

    /// `cache: N hits, M misses`.
    public var summary: String { "cache: \(hits) hits, \(misses) misses" }

    func recordRequested(_ count: Int) { counts.withLock { $0.requested += count } }
    func recordComputed(_ count: Int) { counts.withLock { $0.computed += count } }
}

/// An embedder that answers from a ``EmbedCompare/VectorCache`` where it can — `embed compare`
/// and `embed encode --cache` — and counts how often it could.
///
/// Built on ``EmbedCompare/CachingEmbedder`` (each distinct missing text sent once, vectors
/// stored after the call). For a local model, a vector from the cache gets its token counts and
/// truncation flag back by tokenizing the text again (cheap next to the forward pass, and on the
/// model's own queue, not Swift's cooperative pool), so that
/// cached and fresh results read the same; for a provider they stay unknown, as providers
/// rarely report them per text.
public struct CachedEmbedder: Embedder {
    /// The embedder that computes missing vectors.
    public let base: any Embedder
    /// The provider part of the cache keys (see ``ResolvedEmbedder/cacheIdentity``).
    public let cacheIdentity: String
    /// Hits and misses so far.
    public let statistics: CacheStatistics
    private let caching: CachingEmbedder<MeteredEmbedder>

    /// Wraps `base`.
    public init(base: any Embedder, cacheIdentity: String, cache: VectorCache, statistics: CacheStatistics = CacheStatistics()) {
        self.base = base
        self.cacheIdentity = cacheIdentity
        self.statistics = statistics
        caching = CachingEmbedder(base: MeteredEmbedder(base: base, statistics: statistics), cache: cache, provider: cacheIdentity)
    }

    public var modelName: String { base.modelName }
    public var dimensions: Int? { base.dimensions }

    /// The cache that is read and written.
    public var cache: VectorCache { caching.cache }

    /// Returns one embedding per text, from the cache where present.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        var embeddings = try await caching.embed(texts, options: options)
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
}

/// Counts the texts that reach the model.
struct MeteredEmbedder: Embedder {
    let base: any Embedder
    let statistics: CacheStatistics

    var modelName: String { base.modelName }
    var dimensions: Int? { base.dimensions }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        let result = try await base.embed(texts, options: options)
        statistics.recordComputed(texts.count)
        return result
    }
}
