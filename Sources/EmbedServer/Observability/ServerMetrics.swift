import Prometheus

/// The server's counters, gauges and histograms, rendered by `GET /metrics` in the Prometheus
/// text exposition format (version 0.0.4).
///
/// Kept in a registry of its own instead of going through swift-metrics' global bootstrap, so
/// that the server needs no metrics backend to be set up and `/metrics` always works. Route
/// labels are route *patterns* (`/v1/models/{id}`), never raw paths, so a scanner cannot grow the
/// label set without bound.
final class ServerMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Upper bounds of the batch-size buckets, in inputs.
    static let batchSizeBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    private let registry = PrometheusCollectorRegistry()

    /// The metrics of one served model, every series labelled `model="NAME"`. Call once per
    /// model: the registry hands back the same series for the same labels anyway.
    func model(named name: String) -> ModelMetrics {
        ModelMetrics(registry: registry, model: name)
    }

    /// Counts a finished HTTP request.
    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        // The registry hands back the same series for the same labels.
        registry.makeCounter(
            name: "embed_http_requests_total", labels: [("route", route), ("method", method), ("status", String(status))],
            help: "HTTP requests answered, by route pattern, method and status."
        ).increment()
        registry.makeValueHistogram(
            name: "embed_http_request_duration_seconds", labels: [("route", route)], buckets: Self.latencyBuckets,
            help: "Time from receiving a request to having its response, by route pattern."
        ).record(seconds)
    }

    /// Every metric in the Prometheus text format.
    func render() -> String {
        registry.emitToString()
    }
}

/// The embedding counters, gauges and histograms of one served model: what its queue and batches
/// do, labelled with the name clients use for it.
final class ModelMetrics: Sendable {
    private let inputs: Counter
    private let tokens: Counter
    private let queueDepth: Gauge
    private let rejections: Counter
    private let engineFailures: Counter
    private let batchSizes: ValueHistogram
    private let batchDurations: ValueHistogram

    fileprivate init(registry: PrometheusCollectorRegistry, model: String) {
        let labels = [("model", model)]
        inputs = registry.makeCounter(name: "embed_inputs_total", labels: labels, help: "Inputs embedded for clients.")
        tokens = registry.makeCounter(
            name: "embed_tokens_total", labels: labels, help: "Tokens embedded for clients, as reported by the engine.")
        queueDepth = registry.makeGauge(name: "embed_queue_depth", labels: labels, help: "Inputs waiting to be batched.")
        rejections = registry.makeCounter(
            name: "embed_queue_rejections_total", labels: labels, help: "Requests rejected because the queue was full.")
        engineFailures = registry.makeCounter(
            name: "embed_engine_failures_total", labels: labels, help: "Model calls that threw.")
        batchSizes = registry.makeValueHistogram(
            name: "embed_batch_size", labels: labels, buckets: ServerMetrics.batchSizeBuckets, help: "Inputs per model call.")
        batchDurations = registry.makeValueHistogram(
            name: "embed_batch_duration_seconds", labels: labels, buckets: ServerMetrics.latencyBuckets,
            help: "Duration of model calls.")
    }

    /// Counts inputs and tokens that were embedded for clients.
    func recordEmbedded(inputs: Int, tokens: Int) {
        self.inputs.increment(by: Int64(inputs))
        self.tokens.increment(by: Int64(tokens))
    }

    /// Records one model call.
    func recordBatch(size: Int, seconds: Double, failed: Bool) {
        batchSizes.record(Double(size))
        batchDurations.record(seconds)
        if failed { engineFailures.increment() }
    }

    /// Sets the number of inputs waiting for a batch.
    func setQueueDepth(_ depth: Int) {
        queueDepth.set(to: Double(depth))
    }

    /// Counts a request rejected because the queue was full.
    func recordRejection() {
        rejections.increment()
    }
}
