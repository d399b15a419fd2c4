import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("Gemini")
struct GeminiTests {
    private static func respond(_ request: RecordedRequest) -> FakeResponse {
        let requests = request.json["requests"]?.arrayValue ?? []
        return .json([
            "embeddings": .array(
                requests.map { item in
                    let text = item["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
                    let size = item["outputDimensionality"]?.intValue ?? 8
                    return ["values": FakeVectors.json(FakeVectors.vector(for: text, dimensions: size))]
                })
        ])
    }

    @Test("Sends one request per text with model, taskType and outputDimensionality; key in x-goog-api-key")
    func requestShape() async throws {
        try await withFakeServer({ Self.respond($0) }) { server in
            let embedder = GeminiEmbedder(
                configuration: try GeminiConfiguration(
                    model: "models/gemini-embedding-001", baseURL: server.baseURL + "/v1beta", outputDimensionality: 4,
                    taskTypes: GoogleTaskTypes(query: "CODE_RETRIEVAL_QUERY"), transport: RecordingClock().transport(),
                    environment: ["GEMINI_API_KEY": "gem-key"]), httpClient: server.client)
            let vectors = try await embedder.vectors(["t1\nmore"], options: EmbeddingOptions(task: .query))
            #expect(vectors == [Similarity.normalized(FakeVectors.vector(for: "t1 more"))])
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents")
            #expect(request.header("x-goog-api-key") == "gem-key")
            #expect(request.query == nil)
            #expect(
                request.json == [
                    "requests": [
                        [
                            "model": "models/gemini-embedding-001", "content": ["parts": [["text": "t1 more"]]],
                            "taskType": "CODE_RETRIEVAL_QUERY", "outputDimensionality": 4,
                        ]
                    ]
                ])
        }
    }

    @Test("Maps tasks to task types", arguments: [
        (EmbeddingTask?.none, String?.none), (.query, "RETRIEVAL_QUERY"), (.document, "RETRIEVAL_DOCUMENT"),
        (.similarity, "SEMANTIC_SIMILARITY"), (.classification, "CLASSIFICATION"), (.clustering, "CLUSTERING"),
    ])
    func taskTypes(task: EmbeddingTask?, expected: String?) async throws {
        try await withFakeServer({ Self.respond($0) }) { server in
            let embedder = GeminiEmbedder(
                configuration: try GeminiConfiguration(
                    apiKey: "k", baseURL: server.baseURL, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            _ = try await embedder.embed(["t1"], options: EmbeddingOptions(task: task))
            #expect(server.requests.first?.json["requests"]?.arrayValue?.first?["taskType"]?.stringValue == expected)
        }
    }

    @Test("Splits 250 texts into batches of 100 and keeps their order")
    func batchesOfHundred() async throws {
        let texts = FakeVectors.texts(250)
        try await withFakeServer({ Self.respond($0) }) { server in
            let embedder = GeminiEmbedder(
                configuration: try GeminiConfiguration(
                    apiKey: "k", baseURL: server.baseURL, outputDimensionality: 4, normalizes: false,
                    transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(try await embedder.vectors(texts) == texts.map { FakeVectors.vector(for: $0) })
            #expect(server.requests.map { $0.json["requests"]?.arrayValue?.count ?? 0 }.sorted() == [50, 100, 100])
        }
    }

    @Test("Defaults as mem0: gemini-embedding-001 at 768 dimensions; GOOGLE_API_KEY before GEMINI_API_KEY")
    func defaults() throws {
        let configuration = try GeminiConfiguration(environment: ["GOOGLE_API_KEY": "g1", "GEMINI_API_KEY": "g2"])
        #expect(configuration.model == "gemini-embedding-001")
        #expect(configuration.outputDimensionality == 768)
        #expect(configuration.apiKey == "g1")
        let error = try #require(throws: ConfigurationError.self) { try GeminiConfiguration(environment: [:]) }
        #expect(error.description.contains("GOOGLE_API_KEY"))
    }
}
