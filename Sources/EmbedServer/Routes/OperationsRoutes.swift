import EmbedCore
import Hummingbird

/// Routes for operators and load balancers: `GET /health` (never needs the API key),
/// `GET /metrics` (Prometheus text format) and `GET /` (a liveness line, as Ollama answers).
struct OperationsRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let readiness: ServerReadiness
    let serverName: String

    func add(to router: Router<ServerRequestContext>) {
        router.get("/health") { _, _ in await health() }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/") { _, _ in "\(serverName) is running" }
    }

    /// 200 `{"status":"ok","models":[…]}` while the server takes traffic, 503 with
    /// `"status":"draining"` once it is shutting down, so that a load balancer or a Kubernetes
    /// readiness probe stops sending requests before the port closes. Each model says whether it
    /// runs here (`local`) or fronts a remote service (`remote`), and how many inputs wait in its
    /// queue; a remote service is not called, so a provider outage does not take the replica
    /// out of rotation (its requests answer 502 on their own).
    func health() async -> Response {
        let draining = readiness.isDraining
        var json = JSONWriter()
        json.raw(#"{"status":"#)
        json.string(draining ? "draining" : "ok")
        json.raw(#","models":["#)
        for (index, service) in catalog.services.enumerated() {
            json.raw(index == 0 ? #"{"name":"# : #",{"name":"#)
            json.string(service.modelName)
            json.raw(#","engine":"#)
            json.string(service.engine.tokenizes ? "local" : "remote")
            if let dimensions = service.engine.dimensions {
                json.raw(#","dimensions":"#)
                json.integer(dimensions)
            }
            json.raw(#","queue_depth":"#)
            json.integer(await service.batcher.queueDepth)
            json.raw("}")
        }
        json.raw("]}")
        return .json(json, status: draining ? .serviceUnavailable : .ok)
    }
}
