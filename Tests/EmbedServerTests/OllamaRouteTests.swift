import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EmbedServer

@Suite("Ollama routes")
struct OllamaRouteTests {
    @Test("/api/embed returns L2-normalized vectors in input order with Ollama's fields")
    func embedArray() async throws {
        let texts = ["why is the sky blue", "because of Rayleigh scattering"]
        let expected = try await HashingEmbedder().embed(texts)
        try await withServer { client in
            let response = try await client.post("/api/embed", #"{"model":"all-minilm","input":["why is the sky blue","because of Rayleigh scattering"]}"#)
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json()
            #expect(json["model"]?.string == "all-minilm")
            let vectors = try #require(json["embeddings"]?.floatMatrix)
            #expect(vectors.count == 2)
            for (vector, embedding) in zip(vectors, expected) {
                expectClose(vector, Similarity.normalized(embedding.vector))
            }
            #expect(json["prompt_eval_count"]?.int == expected.compactMap(\.tokenCount).reduce(0, +))
            #expect((json["total_duration"]?.int ?? 0) > 0)
            #expect(json["load_duration"]?.int == 0)
        }
    }

    @Test("/api/embed takes a single string; keep_alive and options are accepted and ignored")
    func embedString() async throws {
        let expected = Similarity.normalized(try await engineVector("single"))
        try await withServer { client in
            let body = #"{"model":"m","input":"single","keep_alive":"5m","options":{"num_ctx":8192}}"#
            let json = try await client.post("/api/embed", body).json()
            #expect(json["embeddings"]?.floatMatrix?.count == 1)
            expectClose(json["embeddings"]?[0]?.floats, expected)
        }
    }

    @Test("truncate:false with an over-long input is Ollama's 400; the default truncates")
    func truncateFalse() async throws {
        let long = (1...30).map { "w\($0)" }.joined(separator: " ")
        try await withServer { client in
            let rejected = try await client.post("/api/embed", #"{"model":"m","input":["ok","\#(long)"],"truncate":false}"#)
            let message = try expectOllamaError(rejected, status: .badRequest)
            #expect(message == "the input length exceeds the context length")

            let truncated = try await client.post("/api/embed", #"{"model":"m","input":["ok","\#(long)"]}"#)
            #expect(truncated.status == .ok)
            #expect(try truncated.json()["prompt_eval_count"]?.int == 3 + 16)

            let fits = try await client.post("/api/embed", #"{"model":"m","input":"short enough","truncate":false}"#)
            #expect(fits.status == .ok)
        }
    }

    @Test("dimensions truncates and re-normalizes")
    func dimensions() async throws {
        let full = try await engineVector("matryoshka doll")
        try await withServer { client in
            let json = try await client.post("/api/embed", #"{"model":"m","input":"matryoshka doll","dimensions":4}"#).json()
            expectClose(json["embeddings"]?[0]?.floats, Similarity.normalized(Array(full.prefix(4))))
            let tooMany = try await client.post("/api/embed", #"{"model":"m","input":"x","dimensions":64}"#)
            try expectOllamaError(tooMany, status: .badRequest)
        }
    }

    @Test("An empty string, an empty array or no input answers an empty list, as Ollama does", arguments: [
        #"{"model":"m","input":""}"#, #"{"model":"m","input":[]}"#, #"{"model":"m"}"#,
    ])
    func emptyInput(_ body: String) async throws {
        let embedder = HashingEmbedder()
        try await withServer(embedder: embedder) { client in
            let response = try await client.post("/api/embed", body)
            #expect(response.status == .ok)
            #expect(try response.json()["embeddings"]?.array?.isEmpty == true)
        }
        #expect(embedder.callCount == 0)
    }

    @Test("An input that is not a string or strings is 400 invalid input type", arguments: [
        #"{"model":"m","input":42}"#, #"{"model":"m","input":[1,2,3]}"#, #"{"model":"m","input":{"a":1}}"#,
    ])
    func invalidInputType(_ body: String) async throws {
        try await withServer { client in
            let message = try expectOllamaError(try await client.post("/api/embed", body), status: .badRequest)
            #expect(message.contains("invalid input type"))
        }
    }

    @Test("Malformed JSON is a 400 in Ollama's shape")
    func malformedJSON() async throws {
        try await withServer { client in
            try expectOllamaError(try await client.post("/api/embed", "{nope"), status: .badRequest)
        }
    }

    @Test("Legacy /api/embeddings returns the engine's raw vector under 'embedding'")
    func legacyEmbeddings() async throws {
        let raw = try await engineVector("legacy prompt")
        try await withServer { client in
            let response = try await client.post("/api/embeddings", #"{"model":"m","prompt":"legacy prompt"}"#)
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json.keys == ["embedding"])
            expectClose(json["embedding"]?.floats, raw)
            #expect(abs(Similarity.norm(raw) - 1) > 0.01, "the test engine must not normalize, or this test proves nothing")

            let empty = try await client.post("/api/embeddings", #"{"model":"m","prompt":""}"#).json()
            #expect(empty["embedding"]?.array?.isEmpty == true)
        }
    }

    @Test("/api/tags lists the model with a tag, as mem0's auto-pull check expects")
    func tags() async throws {
        try await withServer { client in
            let json = try await client.get("/api/tags").json()
            let model = try #require(json["models"]?[0])
            #expect(model["name"]?.string == "hash-embed:latest")
            #expect(model["model"]?.string == "hash-embed:latest")
            #expect(model["modified_at"]?.string?.isEmpty == false)
            #expect(model["details"]?["family"]?.string == "bert")
        }
    }

    @Test("/api/pull succeeds at once, streamed or not; strict naming refuses other models")
    func pull() async throws {
        try await withServer { client in
            let plain = try await client.post("/api/pull", #"{"model":"nomic-embed-text","stream":false}"#)
            #expect(plain.status == .ok)
            #expect(try plain.json()["status"]?.string == "success")
            let streamed = try await client.post("/api/pull", #"{"model":"nomic-embed-text"}"#)
            #expect(streamed.headers[.contentType] == "application/x-ndjson")
            #expect(streamed.text == #"{"status":"success"}"# + "\n")
        }
        var strict = ServerConfiguration.testing
        strict.requiresMatchingModelName = true
        try await withServer(strict) { client in
            try expectOllamaError(try await client.post("/api/pull", #"{"model":"nomic-embed-text","stream":false}"#), status: .notFound)
            #expect(try await client.post("/api/pull", #"{"model":"hash-embed:latest","stream":false}"#).status == .ok)
            let message = try expectOllamaError(try await client.post("/api/embed", #"{"model":"nomic-embed-text","input":"x"}"#), status: .notFound)
            #expect(message.contains("nomic-embed-text"))
        }
    }

    @Test("/api/show reports the embedding length and context length")
    func show() async throws {
        try await withServer { client in
            let json = try await client.post("/api/show", #"{"model":"hash-embed"}"#).json()
            #expect(json["model_info"]?["bert.embedding_length"]?.int == 8)
            #expect(json["model_info"]?["bert.context_length"]?.int == 16)
            #expect(json["capabilities"]?[0]?.string == "embedding")
        }
    }

    @Test("/api/version answers a version string")
    func version() async throws {
        try await withServer { client in
            let version = try await client.get("/api/version").json()["version"]?.string
            #expect(version == OllamaRoutes.apiVersion)
        }
    }

    @Test("An engine failure is a 500 {\"error\":…}")
    func engineFailure() async throws {
        try await withServer { client in
            let message = try expectOllamaError(try await client.post("/api/embed", #"{"model":"m","input":"FAIL"}"#), status: .internalServerError)
            #expect(message.contains("told to fail"))
        }
    }
}
