import EmbedCache

import EmbedCore
import EmbedTestSupport
import Foundation
import Testing

@Suite("Caching embedder", .offThePool)
struct CachingEmbedderTests {
    @Test("Only misses reach the base, once each and in one batch; results keep input order")
    func missesOnly() async throws {
        let folder = TemporaryDirectory()
        let base = CountingEmbedder()
        let embedder = CachingEmbedder(base: base, cache: VectorCache(directory: folder.url), provider: "test")
        #expect(embedder.modelName == "counting-model")
        #expect(embedder.dimensions == 4)

        let first = try await embedder.embed(["a", "bb", "a", "ccc"])
        #expect(base.calls == [["a", "bb", "ccc"]])
        #expect(first.map(\.vector) == ["a", "bb", "a", "ccc"].map { CountingEmbedder.vector(for: $0) })
        #expect(first[1].tokenCount == 2)  // fresh embeddings keep what the base said

        let second = try await embedder.embed(["ccc", "dddd", "a"])
        #expect(base.calls == [["a", "bb", "ccc"], ["dddd"]])
        #expect(second.map(\.vector) == ["ccc", "dddd", "a"].map { CountingEmbedder.vector(for: $0) })
        #expect(second[0].tokenCount == nil)  // served from the cache: only the vector

        let third = try await embedder.embed(["dddd", "bb"])
        #expect(base.calls.count == 2)
        #expect(third.map(\.vector) == ["dddd", "bb"].map { CountingEmbedder.vector(for: $0) })

        // Other options are another key.
        let query = EmbeddingOptions(task: .query)
        let queried = try await embedder.embed(["a"], options: query)
        #expect(base.calls.last == ["a"])
        #expect(queried.map(\.vector) == [CountingEmbedder.vector(for: "a", options: query)])

        #expect(try await embedder.embed([]).isEmpty)
        #expect(base.calls.count == 3)
    }

    @Test("A corrupt entry is fetched again, overwritten and reported")
    func corruptEntry() async throws {
        let folder = TemporaryDirectory()
        let log = ProblemLog()
        let cache = VectorCache(directory: folder.url, onProblem: log.record)
        let base = CountingEmbedder()
        let embedder = CachingEmbedder(base: base, cache: cache, provider: "test")
        _ = try await embedder.embed(["x", "y"])
        try Data("garbage".utf8).write(to: cache.entryURL(for: "y", key: embedder.cacheKey(for: EmbeddingOptions())))

        let again = try await embedder.embed(["x", "y"])
        #expect(base.calls == [["x", "y"], ["y"]])
        #expect(again.map(\.vector) == [CountingEmbedder.vector(for: "x"), CountingEmbedder.vector(for: "y")])
        #expect(log.problems.count == 1)
        _ = try await embedder.embed(["y"])
        #expect(base.calls.count == 2)  // repaired
    }

    @Test("A base that returns the wrong number of vectors is an error, and nothing is cached")
    func wrongCount() async throws {
        struct ShortEmbedder: Embedder {
            let modelName = "short"
            let dimensions: Int? = nil
            func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
                [Embedding(vector: [1])]
            }
        }
        let folder = TemporaryDirectory()
        let cache = VectorCache(directory: folder.url)
        let embedder = CachingEmbedder(base: ShortEmbedder(), cache: cache, provider: "test")
        await #expect(throws: EmbeddingError.countMismatch(expected: 2, received: 1, source: "short")) {
            try await embedder.embed(["a", "b"])
        }
        #expect(cache.vectors(for: ["a", "b"], key: embedder.cacheKey(for: EmbeddingOptions())) == [nil, nil])
    }
}
