import AsyncHTTPClient
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

/// The behaviour every provider shares, each run against a fake server speaking that provider's
/// wire format: vectors in order, batching, credentials, retry hints, server errors, timeouts
/// and malformed bodies.
@Suite("Every provider")
struct ProviderBehaviourTests {
    @Test("Returns one vector per text in input order and sends the credentials", arguments: ProviderHarness.all)
    func returnsVectorsInOrder(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        try await withFakeServer(provider.handler { provider.respond($0) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport())
            let texts = ["t3", "t1", "t2"]
            let embeddings = try await embedder.embed(texts)
            #expect(embeddings.map(\.vector) == texts.map(provider.expected))
            let requests = server.requests(to: provider.embeddingPath)
            #expect(!requests.isEmpty)
            for request in requests {
                #expect(provider.isAuthenticated(request), "credentials missing in \(request.headers)")
                #expect(request.method == "POST")
                #expect(request.header("content-type") == "application/json")
            }
            #expect(requests.flatMap(provider.inputs) == texts)
        }
    }

    @Test("An empty input list sends nothing", arguments: ProviderHarness.all)
    func emptyInput(provider: ProviderHarness) async throws {
        try await withFakeServer(provider.handler { provider.respond($0) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport())
            #expect(try await embedder.embed([]).isEmpty)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("Splits into batches, runs them concurrently and reassembles in input order", arguments: ProviderHarness.all)
    func splitsBatches(provider: ProviderHarness) async throws {
        let texts = FakeVectors.texts(7)
        try await withFakeServer(
            provider.handler { request in
                // Earlier batches answer later, so completion order is the reverse of input order.
                let first = FakeVectors.number(in: provider.inputs(request).first ?? "t0")
                return provider.respond(request).delayed(by: .milliseconds(Int(60 - first * 8)))
            }
        ) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport(batchSize: 2, concurrency: 3))
            let embeddings = try await embedder.embed(texts)
            #expect(embeddings.map(\.vector) == texts.map(provider.expected))
            let batches = server.requests(to: provider.embeddingPath).map(provider.inputs)
            #expect(batches.allSatisfy { $0.count <= 2 })
            #expect(batches.count >= 4)
            #expect(Set(batches.flatMap { $0 }) == Set(texts))
        }
    }

    enum RetryHintForm: String, CaseIterable, CustomStringConvertible {
        case retryAfterMilliseconds, retryAfterSeconds, retryAfterHTTPDate, googleRetryInfo
        var description: String { rawValue }

        var expectedDelay: Duration {
            switch self {
            case .retryAfterMilliseconds: .milliseconds(1500)
            case .retryAfterSeconds: .seconds(2)
            case .retryAfterHTTPDate: .seconds(7)
            case .googleRetryInfo: .milliseconds(4400)
            }
        }

        func response(_ provider: ProviderHarness) -> FakeResponse {
            switch self {
            case .retryAfterMilliseconds:
                var response = provider.errorBody(429, "Rate limit reached")
                response.headers["retry-after-ms"] = "1500"
                return response
            case .retryAfterSeconds:
                var response = provider.errorBody(429, "Rate limit reached")
                response.headers["retry-after"] = "2"
                return response
            case .retryAfterHTTPDate:
                var response = provider.errorBody(429, "Rate limit reached")
                response.headers["retry-after"] = httpDate(RecordingClock.fixedNow.addingTimeInterval(7))
                return response
            case .googleRetryInfo:
                return .json(
                    ErrorBodies.google(
                        429, "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model",
                        status: "RESOURCE_EXHAUSTED",
                        details: [
                            ["@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []],
                            ["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "4.4s"],
                        ]),
                    status: 429)
            }
        }
    }

    @Test(
        "Retries a 429 after the wait the server asked for",
        arguments: ProviderHarness.all, RetryHintForm.allCases)
    func honoursRetryHints(provider: ProviderHarness, form: RetryHintForm) async throws {
        let clock = RecordingClock()
        let attempts = Counter()
        try await withFakeServer(
            provider.handler { request in
                attempts.next() == 0 ? form.response(provider) : provider.respond(request)
            }
        ) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport())
            let embeddings = try await embedder.embed(["t1", "t2"])
            #expect(embeddings.map(\.vector) == ["t1", "t2"].map(provider.expected))
            #expect(server.requests(to: provider.embeddingPath).count == 2)
            #expect(clock.sleeps == [form.expectedDelay])
        }
    }

    @Test("Retries a 500 with exponential backoff, then succeeds", arguments: ProviderHarness.all)
    func retriesServerErrors(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        let attempts = Counter()
        try await withFakeServer(
            provider.handler { request in
                attempts.next() < 2 ? provider.errorBody(500, "The server had an error") : provider.respond(request)
            }
        ) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport(retries: 3))
            let embeddings = try await embedder.embed(["t5"])
            #expect(embeddings.map(\.vector) == [provider.expected("t5")])
            #expect(server.requests(to: provider.embeddingPath).count == 3)
            #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
        }
    }

    @Test("Gives up after the retry budget and reports the last error", arguments: ProviderHarness.all)
    func retriesExhausted(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        try await withFakeServer(provider.handler { _ in provider.errorBody(503, "Overloaded, try later") }) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport(retries: 2))
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .retriesExhausted)
            #expect(error.attempts == 3)
            #expect(error.lastError?.statusCode == 503)
            #expect(error.serverMessage == "Overloaded, try later")
            #expect(error.description.contains("Overloaded, try later"))
            #expect(server.requests(to: provider.embeddingPath).count == 3)
        }
    }

    @Test("Times out when the server is slower than the deadline", arguments: ProviderHarness.all)
    func timesOut(provider: ProviderHarness) async throws {
        try await withFakeServer(provider.handler { provider.respond($0).delayed(by: .seconds(5)) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport(retries: 0, timeout: .milliseconds(200)))
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            // A timeout error (not vectors) proves the client gave up before the server answered.
            #expect(error.kind == .timeout)
            #expect(error.description.contains("200 ms"))
        }
    }

    @Test("Reports malformed JSON as a malformed response", arguments: ProviderHarness.all)
    func malformedJSON(provider: ProviderHarness) async throws {
        try await withFakeServer(provider.handler { _ in .text("{\"data\": [", status: 200) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport())
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .malformedResponse)
            #expect(server.requests(to: provider.embeddingPath).count == 1)
        }
    }

    @Test("Reports a well-formed body without vectors, naming the field", arguments: ProviderHarness.all)
    func missingField(provider: ProviderHarness) async throws {
        try await withFakeServer(provider.handler { _ in .json(["unexpected": true]) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport())
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .malformedResponse)
            #expect(error.field != nil)
        }
    }

    @Test("Surfaces the server's message on an authentication failure and does not retry", arguments: ProviderHarness.all)
    func authenticationFailure(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        try await withFakeServer(provider.handler { _ in provider.errorBody(401, "Incorrect API key provided: sk-te***123") }) {
            server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport(retries: 3))
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .http)
            #expect(error.statusCode == 401)
            #expect(error.isAuthenticationFailure)
            #expect(error.serverMessage == "Incorrect API key provided: sk-te***123")
            #expect(error.description.contains(error.provider))
            #expect(error.description.contains("Incorrect API key provided"))
            #expect(server.requests(to: provider.embeddingPath).count == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("Does not retry a 400 validation error", arguments: ProviderHarness.all)
    func validationError(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        try await withFakeServer(provider.handler { _ in provider.errorBody(400, "Input is too long") }) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport(retries: 3))
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.statusCode == 400)
            #expect(error.serverMessage == "Input is too long")
            #expect(server.requests(to: provider.embeddingPath).count == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("Does not retry when the server asks for a wait above the cap", arguments: ProviderHarness.all)
    func serverDelayAboveCap(provider: ProviderHarness) async throws {
        let clock = RecordingClock()
        try await withFakeServer(
            provider.handler { _ in
                var response = provider.errorBody(429, "Rate limit reached")
                response.headers["retry-after"] = "86400"
                return response
            }
        ) { server in
            let embedder = try provider.make(server.baseURL, server.client, clock.transport(retries: 3))
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .http)
            #expect(error.statusCode == 429)
            #expect(server.requests(to: provider.embeddingPath).count == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("Retries a refused connection, then reports it", arguments: ProviderHarness.all)
    func connectionRefused(provider: ProviderHarness) async throws {
        // Port 1 (tcpmux) is privileged and unused: connecting is refused at once.
        let base = "http://127.0.0.1:1"
        let clock = RecordingClock()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let embedder = try provider.make(base, client, clock.transport(retries: 1, timeout: .seconds(2)))
        let failure = await #expect(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
        try await client.shutdown()
        let error = try #require(failure)
        #expect(error.kind == .retriesExhausted)
        #expect(error.lastError?.kind == .connection || error.lastError?.kind == .timeout)
        #expect(clock.sleeps.count == 1)
    }

    @Test("Rejects an empty text before sending anything", arguments: ProviderHarness.all)
    func emptyText(provider: ProviderHarness) async throws {
        try await withFakeServer(provider.handler { provider.respond($0) }) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport())
            let error = try await #require(throws: EmbeddingError.self) { try await embedder.embed(["t1", ""]) }
            #expect(error == .emptyInput(index: 1))
            #expect(server.requests(to: provider.embeddingPath).isEmpty)
        }
    }

    @Test("Reports a response with the wrong number of vectors", arguments: ProviderHarness.all)
    func countMismatch(provider: ProviderHarness) async throws {
        try await withFakeServer(
            provider.handler { request in
                // Answer as if only the first text had been sent.
                var copy = request
                var json = request.json.objectValue ?? [:]
                for key in ["input", "inputs", "requests", "instances"] {
                    if let array = json[key]?.arrayValue { json[key] = .array(Array(array.prefix(1))) }
                }
                copy.body = (try? JSONEncoder().encode(JSONValue.object(json))) ?? Data()
                return provider.respond(copy)
            }
        ) { server in
            let embedder = try provider.make(server.baseURL, server.client, RecordingClock().transport(batchSize: 2))
            let error = try await #require(throws: EmbeddingError.self) { try await embedder.embed(["t1", "t2"]) }
            #expect(error.description.contains("returned 1 embeddings for 2 texts"))
        }
    }
}

@Suite("What a provider error says about the remote service")
struct UpstreamFailureTests {
    static let cases: [(ProviderError, UpstreamFailure?)] = [
        (.http(provider: "OpenAI", status: 429, message: "slow down"), .rateLimited),
        (.http(provider: "OpenAI", status: 503, message: nil), .failed),
        (.http(provider: "OpenAI", status: 401, message: "bad key"), .failed),
        (.timeout(provider: "Ollama", after: .seconds(5)), .timedOut),
        (.connectionFailed(provider: "Ollama", detail: "refused"), .failed),
        (.malformedResponse(provider: "TEI", field: "data", detail: "missing"), .failed),
        (.retriesExhausted(provider: "OpenAI", attempts: 3, last: .http(provider: "OpenAI", status: 429, message: nil)), .rateLimited),
        (.retriesExhausted(provider: "OpenAI", attempts: 3, last: .timeout(provider: "OpenAI", after: .seconds(1))), .timedOut),
        (.invalidRequest(provider: "Vertex AI", detail: "no project"), nil),
        (.credentials(provider: "Vertex AI", detail: "unreadable key file"), nil),
    ]

    @Test("Rate limits, timeouts and failures of the service; errors raised here are not the service's", arguments: cases)
    func mapping(error: ProviderError, expected: UpstreamFailure?) {
        #expect(error.upstreamFailure == expected, "\(error)")
        #expect((error as any Error as? any UpstreamError)?.upstreamFailure == expected)
    }
}
