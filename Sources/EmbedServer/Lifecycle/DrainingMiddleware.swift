import Hummingbird

/// Adds `Connection: close` to every response while the server drains, so that clients and
/// balancers holding keep-alive connections open new ones — to another replica — instead of
/// reusing one that is about to close under their next request.
struct DrainingMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    let readiness: ServerReadiness

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if readiness.isDraining {
            response.headers[.connection] = "close"
        }
        return response
    }
}
