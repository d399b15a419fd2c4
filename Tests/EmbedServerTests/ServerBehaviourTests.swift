import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import EmbedServer

@Suite("Errors, authentication, metrics and lifecycle")
struct ServerBehaviourTests {
    @Test("Unknown routes are 404 in the dialect of their path")
    func notFoundShapes() async throws {
        try await withServer { client in
            try expectOpenAIError(try await client.get("/v1/nothing"), status: .notFound)
            try expectOllamaError(try await client.get("/api/nothing"), status: .notFound)
            try expectTEIError(try await client.get("/nothing"), status: .notFound, type: "Validation")
        }
    }

    @Test("A body over maxBodySize is 413 in each dialect, whether declared or streamed")
    func bodyTooLarge() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxBodySize = 100
        let long = String(repeating: "x", count: 200)
        try await withServer(configuration) { client in
            try expectOpenAIError(try await client.post("/v1/embeddings", #"{"input":"\#(long)"}"#), status: .contentTooLarge)
            try expectOllamaError(try await client.post("/api/embed", #"{"model":"m","input":"\#(long)"}"#), status: .contentTooLarge)
            try expectTEIError(try await client.post("/embed", #"{"inputs":"\#(long)"}"#), status: .contentTooLarge, type: "Validation")
        }
    }

    @Test("Without Content-Length the body limit is enforced while reading")
    func streamedBodyTooLarge() async throws {
        struct Body: Decodable { let inputs: String }
        let chunks = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<10 { continuation.yield(ByteBuffer(string: String(repeating: "x", count: 50))) }
            continuation.finish()
        }
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/embed"),
            body: RequestBody(asyncSequence: chunks)
        )
        #expect(request.headers[.contentLength] == nil)
        await #expect(throws: APIError.payloadTooLarge(limit: 100)) {
            _ = try await request.decodeJSON(as: Body.self, limit: 100)
        }
    }

    @Test("An empty body is a 400 in each dialect")
    func emptyBody() async throws {
        try await withServer { client in
            try expectOpenAIError(try await client.post("/v1/embeddings", ""), status: .badRequest)
            try expectOllamaError(try await client.post("/api/embed", ""), status: .badRequest)
            try expectTEIError(try await client.post("/embed", ""), status: .unprocessableContent, type: "Validation")
        }
    }

    @Test("A known path with the wrong method is a 404 in the dialect's shape")
    func wrongMethod() async throws {
        try await withServer { client in
            let openAI = try await client.get("/v1/embeddings")
            try expectOpenAIError(openAI, status: .notFound)
            try expectOllamaError(try await client.get("/api/embed"), status: .notFound)
        }
    }

    @Test("GET /health is 200 and reports the model")
    func health() async throws {
        try await withServer { client in
            let response = try await client.get("/health")
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["status"]?.string == "ok")
            let model = try #require(json["models"]?[0])
            #expect(model["name"]?.string == "hash-embed")
            #expect(model["engine"]?.string == "local")
            #expect(model["dimensions"]?.int == 8)
            #expect(model["queue_depth"]?.int == 0)
            #expect(response.headers[.connection] == nil)
        }
    }

    static let protectedRequests: [(String, HTTPRequest.Method, String?, APIDialect)] = [
        ("/v1/embeddings", .post, #"{"input":"x"}"#, .openAI),
        ("/v1/models", .get, nil, .openAI),
        ("/api/embed", .post, #"{"model":"m","input":"x"}"#, .ollama),
        ("/api/tags", .get, nil, .ollama),
        ("/embed", .post, #"{"inputs":"x"}"#, .tei),
        ("/metrics", .get, nil, .tei),
        ("/info", .get, nil, .tei),
    ]

    @Test("With an API key every route but /health needs the bearer token", arguments: protectedRequests)
    func authentication(path: String, method: HTTPRequest.Method, body: String?, dialect: APIDialect) async throws {
        var configuration = ServerConfiguration.testing
        configuration.apiKey = "s3cret-key"
        try await withServer(configuration) { client in
            let buffer = body.map { ByteBuffer(string: $0) }
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Basic czNjcmV0LWtleQ=="], [.authorization: "Bearer s3cret-ke"]] {
                let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: buffer)
                switch dialect {
                case .openAI: try expectOpenAIError(response, status: .unauthorized, code: "invalid_api_key")
                case .ollama: #expect(try expectOllamaError(response, status: .unauthorized) == "unauthorized")
                case .tei: try expectTEIError(response, status: .unauthorized, type: "Validation")
                }
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            let authorized = try await client.executeRequest(
                uri: path, method: method, headers: [.authorization: "Bearer s3cret-key"], body: buffer
            )
            #expect(authorized.status == .ok, "\(authorized.text)")
            #expect(try await client.get("/health").status == .ok)
        }
    }

    @Test("Without an API key no route asks for one", arguments: protectedRequests)
    func noAuthentication(path: String, method: HTTPRequest.Method, body: String?, dialect: APIDialect) async throws {
        try await withServer { client in
            let response = try await client.executeRequest(uri: path, method: method, headers: [:], body: body.map { ByteBuffer(string: $0) })
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    @Test("The key comparison is exact", arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "abcd", false), ("", "a", false)])
    func constantTimeEquality(a: String, b: String, equal: Bool) {
        #expect(AuthenticationMiddleware.constantTimeEquals(a, b) == equal)
    }

    @Test("/metrics reports requests, tokens, queue depth and histograms in Prometheus format")
    func metrics() async throws {
        let embedder = HashingEmbedder()
        try await withServer(embedder: embedder) { client in
            _ = try await client.post("/v1/embeddings", #"{"input":["a b","c"]}"#)
            _ = try await client.post("/v1/embeddings", #"{"input":"d e f"}"#)
            _ = try await client.post("/v1/embeddings", #"{"input":""}"#)
            _ = try await client.get("/v1/models/some-model")
            _ = try await client.get("/does/not/exist/1")
            _ = try await client.get("/does/not/exist/2")
            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            let lines = Set(text.split(separator: "\n").map(String.init))
            let samples = MetricSamples(text)
            for (series, value) in [
                (#"embed_http_requests_total{route="/v1/embeddings",method="POST",status="200"}"#, 2.0),
                (#"embed_http_requests_total{route="/v1/embeddings",method="POST",status="400"}"#, 1),
                (#"embed_http_requests_total{route="/v1/models/**",method="GET",status="200"}"#, 1),
                (#"embed_http_requests_total{route="unmatched",method="GET",status="404"}"#, 2),
                (#"embed_inputs_total{model="hash-embed"}"#, 3),
                (#"embed_tokens_total{model="hash-embed"}"#, 12),  // (2+2) + (1+2) + (3+2)
                (#"embed_queue_depth{model="hash-embed"}"#, 0),
                (#"embed_queue_rejections_total{model="hash-embed"}"#, 0),
                (#"embed_engine_failures_total{model="hash-embed"}"#, 0),
                (#"embed_batch_size_bucket{model="hash-embed",le="1"}"#, 1),
                (#"embed_batch_size_bucket{model="hash-embed",le="2"}"#, 2),
                (#"embed_batch_size_bucket{model="hash-embed",le="+Inf"}"#, 2),
                (#"embed_batch_size_count{model="hash-embed"}"#, 2),
                (#"embed_batch_size_sum{model="hash-embed"}"#, 3),
                (#"embed_http_request_duration_seconds_count{route="/v1/embeddings"}"#, 3),
                (#"embed_http_request_duration_seconds_bucket{route="/v1/embeddings",le="+Inf"}"#, 3),
            ] {
                #expect(samples[series] == value, "missing sample: \(series) \(value)\n\(text)")
            }
            for expected in [
                "# TYPE embed_http_requests_total counter",
                "# TYPE embed_queue_depth gauge",
                "# TYPE embed_batch_size histogram",
                "# TYPE embed_http_request_duration_seconds histogram",
            ] {
                #expect(lines.contains(expected), "missing line: \(expected)\n\(text)")
            }
            #expect(!text.contains("/does/not/exist"))
        }
    }

    @Test("Every response carries a request id; a caller's X-Request-Id is echoed")
    func requestIDs() async throws {
        try await withServer { client in
            let generated = try await client.get("/health")
            #expect(generated.headers[.requestID]?.isEmpty == false)
            let echoed = try await client.get("/health", headers: [.requestID: "trace-42"])
            #expect(echoed.headers[.requestID] == "trace-42")
            let unsafe = try await client.get("/health", headers: [.requestID: "bad id with spaces"])
            #expect(unsafe.headers[.requestID] != "bad id with spaces")
        }
    }

    @Test("Requests are logged with their id, method, path and status")
    func requestLogging() async throws {
        let recorder = LogRecorder()
        let logger = Logger(label: "test", factory: recorder.handler(label:))
        try await withServer(logger: logger) { client in
            _ = try await client.get("/health", headers: [.requestID: "abc-123"])
        }
        let line = recorder.messages.first { $0.message == "GET /health 200" }
        #expect(line?.level == .info)
        #expect(recorder.records.contains { $0.message == "GET /health 200" && $0.metadata["hb.request.id"] == "abc-123" })
    }

    @Test("Binding a non-loopback address without a key logs a warning; with a key it does not")
    func exposureWarning() async throws {
        for (host, key, warns) in [("0.0.0.0", nil, true), ("0.0.0.0", "k", false), ("127.0.0.1", nil, false)] as [(String, String?, Bool)] {
            let recorder = LogRecorder()
            var configuration = ServerConfiguration.testing
            configuration.host = host
            configuration.apiKey = key
            try await withServer(configuration, logger: Logger(label: "test", factory: recorder.handler(label:))) { _ in }
            let warned = recorder.messages.contains { $0.level == .warning && $0.message.contains("without an API key") }
            #expect(warned == warns, "host \(host), key \(key ?? "none")")
        }
    }

    @Test("Loopback detection", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true),
        ("0.0.0.0", false), ("192.168.1.10", false), ("::", false), ("127.0.0.1.evil.example", false),
    ])
    func loopback(host: String, isLoopback: Bool) {
        #expect(ServerConfiguration(host: host).isLoopbackOnly == isLoopback)
    }

    @Test("An invalid configuration fails startup with every problem named")
    func invalidConfiguration() async throws {
        let configuration = ServerConfiguration(port: 70_000, maxBatchSize: 0, queueCapacity: -1)
        #expect(configuration.problems.count == 3)
        let error = await #expect(throws: ServerConfigurationError.self) {
            try await withServer(configuration) { _ in }
        }
        #expect(error?.problems == configuration.problems)
        #expect(error?.description.contains("maxBatchSize") == true)
        #expect(ServerConfiguration().problems.isEmpty)
    }

    @Test("warmsUpBeforeServing embeds once before the first request")
    func warmUp() async throws {
        let embedder = HashingEmbedder()
        var configuration = ServerConfiguration.testing
        configuration.warmsUpBeforeServing = true
        try await withServer(configuration, embedder: embedder) { _ in
            #expect(embedder.callCount == 1)
        }
    }

    @Test("A live server on a real socket answers all three APIs")
    func live() async throws {
        let app = buildApplication(
            configuration: ServerConfiguration(port: 0), embedder: HashingEmbedder(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await app.test(.live) { client in
            #expect(client.port != nil)
            #expect(try await client.post("/v1/embeddings", #"{"input":["a","b"],"encoding_format":"base64"}"#).status == .ok)
            #expect(try await client.post("/api/embed", #"{"model":"m","input":"a"}"#).status == .ok)
            #expect(try await client.post("/embed", #"{"inputs":"a"}"#).status == .ok)
            let large = "[" + (0..<500).map { "\"text \($0) with several words\"" }.joined(separator: ",") + "]"
            let response = try await client.post("/v1/embeddings", #"{"input":\#(large)}"#)
            #expect(try response.json()["data"]?.array?.count == 500)
        }
    }
}
