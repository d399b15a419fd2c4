import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import EmbedServer

@Suite("Request coalescing and back-pressure", .timeLimit(.minutes(1)))
struct BatchingTests {
    /// Waits until `condition` holds, polling; fails the test after `timeout`.
    static func waitUntil(
        timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while try await !condition() {
            if ContinuousClock.now > deadline {
                Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("Concurrent requests share model calls and each gets its own vectors in order")
    func coalescing() async throws {
        let embedder = HashingEmbedder(delay: .milliseconds(20))
        var configuration = ServerConfiguration.testing
        configuration.maxBatchWait = .milliseconds(50)
        configuration.maxBatchSize = 256
        let requests = 24
        let textsPerRequest = (0..<requests).map { request in (0...(request % 4)).map { "request \(request) text \($0)" } }
        let expected = try await HashingEmbedder().embed(textsPerRequest.flatMap { $0 }).map(\.vector)

        let results = try await withServer(configuration, embedder: embedder) { client in
            try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
                for (index, texts) in textsPerRequest.enumerated() {
                    group.addTask {
                        let input = "[" + texts.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                        let response = try await client.post("/v1/embeddings", #"{"input":\#(input),"encoding_format":"float"}"#)
                        #expect(response.status == .ok, "\(response.text)")
                        let data = try #require(try response.json()["data"]?.array)
                        #expect(data.map { $0["index"]?.int ?? -1 } == Array(0..<texts.count))
                        return (index, data.compactMap { $0["embedding"]?.floats })
                    }
                }
                var results = [[[Float]]](repeating: [], count: requests)
                for try await (index, vectors) in group { results[index] = vectors }
                return results
            }
        }

        var offset = 0
        for (index, vectors) in results.enumerated() {
            #expect(vectors.count == textsPerRequest[index].count, "request \(index)")
            for vector in vectors {
                expectClose(vector, expected[offset])
                offset += 1
            }
        }
        #expect(embedder.batchSizes.reduce(0, +) == expected.count)
        #expect(embedder.callCount < requests / 2, "batch sizes: \(embedder.batchSizes)")
        #expect(embedder.batchSizes.max() ?? 0 > 1)
    }

    @Test("A request larger than maxBatchSize is split across calls and reassembled in order")
    func splitting() async throws {
        let embedder = HashingEmbedder()
        var configuration = ServerConfiguration.testing
        configuration.maxBatchSize = 4
        let texts = (0..<10).map { "text number \($0)" }
        let expected = try await HashingEmbedder().embed(texts).map(\.vector)
        try await withServer(configuration, embedder: embedder) { client in
            let input = "[" + texts.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            let data = try #require(try await client.post("/v1/embeddings", #"{"input":\#(input)}"#).json()["data"]?.array)
            for (item, vector) in zip(data, expected) { expectClose(item["embedding"]?.floats, vector) }
        }
        #expect(embedder.batchSizes == [4, 4, 2])
    }

    @Test("Each text is tokenized once: counted and checked when the request arrives, then embedded from its ids", arguments: [
        ("/v1/embeddings", #"{"input":["one","two words","three more words"]}"#),
        ("/api/embed", #"{"input":["one","two words","three more words"]}"#),
        ("/embed", #"{"inputs":["one","two words","three more words"]}"#),
    ])
    func tokenizedOnce(route: String, body: String) async throws {
        let embedder = HashingEmbedder()
        let status = try await withServer(embedder: embedder) { client in try await client.post(route, body).status }
        #expect(status == .ok)
        #expect(embedder.tokenizedTexts == 3)
        #expect(embedder.textCalls == 0)
        #expect(embedder.batchSizes == [3])
    }

    @Test("maxBatchTokens bounds the tokens of a call; a single long input still runs alone")
    func tokenBudget() async throws {
        let embedder = HashingEmbedder()
        var configuration = ServerConfiguration.testing
        configuration.maxBatchTokens = 10
        // Token counts (with [CLS]/[SEP]): 4, 4, 4, 16 (truncated from 22), 3.
        let texts = ["a b c", "d e f", "g h i", (1...20).map { "w\($0)" }.joined(separator: " "), "j k"]
        try await withServer(configuration, embedder: embedder) { client in
            let input = "[" + texts.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            let status = try await client.post("/v1/embeddings", #"{"input":\#(input)}"#).status
            #expect(status == .ok)
        }
        #expect(embedder.batchSizes == [2, 1, 1, 1])
    }

    @Test("A full queue is refused at once in each API's shape, and admitted work completes", arguments: APIDialect.allCases)
    func queueFull(_ dialect: APIDialect) async throws {
        let gate = Gate()
        let embedder = HashingEmbedder(gate: gate)
        var configuration = ServerConfiguration.testing
        configuration.queueCapacity = 4
        configuration.maxBatchSize = 4
        let (path, body): (String, @Sendable (String) -> String) =
            switch dialect {
            case .openAI: ("/v1/embeddings", { #"{"input":\#($0)}"# })
            case .ollama: ("/api/embed", { #"{"model":"m","input":\#($0)}"# })
            case .tei: ("/embed", { #"{"inputs":\#($0)}"# })
            }
        let four = #"["a","b","c","d"]"#
        try await withServer(configuration, embedder: embedder) { client in
            // A: taken into a batch, held in the engine by the gate.
            async let first = client.post(path, body(four))
            try await Self.waitUntil { embedder.startedCalls == 1 }
            // B: fills the queue.
            async let second = client.post(path, body(four))
            try await Self.waitUntil { MetricSamples(try await client.get("/metrics").text)[#"embed_queue_depth{model="hash-embed"}"#] == 4 }
            // C: does not fit, refused without waiting. (Should it be admitted instead, the
            // valve opens the gate so that the test fails rather than hangs.)
            let valve = Task {
                try await Task.sleep(for: .seconds(5))
                gate.open()
            }
            defer { valve.cancel() }
            let refused = try await client.post(path, body(#"["e"]"#))
            switch dialect {
            case .openAI: try expectOpenAIError(refused, status: .tooManyRequests, code: "rate_limit_exceeded")
            case .ollama: try expectOllamaError(refused, status: .serviceUnavailable)
            case .tei: try expectTEIError(refused, status: .tooManyRequests, type: "Overloaded")
            }
            #expect(refused.headers[.retryAfter] == "1")
            gate.open()
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
            #expect(MetricSamples(try await client.get("/metrics").text)[#"embed_queue_rejections_total{model="hash-embed"}"#] == 1)
        }
        #expect(embedder.batchSizes == [4, 4])
    }

    @Test("maxConcurrentBatches lets several model calls run at once")
    func concurrentBatches() async throws {
        let gate = Gate()
        let embedder = HashingEmbedder(gate: gate)
        var configuration = ServerConfiguration.testing
        configuration.maxConcurrentBatches = 2
        configuration.maxBatchSize = 1
        try await withServer(configuration, embedder: embedder) { client in
            async let first = client.post("/embed", #"{"inputs":["a","b","c"]}"#)
            try await Self.waitUntil { embedder.startedCalls == 2 }
            try await Task.sleep(for: .milliseconds(50))
            #expect(embedder.startedCalls == 2, "a third call must wait for a free slot")
            gate.open()
            #expect(try await first.status == .ok)
        }
        #expect(embedder.batchSizes == [1, 1, 1])
    }

    @Test("When a shared batch fails, only the request with the bad input fails")
    func failureIsolation() async throws {
        let embedder = HashingEmbedder()
        var configuration = ServerConfiguration.testing
        configuration.maxBatchWait = .milliseconds(100)
        let expected = try await engineVector("innocent bystander")
        try await withServer(configuration, embedder: embedder) { client in
            async let good = client.post("/v1/embeddings", #"{"input":"innocent bystander"}"#)
            async let bad = client.post("/v1/embeddings", #"{"input":["x","FAIL"]}"#)
            let (goodResponse, badResponse) = try await (good, bad)
            #expect(goodResponse.status == .ok)
            expectClose(try goodResponse.json()["data"]?[0]?["embedding"]?.floats, expected)
            try expectOpenAIError(badResponse, status: .internalServerError)
        }
        #expect(embedder.batchSizes.first == 3, "both requests must have shared the first call: \(embedder.batchSizes)")
    }
}

@Suite("Batcher lifecycle", .timeLimit(.minutes(1)))
struct BatcherLifecycleTests {
    static func makeBatcher(_ embedder: HashingEmbedder, capacity: Int = 100) -> (EmbeddingBatcher, ServerMetrics) {
        var configuration = ServerConfiguration.testing
        configuration.queueCapacity = capacity
        let metrics = ServerMetrics()
        let batcher = EmbeddingBatcher(
            engine: EmbeddingEngine(embedder), limits: .init(configuration), metrics: metrics.model(named: "hash-embed"),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return (batcher, metrics)
    }

    @Test("Shutdown finishes queued work, refuses new work, and ends the run loop")
    func gracefulShutdown() async throws {
        let gate = Gate()
        let embedder = HashingEmbedder(gate: gate)
        let (batcher, _) = Self.makeBatcher(embedder)
        let runner = Task { await batcher.run() }
        let first = Task { try await batcher.embed([.text("one")], costs: [3], options: .init()) }
        try await BatchingTests.waitUntil { embedder.startedCalls == 1 }
        let second = Task { try await batcher.embed([.text("two")], costs: [3], options: .init()) }
        try await BatchingTests.waitUntil { await batcher.queueDepth == 1 }

        await batcher.beginShutdown()
        await #expect(throws: APIError.shuttingDown) {
            try await batcher.embed([.text("late")], costs: [3], options: .init())
        }
        gate.open()
        #expect(try await first.value.count == 1)
        #expect(try await second.value.count == 1)
        await runner.value
        #expect(embedder.batchSizes == [1, 1])
    }

    @Test("A cancelled request leaves the queue")
    func cancellation() async throws {
        let gate = Gate()
        let embedder = HashingEmbedder(gate: gate)
        let (batcher, metrics) = Self.makeBatcher(embedder)
        let runner = Task { await batcher.run() }
        let first = Task { try await batcher.embed([.text("one")], costs: [3], options: .init()) }
        try await BatchingTests.waitUntil { embedder.startedCalls == 1 }
        let doomed = Task { try await batcher.embed([.text("a"), .text("b")], costs: [3, 3], options: .init()) }
        try await BatchingTests.waitUntil { await batcher.queueDepth == 2 }

        doomed.cancel()
        await #expect(throws: CancellationError.self) { try await doomed.value }
        #expect(await batcher.queueDepth == 0)
        #expect(MetricSamples(metrics.render())[#"embed_queue_depth{model="hash-embed"}"#] == 0)
        gate.open()
        #expect(try await first.value.count == 1)
        await batcher.beginShutdown()
        await runner.value
        #expect(embedder.batchSizes == [1])
    }

    @Test("Cancelling the run loop fails what is still queued instead of leaving it hanging")
    func runCancellation() async throws {
        let gate = Gate()
        let embedder = HashingEmbedder(gate: gate)
        let (batcher, _) = Self.makeBatcher(embedder)
        let runner = Task { await batcher.run() }
        let first = Task { try await batcher.embed([.text("one")], costs: [3], options: .init()) }
        try await BatchingTests.waitUntil { embedder.startedCalls == 1 }
        let queued = Task { try await batcher.embed([.text("two")], costs: [3], options: .init()) }
        try await BatchingTests.waitUntil { await batcher.queueDepth == 1 }
        runner.cancel()
        gate.open()
        await runner.value
        _ = try? await first.value
        await #expect(throws: APIError.shuttingDown) { try await queued.value }
    }
}
