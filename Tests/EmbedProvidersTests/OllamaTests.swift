import EmbedCore
import Foundation
import Synchronization
import Testing
@testable import EmbedProviders

@Suite("Ollama")
struct OllamaTests {
    private static func embedResponse(_ request: RecordedRequest) -> FakeResponse {
        let inputs = FakeVectors.inputs(request)
        return .json(["model": request.json["model"] ?? "m", "embeddings": .array(inputs.map { FakeVectors.json(FakeVectors.vector(for: $0)) })])
    }

    private func embedder(
        _ server: FakeServer, model: String = "nomic-embed-text", autoPull: Bool = true, dimensions: Int? = nil,
        extraBody: [String: JSONValue] = [:], progress: (@Sendable (OllamaPullProgress) -> Void)? = nil
    ) throws -> OllamaEmbedder {
        OllamaEmbedder(
            configuration: try OllamaConfiguration(
                model: model, baseURL: server.baseURL, dimensions: dimensions, autoPull: autoPull, extraBody: extraBody,
                transport: RecordingClock().transport(), environment: [:]),
            httpClient: server.client, pullProgress: progress)
    }

    @Test("Embeds a batch with /api/embed after finding the model in /api/tags")
    func embedsWithBatchEndpoint() async throws {
        try await withFakeServer({ request in
            switch request.path {
            case "/api/tags": .json(["models": [["name": "nomic-embed-text:latest", "model": "nomic-embed-text:latest"]]])
            case "/api/embed": Self.embedResponse(request)
            default: .text("404 page not found", status: 404)
            }
        }) { server in
            let embedder = try embedder(server, extraBody: ["keep_alive": "10m"])
            #expect(try await embedder.vectors(["t1", "t2"]) == [FakeVectors.vector(for: "t1"), FakeVectors.vector(for: "t2")])
            #expect(try await embedder.vectors(["t3"]) == [FakeVectors.vector(for: "t3")])
            #expect(server.requests.map(\.path) == ["/api/tags", "/api/embed", "/api/embed"])
            let request = try #require(server.requests(to: "/api/embed").first)
            #expect(request.json == ["model": "nomic-embed-text", "input": ["t1", "t2"], "keep_alive": "10m"])
            #expect(server.requests(to: "/api/pull").isEmpty)
        }
    }

    @Test("Sends embedding_dims as dimensions")
    func sendsDimensions() async throws {
        try await withFakeServer({ request in
            request.path == "/api/embed" ? Self.embedResponse(request) : .json(["models": []])
        }) { server in
            _ = try await embedder(server, autoPull: false, dimensions: 4).embed(["t1"])
            #expect(server.requests.map(\.path) == ["/api/embed"])
            #expect(server.requests.first?.json["dimensions"] == 4)
        }
    }

    @Test("Falls back to the legacy /api/embeddings, one text per call, when /api/embed does not exist")
    func legacyFallback() async throws {
        try await withFakeServer({ request in
            switch request.path {
            case "/api/embeddings":
                let prompt = request.json["prompt"]?.stringValue ?? ""
                return .json(["embedding": FakeVectors.json(FakeVectors.vector(for: prompt))])
            default:
                return .text("404 page not found", status: 404)  // Go's default for unknown routes
            }
        }) { server in
            let embedder = try embedder(server, autoPull: false)
            #expect(try await embedder.vectors(["t1", "t2"]) == [FakeVectors.vector(for: "t1"), FakeVectors.vector(for: "t2")])
            #expect(try await embedder.vectors(["t3"]) == [FakeVectors.vector(for: "t3")])
            // The batch endpoint is tried once; afterwards the embedder remembers.
            #expect(server.requests.map(\.path) == ["/api/embed", "/api/embeddings", "/api/embeddings", "/api/embeddings"])
            #expect(server.requests(to: "/api/embeddings").map { $0.json["prompt"] } == ["t1", "t2", "t3"])
            #expect(server.requests(to: "/api/embeddings").first?.json["model"] == "nomic-embed-text")
        }
    }

    @Test("A JSON 404 is a missing model, not a missing route")
    func modelNotFound() async throws {
        try await withFakeServer({ _ in
            .json(["error": "model \"nomic-embed-text\" not found, try pulling it first"], status: 404)
        }) { server in
            let error = try await #require(throws: ProviderError.self) {
                try await embedder(server, autoPull: false).embed(["t1"])
            }
            #expect(error.statusCode == 404)
            #expect(error.serverMessage == "model \"nomic-embed-text\" not found, try pulling it first")
            #expect(server.requests(to: "/api/embeddings").isEmpty)
        }
    }

    @Test("Pulls a missing model once, streaming progress, before embedding")
    func autoPull() async throws {
        let pulled = Mutex(false)
        let progress = Mutex<[OllamaPullProgress]>([])
        try await withFakeServer({ request in
            switch request.path {
            case "/api/tags":
                let names: [JSONValue] = pulled.withLock { $0 } ? [["name": "all-minilm:latest", "model": "all-minilm:latest"]] : []
                return .json(["models": .array([["name": "llama3.2:latest", "model": "llama3.2:latest"]] + names)])
            case "/api/pull":
                pulled.withLock { $0 = true }
                return .ndjson([
                    ["status": "pulling manifest"],
                    ["status": "pulling 797b70c4edf8", "digest": "sha256:797b70c4edf8", "total": 45_949_504, "completed": 0],
                    ["status": "pulling 797b70c4edf8", "digest": "sha256:797b70c4edf8", "total": 45_949_504, "completed": 22_974_752],
                    ["status": "pulling 797b70c4edf8", "digest": "sha256:797b70c4edf8", "total": 45_949_504, "completed": 45_949_504],
                    ["status": "verifying sha256 digest"], ["status": "writing manifest"], ["status": "success"],
                ])
            case "/api/embed":
                return pulled.withLock { $0 }
                    ? Self.embedResponse(request) : .json(["error": "model \"all-minilm\" not found"], status: 404)
            default:
                return .text("404 page not found", status: 404)
            }
        }) { server in
            let embedder = try embedder(server, model: "all-minilm") { update in
                progress.withLock { $0.append(update) }
            }
            // Concurrent first calls share one check and one pull.
            async let first = embedder.vectors(["t1"])
            async let second = embedder.vectors(["t2"])
            #expect(try await first == [FakeVectors.vector(for: "t1")])
            #expect(try await second == [FakeVectors.vector(for: "t2")])
            _ = try await embedder.embed(["t3"])
            #expect(server.requests(to: "/api/pull").count == 1)
            #expect(server.requests(to: "/api/tags").count == 1)
            #expect(server.requests(to: "/api/pull").first?.json == ["model": "all-minilm", "stream": true])
            let updates = progress.withLock { $0 }
            #expect(updates.map(\.status).first == "pulling manifest")
            #expect(updates.map(\.status).last == "success")
            #expect(updates.compactMap(\.fractionCompleted) == [0, 0.5, 1])
            #expect(updates[1].digest == "sha256:797b70c4edf8")
        }
    }

    @Test("A pull that reports an error fails with the server's message, and the next call tries again")
    func pullError() async throws {
        try await withFakeServer({ request in
            switch request.path {
            case "/api/tags": .json(["models": []])
            case "/api/pull": .ndjson([["status": "pulling manifest"], ["error": "pull model manifest: file does not exist"]])
            default: .text("404 page not found", status: 404)
            }
        }) { server in
            let embedder = try embedder(server, model: "no-such-model")
            for _ in 0..<2 {
                let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
                #expect(error.kind == .modelUnavailable)
                #expect(error.description.contains("pull model manifest: file does not exist"))
                #expect(error.description.contains("no-such-model"))
            }
            #expect(server.requests(to: "/api/pull").count == 2)
            #expect(server.requests(to: "/api/embed").isEmpty)
        }
    }

    @Test("A pull that ends without success is an error")
    func pullWithoutSuccess() async throws {
        try await withFakeServer({ request in
            request.path == "/api/tags" ? .json(["models": []]) : .ndjson([["status": "pulling manifest"]])
        }) { server in
            let error = try await #require(throws: ProviderError.self) { try await embedder(server).embed(["t1"]) }
            #expect(error.kind == .modelUnavailable)
        }
    }

    @Test("Model names without a tag mean :latest")
    func modelNames() {
        #expect(OllamaModelName.normalized("nomic-embed-text") == "nomic-embed-text:latest")
        #expect(OllamaModelName.normalized("nomic-embed-text:v1.5") == "nomic-embed-text:v1.5")
        #expect(OllamaModelName.normalized("hf.co/org/model") == "hf.co/org/model:latest")
        #expect(OllamaModelName.normalized("localhost:5000/ns/model") == "localhost:5000/ns/model:latest")
    }

    @Test("Parses OLLAMA_HOST as ollama-python does", arguments: [
        ("0.0.0.0", "http://0.0.0.0:11434"),
        ("example.com", "http://example.com:11434"),
        ("example.com:56789", "http://example.com:56789"),
        ("http://example.com", "http://example.com:80"),
        ("https://example.com", "https://example.com:443"),
        ("https://example.com:56789/path/", "https://example.com:56789/path"),
        (":56789", "http://127.0.0.1:56789"),
        ("[0001:002:003:0004::1]:56789", "http://[0001:002:003:0004::1]:56789"),
    ])
    func parsesHost(value: String, expected: String) {
        #expect(OllamaConfiguration.parseHost(value) == expected)
    }

    @Test("Explicit ollama_base_url beats OLLAMA_HOST, which beats the default")
    func hostPrecedence() throws {
        let env = ["OLLAMA_HOST": "10.0.0.5:11500", "OLLAMA_API_KEY": "cloud-key"]
        #expect(try OllamaConfiguration(environment: env).baseURL == "http://10.0.0.5:11500")
        #expect(try OllamaConfiguration(environment: env).apiKey == "cloud-key")
        #expect(try OllamaConfiguration(baseURL: "http://127.0.0.1:1", environment: env).baseURL == "http://127.0.0.1:1")
        #expect(try OllamaConfiguration(environment: [:]).baseURL == "http://127.0.0.1:11434")
        #expect(try OllamaConfiguration(environment: [:]).model == "nomic-embed-text")
    }
}
