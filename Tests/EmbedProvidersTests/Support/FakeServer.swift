import AsyncHTTPClient
import EmbedCore
import EmbedTestServer
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
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

/// A loopback server that records every request and answers with a handler: the provider's
/// wire format, spoken by the test.
final class FakeServer: StoppableServer {
    /// A client of the test's own: shutting it down before the server guarantees that no
    /// connection is still being opened while the server stops.
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    private let server: LoopbackServer
    private let log: RequestLog

    private init(server: LoopbackServer, log: RequestLog) {
        self.server = server
        self.log = log
    }

    var baseURL: String { server.baseURL }

    /// Every request received so far, in arrival order.
    var requests: [RecordedRequest] { log.entries.withLock { $0 } }

    /// The requests received for `path`.
    func requests(to path: String) -> [RecordedRequest] { requests.filter { $0.path == path } }

    static func start(_ handler: @escaping @Sendable (RecordedRequest) async throws -> FakeResponse) async throws -> FakeServer {
        let log = RequestLog()
        let server = try await LoopbackServer.start { request, _ in
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
        return FakeServer(server: server, log: log)
    }

    func stop() async {
        try? await client.shutdown()
        log.stopping.withLock { $0 = true }
        await server.stop()
    }
}

private final class RequestLog: Sendable {
    let entries = Mutex<[RecordedRequest]>([])
    let stopping = Mutex(false)
}

/// Runs `body` with a fake server and stops the server afterwards, even when `body` throws.
func withFakeServer<T>(
    _ handler: @escaping @Sendable (RecordedRequest) async throws -> FakeResponse,
    _ body: (FakeServer) async throws -> T
) async throws -> T {
    try await withRunning(try await FakeServer.start(handler), body)
}

/// A thread-safe counter for handlers that answer differently per attempt.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Returns the number of previous calls (0 for the first).
    func next() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}
