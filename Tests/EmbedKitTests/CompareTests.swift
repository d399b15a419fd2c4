import EmbedCache
import EmbedCompare
import EmbedConfiguration
import EmbedCore
@testable import EmbedKit
import EmbedLocal
import EmbedTestSupport
import Foundation
import Synchronization
import Testing

/// A deterministic embedder that records what it was asked.
final class RecordingEmbedder: Embedder, Sendable {
    let modelName: String
    let dimensions: Int?
    private let calls = Mutex<[[String]]>([])
    private let seed: UInt64

    init(name: String = "fake", dimensions: Int = 8, seed: UInt64 = 1) {
        modelName = name
        self.dimensions = dimensions
        self.seed = seed
    }

    var requests: [[String]] { calls.withLock { $0 } }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        calls.withLock { $0.append(texts) }
        return texts.map { Embedding(vector: Self.vector(for: $0, dimensions: dimensions ?? 8, seed: seed), tokenCount: 5) }
    }

    /// A vector that depends on the text (through a hash made of its bytes) and the seed.
    static func vector(for text: String, dimensions: Int, seed: UInt64) -> [Float] {
        var state = text.utf8.reduce(seed &* 0x9E37_79B9_7F4A_7C15) { ($0 ^ UInt64($1)) &* 0x1000_0000_01B3 }
        return (0..<dimensions).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 1000) / 1000
        }
    }
}

@Suite("Embedder specs, cache identities and cached embedders", .offThePool)
struct EmbedderSpecTests {
    static func exists(_ paths: Set<String>) -> (String) -> Bool { { paths.contains($0) } }

    @Test("specs: configuration file, existing path, PROVIDER:MODEL, local name", arguments: [
        ("mem0.yaml", EmbedderSpec.Kind.configurationFile(path: "mem0.yaml")),
        ("conf/mem0.JSON", .configurationFile(path: "conf/mem0.JSON")),
        ("openai:text-embedding-3-small", .provider(.openAI, model: "text-embedding-3-small")),
        ("ollama:nomic-embed-text:latest", .provider(.ollama, model: "nomic-embed-text:latest")),
        ("Azure-OpenAI:my-deployment", .provider(.azureOpenAI, model: "my-deployment")),
        ("gemini:", .provider(.gemini, model: nil)),
        ("local:all-MiniLM-L6-v2", .local(model: "all-MiniLM-L6-v2")),
        ("local:", .local(model: "all-MiniLM-L6-v2")),
        ("huggingface:sentence-transformers/all-MiniLM-L6-v2", .provider(.huggingFace, model: "sentence-transformers/all-MiniLM-L6-v2")),
        ("multi-qa-MiniLM-L6-cos-v1", .local(model: "multi-qa-MiniLM-L6-cos-v1")),
        ("sentence-transformers/multi-qa-MiniLM-L6-cos-v1", .local(model: "sentence-transformers/multi-qa-MiniLM-L6-cos-v1")),
        ("models/odd:name.embed", .local(model: "models/odd:name.embed")),
        ("openai:weird", .local(model: "openai:weird")),
    ])
    func parses(text: String, kind: EmbedderSpec.Kind) async throws {
        let existing: Set<String> = ["mem0.yaml", "conf/mem0.JSON", "models/odd:name.embed", "openai:weird"]
        #expect(try EmbedderSpec(text, fileExists: Self.exists(existing)).kind == kind)
    }

    @Test("bad specs say what is wrong", arguments: [
        ("", "empty"), ("missing.yaml", "does not exist"), ("nosuch:model", "nosuch"),
    ])
    func rejects(text: String, fragment: String) async {
        let error = #expect(throws: EmbedderSpecError.self) { try EmbedderSpec(text, fileExists: { _ in false }) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test("a remote cache identity names endpoint and shaping settings, never a secret")
    func remoteIdentity() async {
        var configuration = EmbedderConfiguration(provider: .openAI, model: "m", apiKey: "sk-secret", embeddingDims: 256)
        configuration.openAIBaseURL = "http://proxy.local/v1"
        configuration.accessToken = "token-secret"
        configuration.azure = AzureSettings(apiKey: "azure-secret", adToken: "ad-secret")
        let identity = CacheIdentity.remote(configuration, environment: ["OPENAI_API_KEY": "sk-env-secret", "OLLAMA_HOST": "h:1"])
        #expect(identity.hasPrefix("openai;"))
        #expect(identity.contains("openai_base_url=21:http://proxy.local/v1"))
        #expect(identity.contains("embedding_dims=3:256"))
        #expect(identity.contains("$OLLAMA_HOST=3:h:1"))
        #expect(!identity.contains("secret"))
        // Different endpoints or sizes never share entries.
        var other = configuration
        other.embeddingDims = 512
        #expect(CacheIdentity.remote(other, environment: [:]) != CacheIdentity.remote(configuration, environment: [:]))
    }

    @Test("a local model's identity is its file checksum; a folder's its path", .requires(Fixtures.defaultModel))
    func localIdentity() async throws {
        let file = try EmbedderFactory.resolve(model: Fixtures.defaultModel.url.path, provider: nil, configurationFile: nil)
        let model = try LocalModel(contentsOf: Fixtures.defaultModel.url, verifyChecksum: false)
        #expect(file.cacheIdentity == "local:\(try #require(model.file?.checksum))")
        #expect(file.configuration == nil)
        let folder = try EmbedderFactory.resolve(model: Fixtures.url("tiny/tiny-cls-normalize").path, provider: nil, configurationFile: nil)
        #expect(folder.cacheIdentity.hasPrefix("local-folder:\(Fixtures.url("tiny/tiny-cls-normalize").standardizedFileURL.path)@"))
    }

    @Test("a cached embedder asks its model only for texts it has not seen, and counts")
    func cachedEmbedderCounts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = RecordingEmbedder()
        let cache = VectorCache(directory: directory)
        let cached = CachingEmbedder(base: base, cache: cache, provider: "fake")
        let first = try await cached.embed(["a", "b", "a"], options: EmbeddingOptions())
        #expect(base.requests == [["a", "b"]])
        #expect(cached.statistics.misses == 2 && cached.statistics.hits == 1)
        let second = try await cached.embed(["b", "c"], options: EmbeddingOptions())
        #expect(base.requests == [["a", "b"], ["c"]])
        #expect(cached.statistics.summary == "cache: 2 hits, 3 misses")
        #expect(first[1].vector == second[0].vector)
        // Other options are other entries; another process (a new wrapper) sees the stored ones.
        _ = try await cached.embed(["a"], options: EmbeddingOptions(dimensions: 4))
        #expect(base.requests.count == 3)
        let again = CachingEmbedder(base: base, cache: cache, provider: "fake")
        _ = try await again.embed(["a", "b", "c"], options: EmbeddingOptions())
        #expect(again.statistics.hits == 3 && base.requests.count == 3)
    }

    @Test("cached local results keep their token counts and truncation flags")
    func cachedLocalTokens() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let resolved = try EmbedderFactory.resolve(model: Fixtures.url("tiny/tiny-cls-normalize").path, provider: nil, configurationFile: nil)
        let texts = ["short text", String(repeating: "a very long text that will not fit ", count: 200)]
        let options = EmbeddingOptions(task: .query)
        let fresh = try await resolved.embedder.embed(texts, options: options)
        #expect(fresh[1].isTruncated)
        let cached = resolved.cached(in: VectorCache(directory: directory))
        _ = try await cached.embed(texts, options: options)
        let fromCache = try await cached.embed(texts, options: options)
        #expect(cached.statistics.hits == 2)
        #expect(fromCache == fresh)
    }

    @Test("an explicit prompt is put before each text for providers, which have no prompt field")
    func promptPrefixing() async throws {
        let base = RecordingEmbedder()
        let prefixing = PromptPrefixingEmbedder(base: base)
        _ = try await prefixing.embed(["x", "y"], options: EmbeddingOptions(task: .query, prompt: "query: "))
        _ = try await prefixing.embed(["z"], options: EmbeddingOptions(task: .query))
        #expect(base.requests == [["query: x", "query: y"], ["z"]])
    }
}

@Suite("Comparing two embedders", .offThePool)
struct EmbedderComparisonTests {
    static let texts = (0..<40).map { "text number \($0)" }

    @Test("an embedder compared with itself agrees perfectly")
    func identical() async throws {
        let a = RecordingEmbedder(name: "a"), b = RecordingEmbedder(name: "b")
        let run = try await EmbedderComparison(batchSizes: (16, 16)).run(a: a, b: b, texts: Self.texts)
        let perText = try #require(run.report.perText)
        #expect(perText.min > 0.99999)
        #expect(run.report.structure.spearman.map { $0 > 0.99999 } == true)
        #expect(run.report.structure.neighbourOverlap.map(\.mean) == [1, 1, 1])
        #expect(a.requests.map(\.count) == [16, 16, 8], "batched")
    }

    @Test("different dimensions skip the per-text cosine but compare structure")
    func differentDimensions() async throws {
        let run = try await EmbedderComparison().run(
            a: RecordingEmbedder(dimensions: 8), b: RecordingEmbedder(dimensions: 12, seed: 7), texts: Self.texts)
        #expect(run.report.perText == nil)
        #expect(run.report.a.dimensions == 8 && run.report.b.dimensions == 12)
        #expect(run.report.structure.totalPairs == 40 * 39 / 2)
    }

    @Test("gold pairs are embedded once with the texts and scored on both sides")
    func gold() async throws {
        let pairs = GoldPairs(pairs: [
            GoldPair(score: 5, sentence1: "text number 1", sentence2: "text number 2"),
            GoldPair(score: 1, sentence1: "a cat", sentence2: "a dog"),
            GoldPair(score: 3, sentence1: "a cat", sentence2: "text number 3"),
        ])
        let a = RecordingEmbedder()
        let run = try await EmbedderComparison().run(a: a, b: RecordingEmbedder(seed: 9), texts: Self.texts, goldPairs: pairs)
        let gold = try #require(run.report.gold)
        #expect(gold.pairCount == 3)
        #expect(gold.spearmanA != nil)
        #expect(a.requests.flatMap { $0 }.count == 42, "40 texts + 2 new gold sentences, each once")
        // Gold pairs alone supply the texts.
        let goldOnly = try await EmbedderComparison().run(a: RecordingEmbedder(), b: RecordingEmbedder(), texts: [], goldPairs: pairs)
        #expect(goldOnly.report.textCount == 5)
    }

    @Test("an embedder that returns the wrong number of vectors is an error")
    func countMismatch() async throws {
        struct Broken: Embedder {
            var modelName: String { "broken" }
            var dimensions: Int? { 4 }
            func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] { [] }
        }
        await #expect(throws: EmbeddingError.countMismatch(expected: 40, received: 0, source: "broken")) {
            try await EmbedderComparison().run(a: RecordingEmbedder(), b: Broken(), texts: Self.texts)
        }
    }
}
