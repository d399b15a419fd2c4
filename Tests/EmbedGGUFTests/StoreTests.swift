import EmbedGGUF
import EmbedTestSupport
import Foundation
import Testing

/// A fake Ollama store and LM Studio folder laid out as the real ones are, holding the GGUF
/// fixtures made by llama.cpp's converter and a generative model that must not be listed.
struct FakeStores {
    let root: URL
    var ollama: URL { root.appendingPathComponent("ollama/models") }
    var lmstudio: URL { root.appendingPathComponent("lmstudio/models") }

    static let tinyBertDigest = String(repeating: "a1", count: 32)
    static let nomicDigest = String(repeating: "b2", count: 32)
    static let llmDigest = String(repeating: "c3", count: 32)

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("stores-\(UUID().uuidString)")
        let manager = FileManager.default
        let blobs = ollama.appendingPathComponent("blobs")
        try manager.createDirectory(at: blobs, withIntermediateDirectories: true)
        try manager.copyItem(at: Fixtures.url("gguf/tiny-cls-normalize.f32.gguf"), to: blobs.appendingPathComponent("sha256-\(Self.tinyBertDigest)"))
        try manager.copyItem(at: Fixtures.url("gguf/tiny-nomic-bert.f32.gguf"), to: blobs.appendingPathComponent("sha256-\(Self.nomicDigest)"))
        var llm = GGUFBuilder.valid
        llm.metadata = [("general.architecture", .string("llama")), ("llama.context_length", .u32(4096))]
        try Data(llm.bytes).write(to: blobs.appendingPathComponent("sha256-\(Self.llmDigest)"))

        func manifest(_ path: String, digest: String, size: Int = 1) throws {
            let url = ollama.appendingPathComponent("manifests/registry.example/\(path)")
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let json = """
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:\(String(repeating: "0", count: 64))","size":2},
                 "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"\(digest)","size":\(size)},
                           {"mediaType":"application/vnd.ollama.image.license","digest":"sha256:\(String(repeating: "d", count: 64))","size":10}]}
                """
            try json.write(to: url, atomically: true, encoding: .utf8)
        }
        try manifest("library/tiny-bert/latest", digest: "sha256:\(Self.tinyBertDigest)", size: 529_408)
        try manifest("library/tiny-nomic/v1", digest: "sha256:\(Self.nomicDigest)", size: 675_712)
        try manifest("someone/chat-llm/latest", digest: "sha256:\(Self.llmDigest)")
        // A model pulled from another registry: `ollama list` shows it with its host.
        let other = ollama.appendingPathComponent("manifests/models.example/org/tiny-gguf/q8")
        try manager.createDirectory(at: other.deletingLastPathComponent(), withIntermediateDirectories: true)
        try manager.copyItem(at: ollama.appendingPathComponent("manifests/registry.example/library/tiny-bert/latest"), to: other)
        // Neither of these may lead anywhere: a digest that is a path, a blob that is not there.
        try manifest("library/escape/latest", digest: "sha256:../../../../etc/passwd")
        try manifest("library/missing/latest", digest: "sha256:\(String(repeating: "e", count: 64))")

        let repository = lmstudio.appendingPathComponent("tiny-org/tiny-embed-GGUF")
        try manager.createDirectory(at: repository, withIntermediateDirectories: true)
        try manager.copyItem(at: Fixtures.url("gguf/tiny-cls-normalize.q8_0.gguf"), to: repository.appendingPathComponent("tiny-embed.Q8_0.gguf"))
        try manager.copyItem(at: Fixtures.url("gguf/tiny-cls-normalize.f16.gguf"), to: repository.appendingPathComponent("tiny-embed.F16.gguf"))
        // One level too shallow: LM Studio does not list it, nor do we.
        try manager.copyItem(at: Fixtures.url("gguf/tiny-cls-normalize.f32.gguf"), to: lmstudio.appendingPathComponent("stray.gguf"))
    }
}

@Suite("Ollama and LM Studio stores", .offThePool)
struct StoreTests {
    @Test("An Ollama store: manifests name their GGUF blobs; bad digests and missing blobs are skipped")
    func ollama() throws {
        let stores = try FakeStores()
        let store = OllamaStore(directory: stores.ollama)
        #expect(try store.entries().map(\.name) == ["org/tiny-gguf:q8", "someone/chat-llm:latest", "tiny-bert:latest", "tiny-nomic:v1"])
        #expect(try store.entry(named: "models.example/org/tiny-gguf:q8").name == "org/tiny-gguf:q8")
        #expect(try store.entry(named: "org/tiny-gguf:q8").host == "models.example")
        #expect(try store.entry(named: "registry.example/library/tiny-bert").name == "tiny-bert:latest")
        #expect(try store.entry(named: "registry.example/tiny-bert:latest").name == "tiny-bert:latest")
        let entry = try store.entry(named: "tiny-bert")
        #expect(entry.blob.lastPathComponent == "sha256-\(FakeStores.tinyBertDigest)")
        #expect(entry.size == 529_408)
        #expect(try store.entry(named: "TINY-NOMIC:v1").name == "tiny-nomic:v1")
        let missing = #expect(throws: StoreError.self) { try store.entry(named: "tiny-nomic") }
        #expect(missing?.description.contains("it has: org/tiny-gguf:q8, someone/chat-llm:latest, tiny-bert:latest, tiny-nomic:v1") == true)
        #expect(throws: StoreError.self) { try OllamaStore(directory: stores.root).entries() }

        let located = OllamaStore.located(environment: ["OLLAMA_MODELS": stores.ollama.path])
        #expect(located.directory.path == stores.ollama.path)
        let location = try #require(try GGUFLocation.resolve("ollama:tiny-bert", environment: ["OLLAMA_MODELS": stores.ollama.path]))
        #expect(location.path == entry.blob.path)
        #expect(location.name == "tiny-bert")
    }

    @Test("Listing keeps the embedding models (and says whether each converts), skipping generative ones")
    func catalog() throws {
        let stores = try FakeStores()
        let entries = try OllamaStore(directory: stores.ollama).entries()
        let (models, skipped) = GGUFCatalog.embeddingModels(entries.map { ($0.name, $0.blob.path, $0.size) })
        #expect(models.map(\.name) == ["org/tiny-gguf:q8", "tiny-bert:latest", "tiny-nomic:v1"])
        #expect(models.map(\.architecture) == ["bert", "bert", "nomic-bert"])
        #expect(models.map(\.dimensions) == [32, 32, 32])
        #expect(models.allSatisfy { $0.converts })
        #expect(skipped == 1)
    }

    @Test("An LM Studio folder: files two levels down, found by full name or by file name when unique")
    func lmStudio() throws {
        let stores = try FakeStores()
        let store = LMStudioStore(directory: stores.lmstudio)
        #expect(try store.entries().map(\.name) == ["tiny-org/tiny-embed-GGUF/tiny-embed.F16", "tiny-org/tiny-embed-GGUF/tiny-embed.Q8_0"])
        #expect(try store.entry(named: "tiny-embed.Q8_0.gguf").file.lastPathComponent == "tiny-embed.Q8_0.gguf")
        #expect(try store.entry(named: "tiny-org/tiny-embed-GGUF/tiny-embed.F16").file.lastPathComponent == "tiny-embed.F16.gguf")
        #expect(throws: StoreError.self) { try store.entry(named: "stray") }
        let located = LMStudioStore.located(environment: ["HOME": stores.root.appendingPathComponent("nowhere").path])
        #expect(located.directory.path.hasSuffix(".lmstudio/models"))
    }
}
