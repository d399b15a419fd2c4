import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("OpenAI")
struct OpenAITests {
    private func embedder(_ server: FakeServer, _ clock: RecordingClock = RecordingClock(), retries: Int = 2, batchSize: Int? = nil,
        dimensions: Int? = nil, encoding: OpenAIEncodingFormat? = .base64, extraBody: [String: JSONValue] = [:]) throws
        -> OpenAIEmbedder
    {
        OpenAIEmbedder(
            configuration: try OpenAIConfiguration(
                model: "text-embedding-3-small", apiKey: "sk-test", baseURL: server.baseURL + "/v1", dimensions: dimensions,
                organization: "org-1", project: "proj-1", encodingFormat: encoding, extraBody: extraBody,
                transport: clock.transport(retries: retries, batchSize: batchSize), environment: [:]),
            httpClient: server.client)
    }

    @Test("Sends model, input, encoding_format and organization headers; decodes base64")
    func requestShape() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let vectors = try await embedder(server).vectors(["t1", "line one\nline two"])
            #expect(vectors == [FakeVectors.vector(for: "t1"), FakeVectors.vector(for: "line one line two")])
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/embeddings")
            #expect(request.json["model"] == "text-embedding-3-small")
            #expect(request.json["encoding_format"] == "base64")
            // mem0 replaces newlines for OpenAI.
            #expect(request.json["input"] == ["t1", "line one line two"])
            #expect(request.json["dimensions"] == nil)
            #expect(request.header("OpenAI-Organization") == "org-1")
            #expect(request.header("OpenAI-Project") == "proj-1")
        }
    }

    @Test("Decodes float responses even when base64 was requested, and vice versa")
    func toleratesEitherEncoding() async throws {
        try await withFakeServer({ request in
            .json([
                "data": [
                    ["index": 1, "embedding": .string(Base64Floats.encode([0.25, -1.5, 3]))],
                    ["index": 0, "embedding": [1, 2, 3]],
                ]
            ])
        }) { server in
            let vectors = try await embedder(server, encoding: .float).vectors(["a", "b"])
            #expect(vectors == [[1, 2, 3], [0.25, -1.5, 3]])
        }
    }

    @Test("base64 is little-endian float32, exactly")
    func base64LittleEndian() throws {
        // 1.0f = 0x3F800000 → bytes 00 00 80 3F; -2.5f = 0xC0200000 → 00 00 20 C0.
        let text = Data([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0]).base64EncodedString()
        #expect(Base64Floats.decode(text) == [1.0, -2.5])
        #expect(Base64Floats.encode([1.0, -2.5]) == text)
        #expect(Base64Floats.decode("AAAA") == nil)  // 3 bytes: not a whole float
        #expect(Base64Floats.decode("not base64!") == nil)
    }

    @Test("Sends embedding_dims and per-call dimensions as `dimensions`")
    func sendsDimensions() async throws {
        try await withFakeServer({ request in
            FakeVectors.openAIResponse(for: request, dimensions: request.json["dimensions"]?.intValue ?? 4)
        }) { server in
            let configured = try embedder(server, dimensions: 3)
            #expect(try await configured.vectors(["t1"]).first?.count == 3)
            #expect(server.requests.last?.json["dimensions"] == 3)
            #expect(configured.dimensions == 3)

            let perCall = try embedder(server)
            let vectors = try await perCall.vectors(["t1"], options: EmbeddingOptions(dimensions: 2))
            #expect(vectors.first?.count == 2)
            #expect(server.requests.last?.json["dimensions"] == 2)
        }
    }

    @Test("A vector whose size differs from embedding_dims is an error")
    func dimensionMismatch() async throws {
        // The server ignores `dimensions` (as some compatible servers do) and returns 4 values.
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0, dimensions: 4) }) { server in
            let error = try await #require(throws: EmbeddingError.self) {
                try await embedder(server, dimensions: 8).embed(["t1"])
            }
            #expect(error == .dimensionMismatch(expected: 8, received: 4, source: "OpenAI (text-embedding-3-small)"))
            #expect(error.description.contains("embedding_dims is 8"))
        }
    }

    @Test("Does not retry insufficient_quota, and says so")
    func insufficientQuota() async throws {
        let clock = RecordingClock()
        try await withFakeServer({ _ in
            .json(
                ErrorBodies.openAI(
                    "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota",
                    code: "insufficient_quota"), status: 429, headers: ["retry-after": "1"])
        }) { server in
            let error = try await #require(throws: ProviderError.self) {
                try await embedder(server, clock, retries: 3).embed(["t1"])
            }
            #expect(error.statusCode == 429)
            #expect(error.serverCode == "insufficient_quota")
            #expect(error.description.contains("exceeded your current quota"))
            #expect(server.requests.count == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("Honours x-should-retry, except for rejected credentials", arguments: [("true", 400, 2), ("false", 503, 1), ("true", 401, 1)])
    func shouldRetryHeader(value: String, status: Int, expectedRequests: Int) async throws {
        let attempts = Counter()
        try await withFakeServer({ request in
            attempts.next() == 0
                ? .json(ErrorBodies.openAI("hint"), status: status, headers: ["x-should-retry": value])
                : FakeVectors.openAIResponse(for: request)
        }) { server in
            _ = try? await embedder(server).embed(["t1"])
            #expect(server.requests.count == expectedRequests)
        }
    }

    @Test("Rejects responses whose indices are not a permutation")
    func badIndices() async throws {
        try await withFakeServer({ _ in
            .json(["data": [["index": 0, "embedding": [1, 2]], ["index": 0, "embedding": [3, 4]]]])
        }) { server in
            let error = try await #require(throws: ProviderError.self) { try await embedder(server).embed(["a", "b"]) }
            #expect(error.kind == .malformedResponse)
            #expect(error.field == "data[].index")
        }
    }

    @Test("Names the JSON path of a malformed vector")
    func malformedVectorPath() async throws {
        try await withFakeServer({ _ in
            .json(["data": [["index": 0, "embedding": [1, 2]], ["index": 1, "embedding": [1, "x"]]]])
        }) { server in
            let error = try await #require(throws: ProviderError.self) { try await embedder(server).embed(["a", "b"]) }
            #expect(error.field == "data[1].embedding[1]")
        }
    }

    @Test("Splits by the estimated token budget as well as by count")
    func splitsByTokenBudget() async throws {
        // 50 texts of 21,000 bytes (an estimated 7,000 tokens each): 42 fit under 300,000.
        let padding = String(repeating: "abc ", count: 5_249)
        let texts = (0..<50).map { "\(padding)\($0 % 10)abc" }
        #expect(texts.allSatisfy { $0.utf8.count == 21_000 })
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let vectors = try await embedder(server).vectors(texts)
            #expect(vectors.count == 50)
            #expect(server.requests.map { FakeVectors.inputs($0).count }.sorted() == [8, 42])
        }
    }

    @Test("Refuses a response larger than the cap")
    func responseCap() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0, dimensions: 2000) }) { server in
            var options = RecordingClock().transport()
            options.maxResponseBytes = 4096
            let embedder = OpenAIEmbedder(
                configuration: try OpenAIConfiguration(
                    apiKey: "k", baseURL: server.baseURL, encodingFormat: .float, transport: options, environment: [:]),
                httpClient: server.client)
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .responseTooLarge)
        }
    }

    @Test("Merges model_kwargs into the body, winning over defaults")
    func extraBody() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            _ = try await embedder(
                server, extraBody: ["user": "u-42", "encoding_format": "float", "extra_body": ["truncate": true]]
            ).embed(["t1"])
            #expect(server.requests.first?.json["user"] == "u-42")
            #expect(server.requests.first?.json["encoding_format"] == "float")
            // The OpenAI SDK's `extra_body` (as mem0 users write it in model_kwargs) is flattened.
            #expect(server.requests.first?.json["truncate"] == true)
            #expect(server.requests.first?.json["extra_body"] == nil)
        }
    }

    @Test("Resolves key and base URL: explicit, then environment, then default")
    func environmentPrecedence() throws {
        let env = ["OPENAI_API_KEY": "env-key", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"]
        let fromEnvironment = try OpenAIConfiguration(environment: env)
        #expect(fromEnvironment.apiKey == "env-key")
        #expect(fromEnvironment.baseURL == "http://127.0.0.1:9/v1")
        #expect(fromEnvironment.encodingFormat == .float)  // not OpenAI itself: floats, as mem0

        let explicit = try OpenAIConfiguration(apiKey: "mine", baseURL: "http://127.0.0.1:8/v1/", environment: env)
        #expect(explicit.apiKey == "mine")
        #expect(explicit.baseURL == "http://127.0.0.1:8/v1")

        // mem0 reads the deprecated OPENAI_API_BASE before OPENAI_BASE_URL.
        let legacy = try OpenAIConfiguration(environment: env.merging(["OPENAI_API_BASE": "http://127.0.0.1:7/v1"]) { $1 })
        #expect(legacy.baseURL == "http://127.0.0.1:7/v1")

        let defaults = try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k"])
        #expect(defaults.baseURL == OpenAIConfiguration.defaultBaseURL)
        #expect(defaults.model == "text-embedding-3-small")
        #expect(defaults.encodingFormat == .base64)
    }

    @Test("Without a key for OpenAI itself, says which key or variable to set")
    func missingKey() throws {
        let error = try #require(throws: ConfigurationError.self) { try OpenAIConfiguration(environment: [:]) }
        #expect(error.description.contains("api_key"))
        #expect(error.description.contains("OPENAI_API_KEY"))
        // Other servers (vLLM, llama.cpp) need no key.
        #expect(try OpenAIConfiguration(baseURL: "http://127.0.0.1:1/v1", environment: [:]).apiKey == nil)
    }

    @Test("Rejects a base URL that is not http(s)")
    func invalidBaseURL() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try OpenAIConfiguration(apiKey: "k", baseURL: "localhost:8000", environment: [:])
        }
        #expect(error.key == "openai_base_url")
    }
}
