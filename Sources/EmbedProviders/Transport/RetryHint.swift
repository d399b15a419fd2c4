import Foundation
import NIOHTTP1

/// Reads how long a server asked the client to wait before retrying.
enum RetryHint {
    /// The wait requested by `retry-after-ms`, then `Retry-After` (seconds or an HTTP date), then
    /// Google's `RetryInfo` in the body; `nil` when there is none.
    static func delay(headers: HTTPHeaders, body: ServerErrorBody, now: Date) -> Duration? {
        if let text = headers.first(name: "retry-after-ms"), let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)),
            milliseconds.isFinite
        {
            return duration(seconds: milliseconds / 1000)
        }
        if let text = headers.first(name: "retry-after"), let delay = retryAfter(text, now: now) {
            return delay
        }
        return body.retryDelay
    }

    /// Parses a `Retry-After` value: delta-seconds (fractions tolerated, as the OpenAI SDK does)
    /// or an HTTP date (IMF-fixdate, RFC 850 or asctime, RFC 9110 §5.6.7).
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite {
            return duration(seconds: seconds)
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                return duration(seconds: date.timeIntervalSince(now))
            }
        }
        return nil
    }

    /// Parses a protobuf JSON duration such as `"34.4s"` or `"2s"`.
    static func protobufDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("s"), let seconds = Double(trimmed.dropLast()), seconds.isFinite else { return nil }
        return duration(seconds: seconds)
    }

    /// Seconds as a `Duration`, `.zero` for negative values (a date in the past).
    static func duration(seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        // Beyond a day the exact value is irrelevant: it exceeds any retry cap.
        return .milliseconds(Int64((min(seconds, 86_400 * 365) * 1000).rounded()))
    }
}
