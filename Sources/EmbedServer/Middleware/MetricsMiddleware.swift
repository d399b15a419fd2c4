import EmbedCore
import Hummingbird

/// Counts every request by route pattern, method and status, and times it.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.recordRequest(
            route: Self.routeLabel(context.endpointPath),
            method: request.method.rawValue,
            status: response.status.code,
            seconds: start.duration(to: .now).seconds
        )
        return response
    }

    /// The matched route pattern, or `unmatched` for paths no route serves, so that scanners
    /// cannot add label values.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return "unmatched" }
        return endpointPath
    }
}
