import Hummingbird

/// Routes for operators and load balancers: `GET /health` (never needs the API key),
/// `GET /metrics` (Prometheus text format) and `GET /` (a liveness line, as Ollama answers).
struct OperationsRoutes: Sendable {
    let metrics: ServerMetrics
    let serverName: String

    func add(to router: Router<ServerRequestContext>) {
        router.get("/health") { _, _ in Response(status: .ok) }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/") { _, _ in "\(serverName) is running" }
    }
}
