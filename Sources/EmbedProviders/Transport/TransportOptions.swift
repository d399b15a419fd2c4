import Logging

/// How an HTTP provider sends requests: deadline, retries, response size cap, batching and
/// concurrency. Shared by every provider in this module.
public struct TransportOptions: Sendable {
    /// The longest one HTTP request (one batch, one attempt) may take, headers and body.
    /// Connecting is bounded separately, and more tightly, by the client's connect timeout
    /// (``ProviderHTTPClient/defaultConnectTimeout``), so a server that is not there is reported
    /// long before this.
    public var timeout: Duration
    /// When and how long to wait before retrying a failed request.
    public var retry: RetryPolicy
    /// Responses larger than this are refused with ``ProviderError/Kind/responseTooLarge``, so a
    /// misbehaving server cannot exhaust memory.
    public var maxResponseBytes: Int
    /// How many requests one `embed` call keeps in flight; `nil` uses the provider's default.
    public var maxConcurrency: Int?
    /// At most this many texts per request; `nil` uses the provider's limit. Values above the
    /// provider's documented limit are sent as given (some servers are configured higher).
    public var batchSize: Int?
    /// Receives debug messages about retries; the library never logs errors, it throws them.
    public var logger: Logger?

    /// Creates transport options.
    ///
    /// - Parameters:
    ///   - timeout: Per-request deadline; 60 seconds by default.
    ///   - retry: Retry policy; 3 retries with exponential backoff by default.
    ///   - maxResponseBytes: Response size cap; 256 MiB by default.
    ///   - maxConcurrency: Requests in flight per call; `nil` for the provider's default.
    ///   - batchSize: Texts per request; `nil` for the provider's limit.
    ///   - logger: Optional logger for retry diagnostics.
    public init(
        timeout: Duration = .seconds(60), retry: RetryPolicy = RetryPolicy(), maxResponseBytes: Int = 256 << 20,
        maxConcurrency: Int? = nil, batchSize: Int? = nil, logger: Logger? = nil
    ) {
        self.timeout = timeout
        self.retry = retry
        self.maxResponseBytes = maxResponseBytes
        self.maxConcurrency = maxConcurrency
        self.batchSize = batchSize
        self.logger = logger
    }
}
