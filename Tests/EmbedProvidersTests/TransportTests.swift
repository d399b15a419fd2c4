import EmbedConfiguration
import EmbedCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import EmbedProviders

@Suite("Transport")
struct TransportTests {
    @Test("Parses Retry-After as seconds or as an HTTP date", arguments: [
        ("2", Optional(Duration.seconds(2))), ("0.5", .milliseconds(500)), ("  3 ", .seconds(3)),
        ("Sun, 15 Jun 2025 15:06:50 GMT", .seconds(10)),  // fixedNow is 15:06:40
        ("Sunday, 15-Jun-25 15:06:50 GMT", .seconds(10)), ("Sun Jun 15 15:06:50 2025", .seconds(10)),
        ("Sun, 15 Jun 2025 15:06:30 GMT", .zero), ("soon", nil),
    ])
    func retryAfter(value: String, expected: Duration?) {
        #expect(RetryHint.retryAfter(value, now: RecordingClock.fixedNow) == expected)
    }

    @Test("retry-after-ms wins over Retry-After, which wins over the body's RetryInfo")
    func hintPrecedence() throws {
        let body = ServerErrorBody(
            try JSONEncoder().encode(
                ErrorBodies.google(
                    429, "slow down", status: "RESOURCE_EXHAUSTED",
                    details: [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34.4s"]])))
        var headers = HTTPHeaders()
        #expect(RetryHint.delay(headers: headers, body: body, now: RecordingClock.fixedNow) == .milliseconds(34_400))
        headers.add(name: "Retry-After", value: "5")
        #expect(RetryHint.delay(headers: headers, body: body, now: RecordingClock.fixedNow) == .seconds(5))
        headers.add(name: "retry-after-ms", value: "250")
        #expect(RetryHint.delay(headers: headers, body: body, now: RecordingClock.fixedNow) == .milliseconds(250))
    }

    @Test("Reads each provider's error shape", arguments: [
        (#"{"error":{"message":"Bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#, "Bad key", Optional("invalid_api_key")),
        (#"{"error":{"message":"quota","type":"insufficient_quota","code":null}}"#, "quota", "insufficient_quota"),
        (#"{"error":{"code":"429","message":"Requests to the Embeddings_Create Operation ..."}}"#, "Requests to the Embeddings_Create Operation ...", "429"),
        (#"{"error":{"code":400,"message":"Invalid","status":"INVALID_ARGUMENT"}}"#, "Invalid", "INVALID_ARGUMENT"),
        (#"{"error":"model 'x' not found"}"#, "model 'x' not found", nil),
        (#"{"error":"Input validation error","error_type":"Validation"}"#, "Input validation error", "Validation"),
        (#"{"message":"Input validation error","code":422,"type":"Validation"}"#, "Input validation error", "Validation"),
        (#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#, "Invalid JWT Signature.", "invalid_grant"),
        (#"{"detail":"Not Found"}"#, "Not Found", nil),
        ("404 page not found\n", "404 page not found", nil),
    ])
    func errorShapes(body: String, message: String, code: String?) {
        let parsed = ServerErrorBody(Data(body.utf8))
        #expect(parsed.message == message)
        #expect(parsed.code == code)
    }

    @Test("Backoff doubles from the initial delay, is capped, and jitter only shortens it")
    func backoff() {
        let policy = RetryPolicy(initialBackoff: .milliseconds(500), maxBackoff: .seconds(8), clock: RecordingClock().clock)
        #expect((0..<6).map { policy.delay(beforeRetry: $0, serverHint: nil) } == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8),
        ])
        var jittered = policy
        jittered.clock.random = { 1 }
        #expect(jittered.delay(beforeRetry: 0, serverHint: nil) == .milliseconds(375))
        #expect(policy.delay(beforeRetry: 0, serverHint: .seconds(30)) == .seconds(30))
        #expect(policy.delay(beforeRetry: 0, serverHint: .seconds(61)) == nil)
        #expect(policy.delay(beforeRetry: 0, serverHint: .zero) == .milliseconds(500))
    }

    @Test("The retry loop waits as told, stops when told, and never retries a cancelled task")
    func retryLoop() async throws {
        struct Failure: Error {}
        let recording = RecordingClock()
        let policy = RetryPolicy(maxRetries: 5, clock: recording.clock)
        let attempts = Mutex(0)
        let value = try await policy.run {
            try attempts.withLock { count in
                count += 1
                if count < 3 { throw Failure() }
                return count
            }
        } decide: { _, retries in .milliseconds(10 * (retries + 1)) }
        #expect(value == 3)
        #expect(recording.sleeps == [.milliseconds(10), .milliseconds(20)])

        await #expect(throws: Failure.self) {
            try await policy.run { () async throws -> Int in throw Failure() } decide: { failure, _ in throw failure }
        }
        // Cancelled: neither a CancellationError from the attempt nor a failure in a cancelled
        // task is retried, even with a clock whose sleep does not check for cancellation.
        let cancelled = Task {
            try await policy.run { () async throws -> Int in throw CancellationError() } decide: { _, _ in .zero }
        }
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        let tries = Mutex(0)
        let stopped = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await policy.run { () async throws -> Int in
                tries.withLock { $0 += 1 }
                throw Failure()
            } decide: { _, _ in .zero }
        }
        await #expect(throws: CancellationError.self) { try await stopped.value }
        #expect(tries.withLock { $0 } == 1)
    }

    @Test("Splits by count and by estimated tokens, never leaving a text out")
    func batchRanges() {
        let texts = (0..<10).map { String(repeating: "x", count: $0 == 4 ? 3000 : 30) }
        #expect(Batching.ranges(for: texts, limits: BatchLimits(maxItems: 4)) == [0..<4, 4..<8, 8..<10])
        // Text 4 alone exceeds the 500-token budget: it travels alone.
        #expect(Batching.ranges(for: texts, limits: BatchLimits(maxItems: 100, maxTokens: 500)) == [0..<4, 4..<5, 5..<10])
        #expect(Batching.ranges(for: [], limits: BatchLimits(maxItems: 4)).isEmpty)
    }

    @Test("Runs batches with bounded concurrency and reassembles them in order")
    func boundedConcurrency() async throws {
        let inFlight = InFlight()
        let ranges = (0..<12).map { $0..<($0 + 1) }
        let result = try await Batching.run(ranges, maxConcurrency: 3) { range in
            await inFlight.enter()
            try await Task.sleep(for: .milliseconds(12 - range.lowerBound))
            await inFlight.leave()
            return [range.lowerBound]
        }
        #expect(result == Array(0..<12))
        #expect(await inFlight.peak == 3)
    }

    @Test("The first failing batch fails the call")
    func batchFailure() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            _ = try await Batching.run([0..<1, 1..<2, 2..<3], maxConcurrency: 2) { range -> [Int] in
                if range.lowerBound == 1 { throw Boom() }
                return [range.lowerBound]
            }
        }
    }

    @Test("Endpoints join cleanly and form values are encoded")
    func endpoints() throws {
        #expect(Endpoint.join("http://h/v1/", "/embeddings") == "http://h/v1/embeddings")
        #expect(Endpoint.formEncoded([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("a", "x y&z")])
            == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&a=x%20y%26z")
        #expect(try Endpoint.base("https://api.example.test/v1//", setting: "s") == "https://api.example.test/v1")
        #expect(throws: ConfigurationError.self) { try Endpoint.base("ftp://x", setting: "s") }
    }

    @Test("Error descriptions name the provider and say what failed")
    func descriptions() {
        #expect(ProviderError.http(provider: "OpenAI", status: 401, message: "Incorrect API key provided").description
            == "OpenAI answered HTTP 401: Incorrect API key provided. Check the API key or token.")
        #expect(ProviderError.timeout(provider: "Ollama", after: .milliseconds(250)).description == "Ollama did not answer within 250 ms.")
        #expect(ProviderError.timeout(provider: "Ollama", after: .seconds(60)).description == "Ollama did not answer within 60.0 s.")
        #expect(ProviderError.malformedResponse(provider: "Gemini", field: "embeddings[0].values", detail: "empty vector").description
            == "Gemini sent a malformed response at 'embeddings[0].values': empty vector")
    }
}

@Suite("What a network error means")
struct ConnectionProblemTests {
    @Test("Socket errors read as refused, timed out, or in words without type names")
    func socketErrors() {
        #expect(HTTPTransport.connectionProblem(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .refused)
        #expect(HTTPTransport.connectionProblem(IOError(errnoCode: ETIMEDOUT, reason: "connect")) == .connectTimeout)
        #expect(HTTPTransport.connectionProblem(ChannelError.connectTimeout(.seconds(5))) == .connectTimeout)
        #expect(HTTPTransport.connectionProblem(IOError(errnoCode: ENETUNREACH, reason: "connect"))
            == .other(String(cString: strerror(ENETUNREACH)).lowercased()))
    }

    @Test("Refused and timed-out connection attempts are retried; unknown hosts and TLS failures are not")
    func retryability() {
        let endpoint = ProviderEndpoint(url: "http://127.0.0.1:9", source: .configuration(key: "base_url"))
        for (problem, retryable) in [
            (ConnectionProblem.refused, true), (.connectTimeout, true), (.other("reset"), true),
            (.unknownHost("x.invalid"), false), (.tls("wrong version number"), false),
        ] {
            #expect(ProviderError.connectionFailed(provider: "P", problem: problem, endpoint: endpoint).isRetryable == retryable)
        }
    }

    @Test("Summaries are a few words for progress lines")
    func summaries() {
        #expect(ProviderError.connectionFailed(provider: "P", problem: .refused, endpoint: nil).summary == "connection refused")
        #expect(ProviderError.timeout(provider: "P", after: .seconds(60)).summary == "no answer within 60.0 s")
        #expect(ProviderError.http(provider: "P", status: 503, message: "Overloaded").summary == "HTTP 503: Overloaded")
    }
}

private actor InFlight {
    private var current = 0
    private(set) var peak = 0
    func enter() { current += 1; peak = max(peak, current) }
    func leave() { current -= 1 }
}
