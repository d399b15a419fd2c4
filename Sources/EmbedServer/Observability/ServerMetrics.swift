import Synchronization

/// The server's counters, gauges and histograms, rendered by `GET /metrics` in the Prometheus
/// text exposition format (version 0.0.4).
///
/// Kept in-process instead of going through swift-metrics so that the server needs no metrics
/// backend to be bootstrapped and `/metrics` always works. Route labels are route *patterns*
/// (`/v1/models/{id}`), never raw paths, so a scanner cannot grow the label set without bound.
final class ServerMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Upper bounds of the batch-size buckets, in inputs.
    static let batchSizeBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    private struct RequestKey: Hashable, Comparable {
        let route: String
        let method: String
        let status: Int

        static func < (a: Self, b: Self) -> Bool {
            (a.route, a.method, a.status) < (b.route, b.method, b.status)
        }
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var requestDurations: [String: Histogram] = [:]
        var inputs = 0
        var tokens = 0
        var queueDepth = 0
        var rejections = 0
        var engineFailures = 0
        var batchSizes = Histogram(bounds: ServerMetrics.batchSizeBuckets)
        var batchDurations = Histogram(bounds: ServerMetrics.latencyBuckets)
    }

    // Mutex: every metric update is a few additions; contention is negligible next to a request.
    private let state = Mutex(State())

    init() {}

    /// Counts a finished HTTP request.
    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            state.requestDurations[route, default: Histogram(bounds: Self.latencyBuckets)].observe(seconds)
        }
    }

    /// Counts inputs and tokens that were embedded for clients.
    func recordEmbedded(inputs: Int, tokens: Int) {
        state.withLock { state in
            state.inputs += inputs
            state.tokens += tokens
        }
    }

    /// Records one model call.
    func recordBatch(size: Int, seconds: Double, failed: Bool) {
        state.withLock { state in
            state.batchSizes.observe(Double(size))
            state.batchDurations.observe(seconds)
            if failed { state.engineFailures += 1 }
        }
    }

    /// Sets the number of inputs waiting for a batch.
    func setQueueDepth(_ depth: Int) {
        state.withLock { $0.queueDepth = depth }
    }

    /// Counts a request rejected because the queue was full.
    func recordRejection() {
        state.withLock { $0.rejections += 1 }
    }

    /// The number of requests counted so far with this route and status; for tests and `/info`.
    func requestCount(route: String, status: Int) -> Int {
        state.withLock { state in
            state.requests.filter { $0.key.route == route && $0.key.status == status }.values.reduce(0, +)
        }
    }

    /// Renders every metric in the Prometheus text format.
    func render() -> String {
        let state = state.withLock { $0 }
        var out = ""
        out += "# HELP embed_http_requests_total HTTP requests answered, by route pattern, method and status.\n"
        out += "# TYPE embed_http_requests_total counter\n"
        for (key, count) in state.requests.sorted(by: { $0.key < $1.key }) {
            out += "embed_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(Self.escape(key.method))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP embed_http_request_duration_seconds Time from receiving a request to having its response, by route pattern.\n"
        out += "# TYPE embed_http_request_duration_seconds histogram\n"
        for (route, histogram) in state.requestDurations.sorted(by: { $0.key < $1.key }) {
            histogram.render(name: "embed_http_request_duration_seconds", labels: "route=\"\(Self.escape(route))\"", into: &out)
        }
        out += "# HELP embed_inputs_total Inputs embedded for clients.\n"
        out += "# TYPE embed_inputs_total counter\n"
        out += "embed_inputs_total \(state.inputs)\n"
        out += "# HELP embed_tokens_total Tokens embedded for clients, as reported by the engine.\n"
        out += "# TYPE embed_tokens_total counter\n"
        out += "embed_tokens_total \(state.tokens)\n"
        out += "# HELP embed_queue_depth Inputs waiting to be batched.\n"
        out += "# TYPE embed_queue_depth gauge\n"
        out += "embed_queue_depth \(state.queueDepth)\n"
        out += "# HELP embed_queue_rejections_total Requests rejected because the queue was full.\n"
        out += "# TYPE embed_queue_rejections_total counter\n"
        out += "embed_queue_rejections_total \(state.rejections)\n"
        out += "# HELP embed_engine_failures_total Model calls that threw.\n"
        out += "# TYPE embed_engine_failures_total counter\n"
        out += "embed_engine_failures_total \(state.engineFailures)\n"
        out += "# HELP embed_batch_size Inputs per model call.\n"
        out += "# TYPE embed_batch_size histogram\n"
        state.batchSizes.render(name: "embed_batch_size", labels: nil, into: &out)
        out += "# HELP embed_batch_duration_seconds Duration of model calls.\n"
        out += "# TYPE embed_batch_duration_seconds histogram\n"
        state.batchDurations.render(name: "embed_batch_duration_seconds", labels: nil, into: &out)
        return out
    }

    /// Escapes a label value as the exposition format requires.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// A fixed-bucket histogram with Prometheus semantics (cumulative `le` buckets, `+Inf`, sum, count).
struct Histogram: Sendable {
    let bounds: [Double]
    private var counts: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    mutating func observe(_ value: Double) {
        let bucket = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts[bucket] += 1
        sum += value
        count += 1
    }

    /// Appends the `_bucket`, `_sum` and `_count` lines.
    func render(name: String, labels: String?, into out: inout String) {
        let prefix = labels.map { "\($0)," } ?? ""
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += counts[index]
            out += "\(name)_bucket{\(prefix)le=\"\(Self.format(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)\n"
        let braces = labels.map { "{\($0)}" } ?? ""
        out += "\(name)_sum\(braces) \(sum)\n"
        out += "\(name)_count\(braces) \(count)\n"
    }

    private static func format(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }
}
