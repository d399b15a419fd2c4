import EmbedCore
import Foundation

/// The message, code and retry hint in a provider's error body, whatever its shape.
///
/// Shapes understood (from each provider's documentation and SDK):
/// - OpenAI / Together / LM Studio: `{"error":{"message","type","code"}}`, `code` a string or null;
///   Azure uses the same envelope with a numeric string `code` such as `"429"`.
/// - Google (Gemini, Vertex AI): `{"error":{"code":429,"message","status":"RESOURCE_EXHAUSTED",
///   "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}`.
/// - Ollama: `{"error":"message"}`; TEI native: `{"error":"message","error_type":"Validation"}`.
/// - TEI OpenAI route: `{"message","code":422,"type":"Validation"}`.
/// - OAuth token endpoints: `{"error":"invalid_grant","error_description":"…"}`.
/// - Anything else: the body text itself (e.g. Go's `404 page not found`), shortened.
struct ServerErrorBody: Sendable, Hashable {
    /// The human-readable message.
    var message: String?
    /// The most specific machine-readable code: `insufficient_quota`, `RESOURCE_EXHAUSTED`, …
    var code: String?
    /// Google's `RetryInfo.retryDelay`, when present.
    var retryDelay: Duration?
    /// Whether the body was a JSON object at all (Ollama's missing-route 404 is plain text).
    var isJSON: Bool

    /// The longest message kept from a body that is not JSON.
    static let maxPlainTextLength = 500

    init(_ body: Data) {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body), let object = json.objectValue else {
            let text = String(decoding: body.prefix(Self.maxPlainTextLength * 4), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            message = text.isEmpty ? nil : String(text.prefix(Self.maxPlainTextLength))
            code = nil
            retryDelay = nil
            isJSON = false
            return
        }
        isJSON = true
        retryDelay = nil
        if let error = object["error"]?.objectValue {
            message = error["message"]?.stringValue
            let type = error["type"]?.stringValue
            let codeString = error["code"]?.stringValue
            let status = error["status"]?.stringValue
            // OpenAI signals billing exhaustion in either `type` or `code`; keep that one if present.
            if type == "insufficient_quota" || codeString == "insufficient_quota" {
                code = "insufficient_quota"
            } else {
                code = codeString ?? status ?? type
            }
            retryDelay = Self.googleRetryDelay(in: error["details"]?.arrayValue ?? [])
        } else if let error = object["error"]?.stringValue {
            if let description = object["error_description"]?.stringValue {
                message = description
                code = error
            } else {
                message = error
                code = object["error_type"]?.stringValue
            }
        } else if let text = object["message"]?.stringValue {
            message = text
            code = object["type"]?.stringValue ?? object["code"]?.stringValue
        } else if let detail = object["detail"] {
            // FastAPI-style servers (vLLM, many proxies).
            message = detail.stringValue ?? String(decoding: (try? JSONEncoder().encode(detail)) ?? Data(), as: UTF8.self)
            code = nil
        } else {
            message = String(String(decoding: body, as: UTF8.self).prefix(Self.maxPlainTextLength))
            code = nil
        }
    }

    /// Reads `retryDelay` from a `google.rpc.RetryInfo` detail.
    static func googleRetryDelay(in details: [JSONValue]) -> Duration? {
        for detail in details {
            guard let type = detail["@type"]?.stringValue, type.hasSuffix("google.rpc.RetryInfo") else { continue }
            switch detail["retryDelay"] {
            case .string(let text)?:
                return RetryHint.protobufDuration(text)
            case .object(let parts)?:
                // The gRPC-JSON form some gateways emit: {"seconds": 34, "nanos": 400000000}.
                let seconds = parts["seconds"]?.doubleValue ?? parts["seconds"]?.stringValue.flatMap(Double.init) ?? 0
                let nanos = parts["nanos"]?.doubleValue ?? 0
                return RetryHint.duration(seconds: seconds + nanos / 1e9)
            default:
                continue
            }
        }
        return nil
    }
}
