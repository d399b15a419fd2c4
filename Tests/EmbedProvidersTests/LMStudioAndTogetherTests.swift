import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("LM Studio")
struct LMStudioTests {
    @Test("Defaults to localhost:1234/v1, mem0's model and the lm-studio key")
    func defaults() throws {
        let configuration = try LMStudioConfiguration()
        #expect(configuration.baseURL == "http://localhost:1234/v1")
        #expect(configuration.apiKey == "lm-studio")
        #expect(configuration.model == "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf")
        #expect(LMStudioEmbedder(configuration: configuration).dimensions == 768)
    }

    @Test("Requests base64, replaces newlines, and cuts vectors to the per-call size itself")
    func requestAndTruncation() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0, dimensions: 8) }) { server in
            let embedder = LMStudioEmbedder(
                configuration: try LMStudioConfiguration(
                    model: "text-embedding-nomic-embed-text-v1.5", baseURL: server.baseURL + "/v1",
                    transport: RecordingClock().transport()), httpClient: server.client)
            let vectors = try await embedder.vectors(["a\nb"], options: EmbeddingOptions(dimensions: 3))
            #expect(vectors == [Array(FakeVectors.vector(for: "a b", dimensions: 8).prefix(3))])
            let request = try #require(server.requests.first)
            #expect(request.json["encoding_format"] == "base64")
            #expect(request.json["input"] == ["a b"])
            #expect(request.json["dimensions"] == nil)
        }
    }
}

@Suite("Together")
struct TogetherTests {
    @Test("Sends only model and input; no encoding_format or dimensions")
    func requestShape() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let embedder = TogetherEmbedder(
                configuration: try TogetherConfiguration(
                    baseURL: server.baseURL + "/v1", transport: RecordingClock().transport(),
                    environment: ["TOGETHER_API_KEY": "tg-key"]), httpClient: server.client)
            _ = try await embedder.embed(["a\nb"])
            let request = try #require(server.requests.first)
            #expect(request.json == ["model": "intfloat/multilingual-e5-large-instruct", "input": ["a\nb"]])
            #expect(request.header("authorization") == "Bearer tg-key")
            #expect(embedder.dimensions == 1024)
        }
    }

    @Test("Cuts unit vectors to the per-call size and re-normalizes them")
    func truncatesAndRenormalizes() async throws {
        let unit = Similarity.normalized([3, 4, 12, 0])  // 13 long before normalizing
        try await withFakeServer({ _ in .json(["data": [["index": 0, "embedding": FakeVectors.json(unit)]]]) }) { server in
            let embedder = TogetherEmbedder(
                configuration: try TogetherConfiguration(
                    apiKey: "k", baseURL: server.baseURL, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            let vector = try #require(try await embedder.vectors(["x"], options: EmbeddingOptions(dimensions: 2)).first)
            #expect(abs(vector[0] - 0.6) < 1e-6 && abs(vector[1] - 0.8) < 1e-6)
            let error = try await #require(throws: EmbeddingError.self) {
                try await embedder.embed(["x"], options: EmbeddingOptions(dimensions: 5))
            }
            #expect(error == .invalidDimensions(requested: 5, available: 4))
        }
    }

    @Test("Reads TOGETHER_BASE_URL; says which key to set when none is found")
    func environment() throws {
        let configuration = try TogetherConfiguration(
            environment: ["TOGETHER_API_KEY": "k", "TOGETHER_BASE_URL": "https://api.together.ai/v1"])
        #expect(configuration.baseURL == "https://api.together.ai/v1")
        let error = try #require(throws: ConfigurationError.self) { try TogetherConfiguration(environment: [:]) }
        #expect(error.description.contains("TOGETHER_API_KEY"))
    }
}
