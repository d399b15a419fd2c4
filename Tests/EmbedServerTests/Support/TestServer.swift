import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import EmbedServer

extension ServerConfiguration {
    /// A configuration for in-process tests: no coalescing wait unless a test asks for one.
    static var testing: ServerConfiguration {
        ServerConfiguration(port: 0, maxBatchWait: .zero)
    }
}

@discardableResult
/// Runs `body` against an in-process server (no socket) serving `embedder`.
func withServer<Value: Sendable>(
    _ configuration: ServerConfiguration = .testing,
    embedder: some Embedder = HashingEmbedder(),
    logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = buildApplication(configuration: configuration, embedder: embedder, logger: logger)
    return try await app.test(.router) { client in try await body(client) }
}

extension TestClientProtocol {
    /// POSTs a JSON body.
    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await executeRequest(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// GETs a path.
    func get(_ path: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await executeRequest(uri: path, method: .get, headers: headers, body: nil)
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON value.
    func json() throws -> JSONValue {
        try JSONValue(parsing: Data(text.utf8))
    }
}

/// A parsed JSON value with typed accessors that fail the test with context when absent.
struct JSONValue: CustomStringConvertible, @unchecked Sendable {
    // @unchecked: wraps the immutable result of JSONSerialization, never mutated.
    let raw: Any

    init(raw: Any) { self.raw = raw }

    init(parsing data: Data) throws {
        raw = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    subscript(key: String) -> JSONValue? {
        (raw as? [String: Any])?[key].map(JSONValue.init(raw:))
    }

    subscript(index: Int) -> JSONValue? {
        guard let array = raw as? [Any], array.indices.contains(index) else { return nil }
        return JSONValue(raw: array[index])
    }

    var keys: Set<String> { Set((raw as? [String: Any])?.keys.map { $0 } ?? []) }
    var array: [JSONValue]? { (raw as? [Any])?.map(JSONValue.init(raw:)) }
    var string: String? { raw as? String }
    var int: Int? { (raw as? NSNumber).flatMap { Double($0.intValue) == $0.doubleValue ? $0.intValue : nil } }
    var isNull: Bool { raw is NSNull }
    var bool: Bool? { raw as? Bool }
    var floats: [Float]? { (raw as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } }
    var floatMatrix: [[Float]]? { array?.compactMap(\.floats) }

    var description: String {
        guard JSONSerialization.isValidJSONObject(raw), let data = try? JSONSerialization.data(withJSONObject: raw) else {
            return "\(raw)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Expects two vectors to be equal within float32 round-off.
func expectClose(_ actual: [Float]?, _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("missing vector; expected \(expected.count) components", sourceLocation: sourceLocation)
        return
    }
    guard actual.count == expected.count else {
        Issue.record("vector has \(actual.count) components; expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for index in actual.indices where abs(actual[index] - expected[index]) > 1e-6 * max(1, abs(expected[index])) {
        Issue.record("component \(index) is \(actual[index]); expected \(expected[index])", sourceLocation: sourceLocation)
        return
    }
}

/// The vector the test engine computes for a text, as the server should return it raw.
func engineVector(_ text: String, embedder: HashingEmbedder = HashingEmbedder()) async throws -> [Float] {
    try await embedder.embed(text).vector
}

/// Expects an OpenAI-shaped error body and returns it.
@discardableResult
func expectOpenAIError(
    _ response: TestResponse, status: HTTPResponse.Status, param: String? = nil, code: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    let json = try response.json()
    let error = try #require(json["error"], "no 'error' object in \(response.text)", sourceLocation: sourceLocation)
    #expect(error.keys == ["message", "type", "param", "code"], sourceLocation: sourceLocation)
    let message = try #require(error["message"]?.string, sourceLocation: sourceLocation)
    #expect(!message.isEmpty, sourceLocation: sourceLocation)
    #expect(error["type"]?.string != nil, sourceLocation: sourceLocation)
    if let param { #expect(error["param"]?.string == param, "\(response.text)", sourceLocation: sourceLocation) }
    if let code { #expect(error["code"]?.string == code, "\(response.text)", sourceLocation: sourceLocation) }
    #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    return message
}

/// Expects an Ollama-shaped error body (`{"error":"…"}`) and returns its message.
@discardableResult
func expectOllamaError(
    _ response: TestResponse, status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    let json = try response.json()
    #expect(json.keys == ["error"], "\(response.text)", sourceLocation: sourceLocation)
    return try #require(json["error"]?.string, "\(response.text)", sourceLocation: sourceLocation)
}

/// Expects a TEI-shaped error body (`{"error":"…","error_type":"…"}`) and returns its message.
@discardableResult
func expectTEIError(
    _ response: TestResponse, status: HTTPResponse.Status, type: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    let json = try response.json()
    #expect(json.keys == ["error", "error_type"], "\(response.text)", sourceLocation: sourceLocation)
    #expect(json["error_type"]?.string == type, "\(response.text)", sourceLocation: sourceLocation)
    return try #require(json["error"]?.string, "\(response.text)", sourceLocation: sourceLocation)
}

/// Decodes OpenAI's base64 embedding independently of the server's encoder.
func decodeBase64Floats(_ string: String) -> [Float]? {
    guard let data = Data(base64Encoded: string), data.count % 4 == 0 else { return nil }
    return stride(from: 0, to: data.count, by: 4).map { offset in
        let bits = data[(data.startIndex + offset)..<(data.startIndex + offset + 4)]
            .enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        return Float(bitPattern: bits)
    }
}

/// Collects log records, for tests that check what the server logs.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Record]>([])
    var records: [Record] { storage.withLock { $0 } }
    var messages: [(level: Logger.Level, message: String)] { records.map { (level: $0.level, message: $0.message) } }

    func handler(label: String) -> any LogHandler { Handler(recorder: self) }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            recorder.storage.withLock { $0.append(record) }
        }
    }
}

extension HTTPFields.Element.Name {
    static let requestID = Self("x-request-id")!
    static let computeTokens = Self("x-compute-tokens")!
}

@discardableResult
/// Runs `body` against an in-process server (no socket) serving several models.
func withServer<Value: Sendable>(
    _ configuration: ServerConfiguration = .testing,
    models: [ServedModel],
    readiness: ServerReadiness = ServerReadiness(),
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = buildApplication(
        configuration: configuration, models: models, readiness: readiness,
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    return try await app.test(.router) { client in try await body(client) }
}
