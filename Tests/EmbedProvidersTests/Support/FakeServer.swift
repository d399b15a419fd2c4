import AsyncHTTPClient
import EmbedCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A request as the fake server received it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    /// Header values by lower-cased name.
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body parsed as JSON (`null` when it is not JSON).
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }

    /// The query parameters, percent-decoded.
    var queryItems: [String: String] {
        guard let query else { return [:] }
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            items[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return items
    }

    /// The body parsed as `application/x-www-form-urlencoded`.
    var formFields: [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                (String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding) ?? String($0)
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}

/// What the fake server answers.
struct FakeResponse: Sendable {
    var status: Int = 200
    var headers: [String: String] = [:]
    /// Body pieces; more than one is sent with chunked encoding, one write per piece.
    var chunks: [Data] = []
    /// Waits this long before answering (for timeout tests).
    var delay: Duration?

    static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> FakeResponse {
        let data = (try? JSONEncoder().encode(value)) ?? Data()
        return FakeResponse(status: status, headers: headers.merging(["content-type": "application/json"]) { a, _ in a }, chunks: [data])
    }

    static func text(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> FakeResponse {
        FakeResponse(status: status, headers: headers.merging(["content-type": "text/plain"]) { a, _ in a }, chunks: [Data(text.utf8)])
    }

    /// Newline-delimited JSON, one chunk per line.
    static func ndjson(_ lines: [JSONValue]) -> FakeResponse {
        let chunks = lines.map { line in ((try? JSONEncoder().encode(line)) ?? Data()) + Data("\n".utf8) }
        return FakeResponse(status: 200, headers: ["content-type": "application/x-ndjson"], chunks: chunks)
    }

    func delayed(by delay: Duration) -> FakeResponse {
        var copy = self
        copy.delay = delay
        return copy
    }
}

/// A Hummingbird server on 127.0.0.1 (port chosen by the system) that records every request and
/// answers with a handler — the provider's wire format, spoken by the test.
final class FakeServer: Sendable {
    let baseURL: String
    /// A client of the test's own: shutting it down before the server guarantees that no
    /// connection is still being opened while the server stops.
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    private let log: RequestLog
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(baseURL: String, log: RequestLog, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.log = log
        self.group = group
        self.task = task
    }

    /// Every request received so far, in arrival order.
    var requests: [RecordedRequest] { log.entries.withLock { $0 } }

    /// The requests received for `path`.
    func requests(to path: String) -> [RecordedRequest] { requests.filter { $0.path == path } }

    static func start(_ handler: @escaping @Sendable (RecordedRequest) async throws -> FakeResponse) async throws -> FakeServer {
        let log = RequestLog()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let buffer = try await request.body.collect(upTo: 64 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let recorded = RecordedRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers,
                body: Data(buffer: buffer))
            log.entries.withLock { $0.append(recorded) }
            let fake = try await handler(recorded)
            if let delay = fake.delay {
                // Sleeps in slices so that stopping the server cuts a long delay short: graceful
                // shutdown waits for handlers in flight.
                let end = ContinuousClock.now + delay
                while ContinuousClock.now < end, !log.stopping.withLock({ $0 }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            var fields = HTTPFields()
            for (name, value) in fake.headers {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
            let body: ResponseBody
            if fake.chunks.count == 1, let only = fake.chunks.first {
                body = ResponseBody(byteBuffer: ByteBuffer(data: only))
            } else {
                let chunks = fake.chunks
                body = ResponseBody { writer in
                    for chunk in chunks { try await writer.write(ByteBuffer(data: chunk)) }
                    try await writer.finish(nil)
                }
            }
            return Response(status: HTTPResponse.Status(code: fake.status), headers: fields, body: body)
        }
        var logger = Logger(label: "FakeServer")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        // Stopped gracefully rather than by cancellation: cancelling drops connections the
        // server has accepted but not yet handled, which trips an assertion in NIO.
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw FakeServerError.didNotStart
        }
        return FakeServer(baseURL: "http://127.0.0.1:\(port)", log: log, group: group, task: task)
    }

    func stop() async {
        try? await client.shutdown()
        log.stopping.withLock { $0 = true }
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

enum FakeServerError: Error { case didNotStart }

private final class RequestLog: Sendable {
    let entries = Mutex<[RecordedRequest]>([])
    let stopping = Mutex(false)
}

/// Runs `body` with a fake server and stops the server afterwards, even when `body` throws.
func withFakeServer<T>(
    _ handler: @escaping @Sendable (RecordedRequest) async throws -> FakeResponse,
    _ body: (FakeServer) async throws -> T
) async throws -> T {
    let server = try await FakeServer.start(handler)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A thread-safe counter for handlers that answer differently per attempt.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Returns the number of previous calls (0 for the first).
    func next() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}
