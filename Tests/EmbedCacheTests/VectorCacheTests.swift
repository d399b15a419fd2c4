import Crypto
@testable import EmbedCache
import EmbedCore
import EmbedTestSupport
import Foundation
import Testing

@Suite("Vector cache", .offThePool)
struct VectorCacheTests {
    static let key = CacheKey(provider: "openai", model: "text-embedding-3-small")

    @Test(
        "SHA-256 as the cache names and checks entries (swift-crypto) matches the FIPS 180-4 test vectors, whole or in pieces",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
    )
    func sha256(message: String, digest: String) async {
        #expect(SHA256.hash(data: Array(message.utf8)).hexString == digest)
        var pieces = SHA256()
        for chunk in Array(message.utf8).chunks(of: 7) { pieces.update(data: chunk) }
        #expect(pieces.finalize().hexString == digest)
    }

    @Test("SHA-256 of one million 'a' (many blocks)")
    func sha256Long() async {
        var hasher = SHA256()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        for _ in 0..<1_000 { hasher.update(data: thousand) }
        #expect(hasher.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Options are described canonically")
    func describeOptions() async {
        #expect(CacheKey.describe(EmbeddingOptions()) == "")
        #expect(CacheKey.describe(EmbeddingOptions(task: .query, dimensions: 256, prompt: "query: ")) == "task=query;dimensions=256;prompt=7:query: ")
        #expect(CacheKey(provider: "p", model: "m", options: EmbeddingOptions(dimensions: 8)).options == "dimensions=8")
    }

    @Test("Stored vectors come back bit for bit; other texts and keys miss")
    func hitsAndMisses() async throws {
        let folder = TemporaryDirectory()
        let cache = VectorCache(directory: folder.url)
        let texts = ["alpha", "beta", "gamma"]
        #expect(cache.vectors(for: texts, key: Self.key) == [nil, nil, nil])

        let alpha: [Float] = [0.1, -0.0, .leastNonzeroMagnitude, 3.4e38]
        let gamma: [Float] = [1, 2, 3, 4]
        try cache.store([alpha, gamma], for: ["alpha", "gamma"], key: Self.key)
        let found = cache.vectors(for: texts, key: Self.key)
        #expect(found.count == 3)
        #expect(found[0]?.map(\.bitPattern) == alpha.map(\.bitPattern))
        #expect(found[1] == nil)
        #expect(found[2] == gamma)
        #expect(cache.lookup(texts, key: Self.key).missingIndices == [1])

        // Any part of the key changes the entry.
        for other in [
            CacheKey(provider: "gemini", model: Self.key.model),
            CacheKey(provider: Self.key.provider, model: "text-embedding-3-large"),
            CacheKey(provider: Self.key.provider, model: Self.key.model, options: EmbeddingOptions(dimensions: 256)),
        ] {
            #expect(cache.vectors(for: ["alpha"], key: other) == [nil])
        }
        // Field boundaries matter: ("ab", "c") is not ("a", "bc").
        #expect(CacheKey(provider: "ab", model: "c").entryDigest(for: "t") != CacheKey(provider: "a", model: "bc").entryDigest(for: "t"))

        // A second cache on the same folder (another process) sees the entries; a store replaces.
        let reopened = VectorCache(directory: folder.url)
        try reopened.store([[9, 9]], for: ["alpha"], key: Self.key)
        #expect(cache.vectors(for: ["alpha"], key: Self.key) == [[9, 9]])

        // The key folder says what it holds.
        let description = try Data(contentsOf: cache.entryURL(for: "alpha", key: Self.key)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("key.json"))
        #expect(try JSONDecoder().decode(CacheKey.self, from: description) == Self.key)
    }

    @Test(
        "A damaged entry is reported, treated as a miss, and overwritten by the next store",
        arguments: [
            ("garbage", "does not start with EMBVEC01"),
            ("truncated", "but a 3-component entry has"),
            ("flipped", "checksum"),
            ("moved", "another text"),
            ("empty", "too short"),
            ("nan", "component 0 is not finite"),
        ]
    )
    func corruption(damage: String, reason: String) async throws {
        let folder = TemporaryDirectory()
        let log = ProblemLog()
        let cache = VectorCache(directory: folder.url, onProblem: log.record)
        let vector: [Float] = [0.5, -0.25, 0.125]
        try cache.store([vector, [7, 7, 7]], for: ["text", "other"], key: Self.key)
        let url = cache.entryURL(for: "text", key: Self.key)
        var bytes = [UInt8](try Data(contentsOf: url))
        switch damage {
        case "garbage": bytes = Array(String(repeating: "<html>not a vector</html>", count: 4).utf8)
        case "truncated": bytes.removeLast(5)
        case "flipped": bytes[8 + 32 + 4 + 1] ^= 0x10  // one bit of the first component
        case "moved": bytes = [UInt8](try Data(contentsOf: cache.entryURL(for: "other", key: Self.key)))
        case "empty": bytes = []
        default:
            // A NaN with a valid checksum: only the finiteness check catches it.
            bytes = [UInt8](VectorCacheEntry.encode([.nan, 1, 2], name: Self.key.entryDigest(for: "text")))
        }
        try Data(bytes).write(to: url)

        let lookup = cache.lookup(["text", "other"], key: Self.key)
        #expect(lookup.vectors == [nil, [7, 7, 7]])
        #expect(lookup.problems.count == 1)
        #expect(lookup.problems.first?.path == url.path)
        #expect(lookup.problems.first?.reason.contains(reason) == true, "\(lookup.problems)")
        #expect(log.problems == lookup.problems)

        try cache.store([vector], for: ["text"], key: Self.key)
        #expect(cache.vectors(for: ["text"], key: Self.key) == [vector])
    }

    @Test("Invalid input to store is rejected before anything is written")
    func storeErrors() async {
        let folder = TemporaryDirectory()
        let cache = VectorCache(directory: folder.url)
        #expect(throws: VectorCacheError.countMismatch(texts: 2, vectors: 1)) {
            try cache.store([[1]], for: ["a", "b"], key: Self.key)
        }
        #expect(throws: VectorCacheError.invalidVector(index: 1)) {
            try cache.store([[1], [.nan]], for: ["a", "b"], key: Self.key)
        }
        #expect(throws: VectorCacheError.invalidVector(index: 0)) {
            try cache.store([[]], for: ["a"], key: Self.key)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.url.path))
    }

    @Test("A write into an unwritable place fails with the path")
    func writeFailure() async throws {
        let folder = TemporaryDirectory()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        let blocker = folder.url.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let cache = VectorCache(directory: blocker)  // a file where a folder should be
        #expect {
            try cache.store([[1]], for: ["a"], key: Self.key)
        } throws: { error in
            "\(error)".contains(blocker.path)
        }
        #expect(cache.vectors(for: ["a"], key: Self.key) == [nil])
    }

    @Test("Concurrent writers and readers never see a partial or foreign entry")
    func concurrentAccess() async throws {
        let folder = TemporaryDirectory()
        let cache = VectorCache(directory: folder.url)
        let vector = (0..<256).map { Float($0) / 7 }
        let directory = folder.url
        let results = try await withThrowingTaskGroup(of: [[Float]?].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let mine = VectorCache(directory: directory)
                    var seen: [[Float]?] = []
                    for round in 0..<20 {
                        if (worker + round) % 2 == 0 {
                            try mine.store([vector], for: ["shared"], key: Self.key)
                        } else {
                            seen += mine.vectors(for: ["shared"], key: Self.key)
                        }
                    }
                    return seen
                }
            }
            var all: [[Float]?] = []
            for try await seen in group { all += seen }
            return all
        }
        #expect(results.count == 80)
        #expect(results.allSatisfy { $0 == nil || $0 == vector })
        #expect(cache.vectors(for: ["shared"], key: Self.key) == [vector])
    }

    @Test(
        "The default folder is $EMBED_HOME/cache, EMBED_HOME defaulting to ~/.cache/embed",
        arguments: [
            (["HOME": "/home/u", "EMBED_HOME": "/data/embed"], "/data/embed/cache"),
            (["HOME": "/home/u", "EMBED_HOME": "~/embed-home"], "/home/u/embed-home/cache"),
            (["HOME": "/home/u", "EMBED_HOME": ""], "/home/u/.cache/embed/cache"),
            (["HOME": "/home/u"], "/home/u/.cache/embed/cache"),
        ]
    )
    func defaultDirectory(environment: [String: String], expected: String) async {
        #expect(VectorCache.defaultDirectory(environment: environment).standardizedFileURL.path == expected)
    }
}

extension Array {
    fileprivate func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
