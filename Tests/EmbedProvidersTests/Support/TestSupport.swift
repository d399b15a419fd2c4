import EmbedCore
import Foundation
import Synchronization
@testable import EmbedProviders

/// A retry clock that never sleeps: it records the waits asked for, with a fixed "now" and no
/// jitter, so retry tests are instant and their delays exact.
final class RecordingClock: Sendable {
    static let fixedNow = Date(timeIntervalSince1970: 1_750_000_000)
    private let recorded = Mutex<[Duration]>([])
    let now: Date

    init(now: Date = RecordingClock.fixedNow) { self.now = now }

    var sleeps: [Duration] { recorded.withLock { $0 } }

    var clock: RetryClock {
        RetryClock(
            now: { [now] in now },
            sleep: { [self] duration in self.recorded.withLock { $0.append(duration) } },
            random: { 0 })
    }

    /// Transport options for tests: tiny backoff, the recording clock, a short timeout.
    func transport(retries: Int = 2, timeout: Duration = .seconds(10), batchSize: Int? = nil, concurrency: Int? = nil)
        -> TransportOptions
    {
        TransportOptions(
            timeout: timeout,
            retry: RetryPolicy(
                maxRetries: retries, initialBackoff: .milliseconds(100), maxBackoff: .seconds(8),
                maxServerDelay: .seconds(60), clock: clock),
            maxConcurrency: concurrency, batchSize: batchSize)
    }
}

/// Deterministic vectors: text `"t17"` → `[17, 0.5, -1, 2]`, so order mistakes are visible.
enum FakeVectors {
    static func number(in text: String) -> Float {
        Float(text.filter(\.isNumber)) ?? -1
    }

    static func vector(for text: String, dimensions: Int = 4) -> [Float] {
        let base: [Float] = [number(in: text), 0.5, -1, 2]
        return (0..<dimensions).map { base[$0 % base.count] + Float($0 / base.count) }
    }

    static func texts(_ count: Int) -> [String] { (0..<count).map { "t\($0)" } }

    /// The `input` array of an OpenAI-style request.
    static func inputs(_ request: RecordedRequest, key: String = "input") -> [String] {
        request.json[key]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func json(_ vector: [Float]) -> JSONValue { .array(vector.map { .number(Double($0)) }) }

    /// An OpenAI `/embeddings` response for `inputs`, listed in reverse order (the API orders by
    /// `index`, not by position), base64 when the request asked for it.
    static func openAIResponse(for request: RecordedRequest, dimensions: Int = 4, reversed: Bool = true) -> FakeResponse {
        let inputs = inputs(request)
        let base64 = request.json["encoding_format"]?.stringValue == "base64"
        var items: [JSONValue] = inputs.enumerated().map { index, text in
            let vector = vector(for: text, dimensions: dimensions)
            return [
                "object": "embedding", "index": .number(Double(index)),
                "embedding": base64 ? .string(Base64Floats.encode(vector)) : json(vector),
            ]
        }
        if reversed { items.reverse() }
        return .json([
            "object": "list", "data": .array(items), "model": request.json["model"] ?? "m",
            "usage": ["prompt_tokens": 8, "total_tokens": 8],
        ])
    }
}

/// Error bodies as each provider sends them.
enum ErrorBodies {
    static func openAI(_ message: String, type: String = "invalid_request_error", code: String? = nil) -> JSONValue {
        ["error": ["message": .string(message), "type": .string(type), "param": nil, "code": code.map(JSONValue.string) ?? nil]]
    }

    static func google(_ code: Int, _ message: String, status: String, details: [JSONValue] = []) -> JSONValue {
        ["error": ["code": .number(Double(code)), "message": .string(message), "status": .string(status), "details": .array(details)]]
    }
}

/// HTTP-date text for `date` (IMF-fixdate).
func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}
