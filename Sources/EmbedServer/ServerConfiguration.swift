import Logging

/// Everything the embedding server needs to know besides the embedder: where to listen, who may
/// call it, how large requests may be and how concurrent requests are coalesced into batches.
///
/// Every property has a default, so `ServerConfiguration()` is a working local server on
/// `127.0.0.1:8080` without authentication. The `embed serve` command fills it from its options;
/// tests set only what they exercise:
///
/// ```swift
/// var configuration = ServerConfiguration(port: 0)
/// configuration.apiKey = "secret"
/// configuration.maxInputsPerRequest = 64
/// let app = buildApplication(configuration: configuration, embedder: embedder, logger: logger)
/// try await app.runService()
/// ```
///
/// The limits mirror the services this server imitates: OpenAI accepts 2,048 inputs per request,
/// TEI coalesces up to 16,384 tokens into one model batch and answers "overloaded" when its queue
/// is full instead of growing without bound.
public struct ServerConfiguration: Sendable {
    /// The address to bind: an IP address or a host name. Default `127.0.0.1` (this machine only).
    ///
    /// Binding another address without an ``apiKey`` logs a warning at startup.
    public var host: String

    /// The TCP port. Default `8080`; `0` asks the system for a free port.
    public var port: Int

    /// The bearer token every route but `GET /health` requires, or `nil` (the default) for an open
    /// server. Clients send it as `Authorization: Bearer <key>`, as the OpenAI and Ollama SDKs do.
    public var apiKey: String?

    /// The largest request body accepted, in bytes; larger bodies get 413. Default 8 MiB, enough
    /// for 2,048 inputs of a few kilobytes each.
    public var maxBodySize: Int

    /// The most inputs (texts or token sequences) one request may carry. Default 2,048, OpenAI's
    /// limit.
    public var maxInputsPerRequest: Int

    /// The most inputs one model call receives. Requests larger than this are split across
    /// batches; smaller concurrent requests are merged up to it. Default 64.
    public var maxBatchSize: Int

    /// The most tokens (after truncation, as counted by the embedder's tokenizer, or estimated as
    /// one token per four UTF-8 bytes for engines without one) one model call receives. A single
    /// input longer than this still forms a batch on its own. Default 16,384, TEI's default.
    public var maxBatchTokens: Int

    /// How long the first waiting input may wait for others to join its batch before the batch
    /// runs anyway. Default `.zero`, as TEI does: a batch forms from whatever queued up while the
    /// previous one ran, so a lone request on an idle server runs at once, and under load batches
    /// fill without any wait. A wait only delays requests when the model is free, and gains no
    /// throughput under load (Benchmarks/README.md, "Server under load"). Raise it to send fewer,
    /// larger calls to a hosted engine that bills or rate-limits per call.
    public var maxBatchWait: Duration

    /// The most inputs that may wait in the queue. A request that would overflow it is rejected
    /// at once (429 for OpenAI and TEI, 503 for Ollama) instead of growing memory; a request is
    /// always admitted into an empty queue. Default 8,192.
    public var queueCapacity: Int

    /// How many model calls may run at once. Default 1: a local model already uses every core
    /// for one batch; raise it for remote engines where calls are mostly waiting.
    public var maxConcurrentBatches: Int

    /// The model name a single-model server reports in responses and model listings, or `nil`
    /// (the default) to use the embedder's ``EmbedCore/Embedder/modelName``. A server of several
    /// models takes each one's name from its ``ServedModel``.
    public var modelName: String?

    /// Whether requests to a single-model server must name its model. Default `false`: the
    /// server serves its one model under any name, as TEI does, so clients configured for another
    /// name (`nomic-embed-text`, `text-embedding-3-small`) work unchanged and Ollama's `/api/pull`
    /// succeeds at once. When `true`, another name gets 404 in the API's error shape — as it
    /// always does on a server of several models.
    public var requiresMatchingModelName: Bool

    /// The model TEI's routes (`POST /embed`, `GET /info`) use, which carry no model name, or
    /// `nil` (the default) for the first served model. Matched as a request's `model` is.
    public var teiModelName: String?

    /// Whether the OpenAI route and TEI's `/embed` (when the request does not say) cut inputs
    /// longer than the model's maximum instead of rejecting them. Default `true`, as Ollama's and
    /// TEI's OpenAI-compatible routes do; `false` answers such inputs with a 400 (OpenAI) or 422
    /// (TEI) naming the input and its length. Ollama's `/api/embed` follows its own `truncate`
    /// field, which defaults to `true`.
    public var truncatesLongInputs: Bool

    /// Whether to embed one short text before accepting connections, so that the first client
    /// does not pay for loading the model's pages. Default `false`.
    public var warmsUpBeforeServing: Bool

    /// The log level to apply to the logger given to ``buildApplication(configuration:embedder:logger:)``,
    /// or `nil` (the default) to keep the logger's own level.
    public var logLevel: Logger.Level?

    /// The `Server` header value and the version reported by `GET /api/version` and `GET /info`.
    public var serverName: String

    /// Creates a configuration; every parameter has the default documented on its property.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        apiKey: String? = nil,
        maxBodySize: Int = 8 << 20,
        maxInputsPerRequest: Int = 2048,
        maxBatchSize: Int = 64,
        maxBatchTokens: Int = 16_384,
        maxBatchWait: Duration = .zero,
        queueCapacity: Int = 8192,
        maxConcurrentBatches: Int = 1,
        modelName: String? = nil,
        requiresMatchingModelName: Bool = false,
        teiModelName: String? = nil,
        truncatesLongInputs: Bool = true,
        warmsUpBeforeServing: Bool = false,
        logLevel: Logger.Level? = nil,
        serverName: String = "swift-embed"
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodySize = maxBodySize
        self.maxInputsPerRequest = maxInputsPerRequest
        self.maxBatchSize = maxBatchSize
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchWait = maxBatchWait
        self.queueCapacity = queueCapacity
        self.maxConcurrentBatches = maxConcurrentBatches
        self.modelName = modelName
        self.requiresMatchingModelName = requiresMatchingModelName
        self.teiModelName = teiModelName
        self.truncatesLongInputs = truncatesLongInputs
        self.warmsUpBeforeServing = warmsUpBeforeServing
        self.logLevel = logLevel
        self.serverName = serverName
    }
}

extension ServerConfiguration {
    /// Returns the problems that make this configuration unusable, one sentence each; empty when
    /// it is valid. ``buildApplication(configuration:embedder:logger:)`` refuses to start with any.
    public var problems: [String] {
        var problems: [String] = []
        if host.isEmpty { problems.append("host must not be empty.") }
        if !(0...65_535).contains(port) { problems.append("port must be between 0 and 65535; got \(port).") }
        if let apiKey, apiKey.isEmpty { problems.append("apiKey must not be empty; use nil for an open server.") }
        if maxBodySize < 1 { problems.append("maxBodySize must be at least 1 byte; got \(maxBodySize).") }
        if maxInputsPerRequest < 1 { problems.append("maxInputsPerRequest must be at least 1; got \(maxInputsPerRequest).") }
        if maxBatchSize < 1 { problems.append("maxBatchSize must be at least 1; got \(maxBatchSize).") }
        if maxBatchTokens < 1 { problems.append("maxBatchTokens must be at least 1; got \(maxBatchTokens).") }
        if maxBatchWait < .zero { problems.append("maxBatchWait must not be negative; got \(maxBatchWait).") }
        if queueCapacity < 1 { problems.append("queueCapacity must be at least 1; got \(queueCapacity).") }
        if maxConcurrentBatches < 1 { problems.append("maxConcurrentBatches must be at least 1; got \(maxConcurrentBatches).") }
        if let modelName, modelName.isEmpty { problems.append("modelName must not be empty; use nil for the embedder's name.") }
        return problems
    }

    /// Whether ``host`` only accepts connections from this machine (`localhost`, `127.0.0.0/8`, `::1`).
    public var isLoopbackOnly: Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
