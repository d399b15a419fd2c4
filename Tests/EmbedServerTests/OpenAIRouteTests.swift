import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EmbedServer

@Suite("OpenAI routes")
struct OpenAIRouteTests {
    @Test("A single string returns one float vector equal to the engine's, with usage and model")
    func singleString() async throws {
        let expected = try await HashingEmbedder().embed("hello embedding world")
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"model":"hash-embed","input":"hello embedding world","encoding_format":"float"}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try response.json()
            #expect(json["object"]?.string == "list")
            #expect(json["model"]?.string == "hash-embed")
            let data = try #require(json["data"]?.array)
            #expect(data.count == 1)
            #expect(data[0]["object"]?.string == "embedding")
            #expect(data[0]["index"]?.int == 0)
            expectClose(data[0]["embedding"]?.floats, expected.vector)
            #expect(json["usage"]?["prompt_tokens"]?.int == expected.tokenCount)
            #expect(json["usage"]?["total_tokens"]?.int == expected.tokenCount)
        }
    }

    @Test("An array of strings keeps its order and sums usage")
    func arrayOfStrings() async throws {
        let texts = ["first text", "the second one is longer", "3"]
        let expected = try await HashingEmbedder().embed(texts)
        try await withServer { client in
            let body = #"{"model":"m","input":["first text","the second one is longer","3"]}"#
            let response = try await client.post("/v1/embeddings", body)
            #expect(response.status == .ok)
            let json = try response.json()
            let data = try #require(json["data"]?.array)
            #expect(data.map { $0["index"]?.int } == [0, 1, 2])
            for (item, embedding) in zip(data, expected) { expectClose(item["embedding"]?.floats, embedding.vector) }
            #expect(json["usage"]?["prompt_tokens"]?.int == expected.compactMap(\.tokenCount).reduce(0, +))
        }
    }

    @Test("Without encoding_format the API default is float")
    func defaultEncodingIsFloat() async throws {
        let expected = try await engineVector("default format")
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"input":"default format"}"#)
            expectClose(try response.json()["data"]?[0]?["embedding"]?.floats, expected)
        }
    }

    @Test("base64 decodes (little-endian float32) to exactly the float output")
    func base64MatchesFloat() async throws {
        try await withServer { client in
            let input = #"["alpha beta","gamma","delta epsilon zeta"]"#
            let floats = try await client.post("/v1/embeddings", #"{"input":\#(input),"encoding_format":"float"}"#).json()
            let base64 = try await client.post("/v1/embeddings", #"{"input":\#(input),"encoding_format":"base64"}"#).json()
            for index in 0..<3 {
                let encoded = try #require(base64["data"]?[index]?["embedding"]?.string)
                let decoded = try #require(decodeBase64Floats(encoded))
                let plain = try #require(floats["data"]?[index]?["embedding"]?.floats)
                #expect(decoded == plain, "input \(index)")
            }
        }
    }

    @Test("Token ids embed like the text they came from")
    func tokenIDs() async throws {
        let ids = HashingEmbedder.ids(of: "tokens in a row")
        let expected = try await engineVector("tokens in a row")
        try await withServer { client in
            let single = try await client.post("/v1/embeddings", #"{"input":\#(ids)}"#)
            #expect(single.status == .ok, "\(single.text)")
            expectClose(try single.json()["data"]?[0]?["embedding"]?.floats, expected)

            let other = HashingEmbedder.ids(of: "another")
            let nested = try await client.post("/v1/embeddings", #"{"input":[\#(ids),\#(other)]}"#)
            let data = try #require(try nested.json()["data"]?.array)
            #expect(data.count == 2)
            expectClose(data[0]["embedding"]?.floats, expected)
            expectClose(data[1]["embedding"]?.floats, try await engineVector("another"))
            #expect(try nested.json()["usage"]?["prompt_tokens"]?.int == ids.count + other.count)
        }
    }

    @Test("Token ids are refused, in OpenAI's shape, when the engine has no tokenizer")
    func tokenIDsNeedTokenizer() async throws {
        try await withServer(embedder: PlainEmbedder(base: HashingEmbedder())) { client in
            let response = try await client.post("/v1/embeddings", #"{"input":[1,5,2]}"#)
            let message = try expectOpenAIError(response, status: .badRequest, param: "input")
            #expect(message.contains("token ids"))
        }
    }

    @Test("Token ids from another tokenizer get a 400 that explains LangChain's setting")
    func foreignTokenIDs() async throws {
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"input":[[1,99999,2]]}"#)
            let message = try expectOpenAIError(response, status: .badRequest, param: "input")
            #expect(message.contains("check_embedding_ctx_length"))
        }
    }

    @Test("dimensions keeps the first components and re-normalizes", arguments: [1, 3, 8])
    func dimensions(_ dimensions: Int) async throws {
        let full = try await engineVector("shorten me please")
        let expected = Similarity.normalized(Array(full.prefix(dimensions)))
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"input":"shorten me please","dimensions":\#(dimensions)}"#)
            #expect(response.status == .ok, "\(response.text)")
            let vector = try #require(try response.json()["data"]?[0]?["embedding"]?.floats)
            expectClose(vector, expected)
            #expect(abs(Similarity.norm(vector) - 1) < 1e-5)
        }
    }

    @Test("dimensions outside 1…model size is a 400 naming the parameter", arguments: [0, -2, 9, 4096])
    func invalidDimensions(_ dimensions: Int) async throws {
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"input":"x","dimensions":\#(dimensions)}"#)
            try expectOpenAIError(response, status: .badRequest, param: "dimensions")
        }
    }

    @Test("Empty inputs are rejected in OpenAI's shape", arguments: [
        #"{"input":""}"#, #"{"input":[]}"#, #"{"input":["ok",""]}"#, #"{"input":[[1,2],[]]}"#,
    ])
    func emptyInputs(_ body: String) async throws {
        try await withServer { client in
            try expectOpenAIError(try await client.post("/v1/embeddings", body), status: .badRequest, param: "input")
        }
    }

    @Test("Malformed requests are 400s that name the field", arguments: [
        (#"{"input":"x""#, nil),
        (#"{"model":"m"}"#, "input"),
        (#"{"input":42}"#, "input"),
        (#"{"input":[1,"a"]}"#, "input"),
        (#"{"input":"x","encoding_format":"int8"}"#, "encoding_format"),
        (#"{"input":"x","dimensions":"8"}"#, "dimensions"),
    ] as [(String, String?)])
    func malformed(_ body: String, param: String?) async throws {
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", body)
            try expectOpenAIError(response, status: .badRequest, param: param)
            if param == nil { #expect(try response.json()["error"]?["param"]?.isNull == true) }
        }
    }

    @Test("More inputs than maxInputsPerRequest is a 400")
    func tooManyInputs() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxInputsPerRequest = 3
        try await withServer(configuration) { client in
            let response = try await client.post("/v1/embeddings", #"{"input":["a","b","c","d"]}"#)
            let message = try expectOpenAIError(response, status: .badRequest, param: "input")
            #expect(message.contains("4") && message.contains("3"))
            #expect(try await client.post("/v1/embeddings", #"{"input":["a","b","c"]}"#).status == .ok)
        }
    }

    @Test("A body over maxBodySize is a 413 in OpenAI's shape")
    func bodyTooLarge() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxBodySize = 64
        try await withServer(configuration) { client in
            let long = String(repeating: "word ", count: 40)
            let response = try await client.post("/v1/embeddings", #"{"input":"\#(long)"}"#)
            try expectOpenAIError(response, status: .contentTooLarge, code: "request_too_large")
        }
    }

    @Test("Over-long inputs are truncated by default and rejected when truncation is off")
    func longInputs() async throws {
        let long = (1...40).map { "w\($0)" }.joined(separator: " ")  // 42 tokens, model reads 16
        try await withServer { client in
            let response = try await client.post("/v1/embeddings", #"{"input":"\#(long)"}"#)
            #expect(response.status == .ok)
            #expect(try response.json()["usage"]?["prompt_tokens"]?.int == 16)
        }
        var strict = ServerConfiguration.testing
        strict.truncatesLongInputs = false
        try await withServer(strict) { client in
            let response = try await client.post("/v1/embeddings", #"{"input":["short","\#(long)"]}"#)
            let message = try expectOpenAIError(response, status: .badRequest, param: "input", code: "context_length_exceeded")
            #expect(message.contains("Input 1") && message.contains("42") && message.contains("16"))
        }
    }

    @Test("Over-long inputs to an engine without a tokenizer are caught from its report")
    func longInputsWithoutTokenizer() async throws {
        var strict = ServerConfiguration.testing
        strict.truncatesLongInputs = false
        let long = (1...40).map { "w\($0)" }.joined(separator: " ")
        try await withServer(strict, embedder: PlainEmbedder(base: HashingEmbedder())) { client in
            let response = try await client.post("/v1/embeddings", #"{"input":"\#(long)"}"#)
            try expectOpenAIError(response, status: .badRequest, code: "context_length_exceeded")
        }
    }

    @Test("/embeddings is the same route without the /v1 prefix")
    func unprefixedRoute() async throws {
        let expected = try await engineVector("no prefix")
        try await withServer { client in
            let response = try await client.post("/embeddings", #"{"input":"no prefix"}"#)
            expectClose(try response.json()["data"]?[0]?["embedding"]?.floats, expected)
        }
    }

    @Test("GET /v1/models lists the served model; /v1/models/{id} returns it")
    func models() async throws {
        var configuration = ServerConfiguration.testing
        configuration.modelName = "local-minilm"
        try await withServer(configuration) { client in
            let list = try await client.get("/v1/models").json()
            #expect(list["object"]?.string == "list")
            let model = try #require(list["data"]?[0])
            #expect(model["id"]?.string == "local-minilm")
            #expect(model["object"]?.string == "model")
            #expect((model["created"]?.int ?? 0) > 1_600_000_000)
            #expect(model["owned_by"]?.string == "swift-embed")
            #expect(try await client.get("/v1/models/local-minilm").json()["id"]?.string == "local-minilm")
            #expect(try await client.get("/v1/models/org/some-model").json()["id"]?.string == "org/some-model")

            let embedded = try await client.post("/v1/embeddings", #"{"model":"anything","input":"x"}"#).json()
            #expect(embedded["model"]?.string == "local-minilm")
        }
    }

    @Test("With requiresMatchingModelName another model is a 404 model_not_found")
    func strictModelName() async throws {
        var configuration = ServerConfiguration.testing
        configuration.requiresMatchingModelName = true
        try await withServer(configuration) { client in
            try expectOpenAIError(
                try await client.post("/v1/embeddings", #"{"model":"text-embedding-3-small","input":"x"}"#),
                status: .notFound, param: "model", code: "model_not_found"
            )
            try expectOpenAIError(try await client.get("/v1/models/other"), status: .notFound, code: "model_not_found")
            #expect(try await client.post("/v1/embeddings", #"{"model":"hash-embed","input":"x"}"#).status == .ok)
            #expect(try await client.get("/v1/models/hash-embed").status == .ok)
        }
    }

    @Test("An engine failure is a 500 server_error with the engine's message")
    func engineFailure() async throws {
        try await withServer { client in
            let message = try expectOpenAIError(try await client.post("/v1/embeddings", #"{"input":"FAIL"}"#), status: .internalServerError)
            #expect(message.contains("told to fail"))
            #expect(try await client.post("/v1/embeddings", #"{"input":"FAIL"}"#).json()["error"]?["type"]?.string == "server_error")
        }
    }

    @Test("A remote service's failure is a gateway error, its rate limit a 429 to retry, in every API", arguments: [
        ("UPSTREAM_DOWN", HTTPResponse.Status.badGateway, HTTPResponse.Status.badGateway),
        ("UPSTREAM_TIMEOUT", .gatewayTimeout, .gatewayTimeout),
        ("UPSTREAM_429", .tooManyRequests, .serviceUnavailable),
    ])
    func upstreamFailures(trigger: String, status: HTTPResponse.Status, ollamaStatus: HTTPResponse.Status) async throws {
        try await withServer { client in
            let openAI = try await client.post("/v1/embeddings", #"{"input":"\#(trigger)"}"#)
            let message = try expectOpenAIError(openAI, status: status)
            #expect(message.contains("remote test service"))
            _ = try expectOllamaError(try await client.post("/api/embed", #"{"model":"m","input":"\#(trigger)"}"#), status: ollamaStatus)
            _ = try expectTEIError(try await client.post("/embed", #"{"inputs":"\#(trigger)"}"#), status: status,
                                   type: status == .tooManyRequests ? "Overloaded" : "Backend")
            // A rate limit says when to come back, as the server's own back-pressure does.
            #expect((openAI.headers[.retryAfter] != nil) == (status == .tooManyRequests))
        }
    }

    @Test("An engine returning too few vectors is a 500, not a misaligned answer")
    func engineCountMismatch() async throws {
        try await withServer { client in
            let message = try expectOpenAIError(try await client.post("/v1/embeddings", #"{"input":["a","SHORT"]}"#), status: .internalServerError)
            #expect(message.contains("1 embeddings for 2 inputs"))
        }
    }
}
