import Foundation
import Hummingbird

extension Request {
    /// Reads the body, at most `limit` bytes, and decodes it as JSON.
    ///
    /// The body is decoded whatever its `Content-Type` says: curl and several SDKs omit it or
    /// send `text/plain`, and rejecting them helps nobody.
    ///
    /// - Throws: ``APIError`` with kind `payloadTooLarge` past the limit, or `invalidRequest`
    ///   naming the field at fault.
    func decodeJSON<Body: Decodable>(as type: Body.Type, limit: Int) async throws -> Body {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.payloadTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.invalid("The request body is empty; send a JSON object.")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError.invalid(Self.describe(error), param: Self.fieldPath(of: error))
        }
    }

    private static func fieldPath(of error: DecodingError) -> String? {
        let context: DecodingError.Context? =
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context
            case .keyNotFound(let key, let context):
                DecodingError.Context(codingPath: context.codingPath + [key], debugDescription: context.debugDescription)
            @unknown default: nil
            }
        guard let path = context?.codingPath, !path.isEmpty else { return nil }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    /// A one-line explanation of a decoding failure, naming the field.
    private static func describe(_ error: DecodingError) -> String {
        let field = fieldPath(of: error).map { "'\($0)'" }
        switch error {
        case .keyNotFound(let key, _):
            return "The request is missing the required field '\(fieldPath(of: error) ?? key.stringValue)'."
        case .typeMismatch(let type, let context):
            let reason = context.debugDescription.isEmpty ? "expected \(Self.jsonName(of: type))" : context.debugDescription
            return "\(field ?? "The body") has the wrong type: \(reason)."
        case .valueNotFound(let type, _):
            return "\(field ?? "The body") must not be null; expected \(Self.jsonName(of: type))."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "The request body is not valid JSON: \(context.debugDescription)"
            }
            return "\(field ?? "The body") is invalid: \(context.debugDescription)"
        @unknown default:
            return "The request body could not be decoded: \(error)"
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }
}
