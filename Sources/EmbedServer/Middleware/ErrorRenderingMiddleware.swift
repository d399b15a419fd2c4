import Hummingbird
import Logging

/// Turns every error thrown below it into a response in the dialect of the request's path, so
/// that clients always get their own API's error shape — for 404s and 413s raised by the router
/// and body reader as much as for the handlers' own ``APIError``s.
struct ErrorRenderingMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let dialect = APIDialect(path: request.uri.path)
            let apiError = Self.apiError(for: error, request: request)
            if [.engineFailure, .upstreamFailure, .upstreamTimeout].contains(apiError.kind) {
                context.logger.error("Request failed", metadata: ["error": "\(error)"])
            } else {
                context.logger.debug("Request rejected", metadata: ["error": "\(apiError)"])
            }
            return apiError.response(in: dialect)
        }
    }

    static func apiError(for error: any Error, request: Request) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound:
                return APIError(.notFound, "There is no route \(request.method) \(request.uri.path).")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, "\(request.uri.path) does not accept \(request.method).")
            case .contentTooLarge:
                return APIError(.payloadTooLarge, "The request body is too large.")
            default:
                let detail = (error as? HTTPError)?.body ?? error.status.reasonPhrase
                return error.status.code < 500
                    ? APIError.invalid(detail)
                    : APIError(.engineFailure, detail)
            }
        case is CancellationError:
            return APIError(.shuttingDown, "The request was cancelled before it completed.")
        default:
            return APIError.upstream(error) ?? APIError(.engineFailure, "Internal server error: \(error)")
        }
    }
}
