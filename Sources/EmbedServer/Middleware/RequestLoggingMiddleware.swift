import EmbedCore
import Foundation
import Hummingbird
import Logging

/// Gives every request an id and logs its outcome.
///
/// The id is the caller's `X-Request-Id` when it sends a short printable one (so a client's
/// trace spans the server), otherwise Hummingbird's own. It is set as the logger's
/// `hb.request.id` metadata for everything logged while handling the request, and echoed in the
/// response's `X-Request-Id` header.
struct RequestLoggingMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID: String
        if let incoming = Self.requestIDHeader.flatMap({ request.headers[$0] }), Self.isAcceptableID(incoming) {
            requestID = incoming
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        } else if let assigned = context.logger[metadataKey: "hb.request.id"] {
            requestID = "\(assigned)"
        } else {
            // `context.id` would trap here: log handlers that keep no metadata (the no-op
            // handler) return nil for Hummingbird's id.
            requestID = RequestID().description
        }
        let start = ContinuousClock.now
        var response = try await next(request, context)
        if let name = Self.requestIDHeader { response.headers[name] = requestID }
        let status = response.status.code
        let level: Logger.Level = status >= 500 ? .warning : .info
        context.logger.log(
            level: level,
            "\(request.method) \(request.uri.path) \(status)",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.path": .string(request.uri.path),
                "http.status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.2f", start.duration(to: .now).seconds * 1000)),
            ]
        )
        return response
    }

    private static let requestIDHeader = HTTPFields.Element.Name("x-request-id")

    /// Up to 128 visible ASCII characters, so a header cannot inject log lines.
    static func isAcceptableID(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 128 && value.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
