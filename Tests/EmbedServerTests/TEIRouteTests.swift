import EmbedCore
import EmbedLocal
import EmbedTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EmbedServer

@Suite("TEI routes")
struct TEIRouteTests {
    @Test("/embed answers a bare [[Float]], normalized by default, even for one string")
    func embedString() async throws {
        let expected = Similarity.normalized(try await engineVector("text embeddings inference"))
        try await withServer { client in
            let response = try await client.post("/embed", #"{"inputs":"text embeddings inference"}"#)
            #expect(response.status == .ok)
            let matrix = try #require(try response.json().floatMatrix)
            #expect(matrix.count == 1)
            expectClose(matrix[0], expected)
            #expect(response.headers[.computeTokens] == "5")
        }
    }

    @Test("normalize:false returns the engine's raw vectors, in order")
    func rawVectors() async throws {
        let expected = try await HashingEmbedder().embed(["one", "two words"]).map(\.vector)
        try await withServer { client in
            let matrix = try await client.post("/embed", #"{"inputs":["one","two words"],"normalize":false}"#).json().floatMatrix
            #expect(matrix?.count == 2)
            expectClose(matrix?[0], expected[0])
            expectClose(matrix?[1], expected[1])
        }
    }

    @Test("Token ids and dimensions work as on TEI")
    func tokenIDsAndDimensions() async throws {
        let ids = HashingEmbedder.ids(of: "by ids")
        let full = try await engineVector("by ids")
        try await withServer { client in
            let response = try await client.post("/embed", #"{"inputs":\#(ids),"dimensions":5,"normalize":true}"#)
            expectClose(try response.json()[0]?.floats, Similarity.normalized(Array(full.prefix(5))))
            let raw = try await client.post("/embed", #"{"inputs":[\#(ids)],"dimensions":5,"normalize":false}"#)
            expectClose(try raw.json()[0]?.floats, Array(full.prefix(5)))
        }
    }

    @Test("prompt_name selects the task passed to the engine; unknown names are 422")
    func promptName() async throws {
        let embedder = HashingEmbedder()
        try await withServer(embedder: embedder) { client in
            #expect(try await client.post("/embed", #"{"inputs":"q","prompt_name":"query"}"#).status == .ok)
            #expect(try await client.post("/embed", #"{"inputs":"p","prompt_name":"passage"}"#).status == .ok)
            try expectTEIError(try await client.post("/embed", #"{"inputs":"x","prompt_name":"nonsense"}"#), status: .unprocessableContent, type: "Validation")
        }
        #expect(embedder.recordedOptions.map(\.task) == [.query, .document])
    }

    @Test("prompt_name names one of a local model's own prompts (nomic-embed-text's search_query)")
    func localPromptName() async throws {
        let model = try LocalModel(contentsOf: Fixtures.url("nomic/tiny-nomic-bert"))
        try await withServer(embedder: LocalEmbedder(model: model)) { client in
            let named = try await client.post("/embed", #"{"inputs":"rotary attention","prompt_name":"search_query"}"#)
            let spelled = try await client.post("/embed", #"{"inputs":"search_query: rotary attention"}"#)
            let plain = try await client.post("/embed", #"{"inputs":"rotary attention"}"#)
            #expect(named.status == .ok)
            let vectors = try [named, spelled, plain].map { try #require(try $0.json()[0]?.floats) }
            expectClose(vectors[0], vectors[1])
            #expect(vectors[0] != vectors[2])
            let unknown = try await client.post("/embed", #"{"inputs":"x","prompt_name":"search_querry"}"#)
            try expectTEIError(unknown, status: .unprocessableContent, type: "Validation")
            #expect(String(buffer: unknown.body).contains("search_document"))
        }
    }

    @Test("truncate:false counts the prompt a request selects: a text that fits alone but not after its prompt is refused")
    func promptCountsTowardsTheLimit() async throws {
        let model = try LocalModel(contentsOf: Fixtures.url("nomic/tiny-nomic-bert"))
        let prompt = try #require(model.metadata.model.prompts["search_query"])
        let maxLength = model.tokenizer.maxLength
        func tokens(_ text: String) -> Int { model.tokenizer.encode(text, maxLength: Int(Int32.max)).ids.count }
        func words(_ count: Int) -> String { Array(repeating: "word", count: count).joined(separator: " ") }
        var count = 1
        while tokens(words(count + 1)) <= maxLength { count += 1 }
        let text = words(count), withPrompt = tokens(prompt + text)
        try #require(withPrompt > maxLength)
        try await withServer(embedder: LocalEmbedder(model: model)) { client in
            #expect(try await client.post("/embed", #"{"inputs":"\#(text)","truncate":false}"#).status == .ok)
            let message = try expectTEIError(
                try await client.post("/embed", #"{"inputs":"\#(text)","truncate":false,"prompt_name":"search_query"}"#),
                status: .unprocessableContent, type: "Validation")
            #expect(message.contains("\(withPrompt) tokens"), "\(message)")
        }
    }

    @Test("prompt_name also works on the OpenAI and Ollama routes, and an unknown one is refused there")
    func promptNameOnEveryRoute() async throws {
        let model = try LocalModel(contentsOf: Fixtures.url("nomic/tiny-nomic-bert"))
        try await withServer(embedder: LocalEmbedder(model: model)) { client in
            let openAI = try await client.post("/v1/embeddings", #"{"input":"rotary attention","prompt_name":"search_query"}"#)
            let ollama = try await client.post("/api/embed", #"{"input":"rotary attention","prompt_name":"search_query"}"#)
            let spelled = try await client.post("/embed", #"{"inputs":"search_query: rotary attention"}"#)
            #expect(openAI.status == .ok && ollama.status == .ok)
            let reference = try #require(try spelled.json()[0]?.floats)
            expectClose(try openAI.json()["data"]?[0]?["embedding"]?.floats, reference)
            expectClose(try ollama.json()["embeddings"]?[0]?.floats, reference)
            let unknown = try await client.post("/v1/embeddings", #"{"input":"x","prompt_name":"nope"}"#)
            #expect(unknown.status == .badRequest)
            #expect(String(buffer: unknown.body).contains("search_query"))
        }
    }

    @Test("Empty inputs are 400 Empty", arguments: [#"{"inputs":[]}"#])
    func empty(_ body: String) async throws {
        try await withServer { client in
            try expectTEIError(try await client.post("/embed", body), status: .badRequest, type: "Empty")
        }
    }

    @Test("Validation failures are 422 Validation", arguments: [
        #"{"inputs":"x","truncation_direction":"Left"}"#,
        #"{"inputs":"x","dimensions":0}"#,
        #"{"inputs":true}"#,
        #"{"nothing":1}"#,
    ])
    func validation(_ body: String) async throws {
        try await withServer { client in
            try expectTEIError(try await client.post("/embed", body), status: .unprocessableContent, type: "Validation")
        }
    }

    @Test("truncate:false with an over-long input is 422; truncate:true cuts it")
    func truncation() async throws {
        let long = (1...20).map { "w\($0)" }.joined(separator: " ")
        try await withServer { client in
            let message = try expectTEIError(
                try await client.post("/embed", #"{"inputs":"\#(long)","truncate":false}"#), status: .unprocessableContent, type: "Validation"
            )
            #expect(message.contains("22 tokens"))
            #expect(try await client.post("/embed", #"{"inputs":"\#(long)","truncate":true}"#).status == .ok)
        }
    }

    @Test("More inputs than the limit is 422")
    func tooMany() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxInputsPerRequest = 2
        try await withServer(configuration) { client in
            try expectTEIError(try await client.post("/embed", #"{"inputs":["a","b","c"]}"#), status: .unprocessableContent, type: "Validation")
        }
    }

    @Test("An engine failure is a 500 Backend error")
    func engineFailure() async throws {
        try await withServer { client in
            try expectTEIError(try await client.post("/embed", #"{"inputs":["ok","FAIL"]}"#), status: .internalServerError, type: "Backend")
        }
    }

    @Test("/info describes the model and the limits")
    func info() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxBatchTokens = 1234
        try await withServer(configuration) { client in
            let json = try await client.get("/info").json()
            #expect(json["model_id"]?.string == "hash-embed")
            #expect(json["max_input_length"]?.int == 16)
            #expect(json["max_batch_tokens"]?.int == 1234)
            #expect(json["max_client_batch_size"]?.int == 2048)
            #expect(json["dimensions"]?.int == 8)
            #expect(json["model_dtype"]?.string == "float32")  // what TEI says when the engine does not
        }
    }
}
