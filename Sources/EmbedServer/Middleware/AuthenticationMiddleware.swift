import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <key>` on every route but `GET /health`, which load balancers
/// and `run.sh`-style readiness checks call without credentials.
///
/// The key is compared in constant time, so response timing does not reveal how much of a
/// guess was right.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" {
            return try await next(request, context)
        }
        guard let token = Self.bearerToken(in: request.headers), Self.constantTimeEquals(token, apiKey) else {
            throw APIError.unauthorized()
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer …` header (scheme matched case-insensitively).
    static func bearerToken(in headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares two strings in time that depends only on their lengths.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
