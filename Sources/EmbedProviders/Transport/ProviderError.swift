import EmbedCore

/// A failure talking to an embedding provider: the server's own error, a timeout, a lost
/// connection, a response that does not parse, or retries that ran out.
///
/// The message always names the provider. For a server that cannot be reached or does not
/// answer, it names the URL tried, the setting it came from and what to check; for HTTP errors,
/// the status and the message the server sent, extracted from its error shape (OpenAI
/// `{"error":{"message"}}`, Azure's string `code`, Ollama `{"error":"…"}`, TEI
/// `{"error","error_type"}`, Google's RPC envelope, OAuth `error_description`).
public struct ProviderError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: Sendable, Hashable {
        /// The server answered with a non-success HTTP status.
        case http
        /// A request did not complete within the configured timeout.
        case timeout
        /// The connection could not be made or was lost; ``ProviderError/connectionProblem`` says why.
        case connection
        /// The response did not have the expected shape.
        case malformedResponse
        /// The response exceeded ``TransportOptions/maxResponseBytes``.
        case responseTooLarge
        /// Every attempt failed with a retryable error; ``ProviderError/lastError`` has the last.
        case retriesExhausted
        /// The model is not available and could not be made available (Ollama pull failed).
        case modelUnavailable
        /// The request could not be built (bad URL, unsupported option).
        case invalidRequest
        /// Credentials could not be loaded or used to obtain a token.
        case credentials
    }

    private indirect enum Code: Sendable {
        case http(status: Int, message: String?, serverCode: String?)
        case timeout(Duration, endpoint: ProviderEndpoint?)
        case connection(ConnectionProblem, endpoint: ProviderEndpoint?)
        case malformedResponse(field: String, detail: String)
        case responseTooLarge(limit: Int)
        case retriesExhausted(attempts: Int, last: ProviderError, elapsed: Duration?)
        case modelUnavailable(model: String, detail: String)
        case invalidRequest(String)
        case credentials(String)
    }

    /// The provider's display name, such as `OpenAI` or `Ollama`.
    public let provider: String
    private let code: Code
    /// Whether the failure is worth retrying (set for HTTP errors from status and body).
    let isRetryable: Bool
    /// The wait the server asked for, when it said.
    let retryAfter: Duration?

    private init(provider: String, code: Code, isRetryable: Bool = false, retryAfter: Duration? = nil) {
        self.provider = provider
        self.code = code
        self.isRetryable = isRetryable
        self.retryAfter = retryAfter
    }

    /// The server answered `status`; `message` and `serverCode` are what its error body said.
    ///
    /// Marked retryable for 408, 409, 429 and 5xx, except OpenAI's `insufficient_quota`.
    public static func http(provider: String, status: Int, message: String?, serverCode: String? = nil) -> Self {
        http(provider: provider, status: status, message: message, serverCode: serverCode, retryable: nil, retryAfter: nil)
    }

    static func http(
        provider: String, status: Int, message: String?, serverCode: String?, retryable: Bool?, retryAfter: Duration?
    ) -> Self {
        let quotaExhausted = serverCode == "insufficient_quota"
        let retryableStatus = status == 408 || status == 409 || status == 429 || (500...599).contains(status)
        return Self(
            provider: provider, code: .http(status: status, message: message, serverCode: serverCode),
            isRetryable: retryable ?? (retryableStatus && !quotaExhausted), retryAfter: retryAfter)
    }

    /// No answer within `timeout` from the server at `endpoint`.
    public static func timeout(provider: String, after timeout: Duration, endpoint: ProviderEndpoint? = nil) -> Self {
        Self(provider: provider, code: .timeout(timeout, endpoint: endpoint), isRetryable: true)
    }

    /// The connection failed or dropped; `detail` says how.
    public static func connectionFailed(provider: String, detail: String) -> Self {
        connectionFailed(provider: provider, problem: .other(detail), endpoint: nil)
    }

    /// No connection to the server at `endpoint` could be made, or it was lost, for `problem`.
    ///
    /// A refused connection, a connection attempt that timed out and a lost connection are worth
    /// retrying (the transport retries the first two once at most); a host name that does not
    /// resolve or a failed TLS handshake will fail the same way again and are not.
    public static func connectionFailed(provider: String, problem: ConnectionProblem, endpoint: ProviderEndpoint?) -> Self {
        let retryable: Bool =
            switch problem {
            case .refused, .connectTimeout, .other: true
            case .unknownHost, .tls: false
            }
        return Self(provider: provider, code: .connection(problem, endpoint: endpoint), isRetryable: retryable)
    }

    /// The response lacked or mangled `field` (a JSON path such as `data[2].embedding`).
    public static func malformedResponse(provider: String, field: String, detail: String) -> Self {
        Self(provider: provider, code: .malformedResponse(field: field, detail: detail))
    }

    /// The response was larger than `limit` bytes.
    public static func responseTooLarge(provider: String, limit: Int) -> Self {
        Self(provider: provider, code: .responseTooLarge(limit: limit))
    }

    /// `attempts` attempts all failed; `last` is the final failure; `elapsed`, when known, is how
    /// long the attempts and the waits between them took.
    public static func retriesExhausted(
        provider: String, attempts: Int, last: ProviderError, elapsed: Duration? = nil
    ) -> Self {
        Self(provider: provider, code: .retriesExhausted(attempts: attempts, last: last, elapsed: elapsed))
    }

    /// `model` is not available on the server and could not be pulled.
    public static func modelUnavailable(provider: String, model: String, detail: String) -> Self {
        Self(provider: provider, code: .modelUnavailable(model: model, detail: detail))
    }

    /// The request could not be built or sent as configured.
    public static func invalidRequest(provider: String, detail: String) -> Self {
        Self(provider: provider, code: .invalidRequest(detail))
    }

    /// Credentials were unusable: a bad key file, or a token endpoint refusing them.
    public static func credentials(provider: String, detail: String) -> Self {
        Self(provider: provider, code: .credentials(detail))
    }

    /// What went wrong.
    public var kind: Kind {
        switch code {
        case .http: .http
        case .timeout: .timeout
        case .connection: .connection
        case .malformedResponse: .malformedResponse
        case .responseTooLarge: .responseTooLarge
        case .retriesExhausted: .retriesExhausted
        case .modelUnavailable: .modelUnavailable
        case .invalidRequest: .invalidRequest
        case .credentials: .credentials
        }
    }

    /// The HTTP status of this error, or of the last attempt when retries ran out.
    public var statusCode: Int? {
        switch code {
        case .http(let status, _, _): status
        case .retriesExhausted(_, let last, _): last.statusCode
        default: nil
        }
    }

    /// The message the server sent, when it sent one (of the last attempt when retries ran out).
    public var serverMessage: String? {
        switch code {
        case .http(_, let message, _): message
        case .retriesExhausted(_, let last, _): last.serverMessage
        default: nil
        }
    }

    /// The server's machine-readable code or type (`insufficient_quota`, `RESOURCE_EXHAUSTED`,
    /// `Validation`), when it sent one.
    public var serverCode: String? {
        switch code {
        case .http(_, _, let serverCode): serverCode
        case .retriesExhausted(_, let last, _): last.serverCode
        default: nil
        }
    }

    /// The final failure when this is ``Kind/retriesExhausted``.
    public var lastError: ProviderError? {
        if case .retriesExhausted(_, let last, _) = code { last } else { nil }
    }

    /// How many attempts were made when this is ``Kind/retriesExhausted``.
    public var attempts: Int? {
        if case .retriesExhausted(let attempts, _, _) = code { attempts } else { nil }
    }

    /// How long the attempts took in all, when this is ``Kind/retriesExhausted``.
    public var elapsed: Duration? {
        if case .retriesExhausted(_, _, let elapsed) = code { elapsed } else { nil }
    }

    /// Why no connection could be made (of the last attempt when retries ran out), for
    /// ``Kind/connection``.
    public var connectionProblem: ConnectionProblem? {
        switch code {
        case .connection(let problem, _): problem
        case .retriesExhausted(_, let last, _): last.connectionProblem
        default: nil
        }
    }

    /// The server address the failed request went to and where it was configured, for
    /// connection failures and timeouts (of the last attempt when retries ran out).
    public var endpoint: ProviderEndpoint? {
        switch code {
        case .connection(_, let endpoint), .timeout(_, let endpoint): endpoint
        case .retriesExhausted(_, let last, _): last.endpoint
        default: nil
        }
    }

    /// The response field that was missing or malformed, for ``Kind/malformedResponse``.
    public var field: String? {
        if case .malformedResponse(let field, _) = code { field } else { nil }
    }

    /// Whether the server rejected the credentials (HTTP 401 or 403).
    public var isAuthenticationFailure: Bool {
        statusCode == 401 || statusCode == 403
    }

    /// A few words on what failed, for progress lines: `connection refused`, `no answer within
    /// 60.0 s`, `HTTP 503: Overloaded`. ``description`` is the full sentence.
    public var summary: String {
        switch code {
        case .http(let status, let message, _):
            return "HTTP \(status)" + (message.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
        case .timeout(let timeout, _):
            return "no answer within \(Self.format(timeout))"
        case .connection(let problem, _):
            return problem.description
        case .retriesExhausted(_, let last, _):
            return last.summary
        default:
            return description
        }
    }

    /// A sentence naming the provider, what failed, and the server's message.
    public var description: String {
        switch code {
        case .http(let status, let message, let serverCode):
            var text = "\(provider) answered HTTP \(status)"
            if let serverCode, !serverCode.isEmpty { text += " (\(serverCode))" }
            if let message, !message.isEmpty {
                text += ": \(message)"
                if !(message.hasSuffix(".") || message.hasSuffix("!") || message.hasSuffix("?")) { text += "." }
            } else {
                text += "."
            }
            if status == 401 || status == 403 { text += " Check the API key or token." }
            return text
        case .timeout(let timeout, let endpoint):
            return "\(provider)\(endpoint.map { " at \($0)" } ?? "") did not answer within \(Self.format(timeout))."
        case .connection(let problem, let endpoint):
            return Self.describe(problem, provider: provider, endpoint: endpoint)
        case .malformedResponse(let field, let detail):
            return "\(provider) sent a malformed response at '\(field)': \(detail)"
        case .responseTooLarge(let limit):
            return "\(provider) sent a response larger than \(limit) bytes; lower batch_size or raise the limit."
        case .retriesExhausted(let attempts, let last, let elapsed):
            let over = elapsed.map { " over \(Self.format($0))" } ?? ""
            return "\(provider) failed after \(attempts) attempts\(over). Last error: \(last.description)"
        case .modelUnavailable(let model, let detail):
            return "\(provider) model '\(model)' is not available: \(detail)"
        case .invalidRequest(let detail):
            return "Cannot send the request to \(provider): \(detail)"
        case .credentials(let detail):
            return "\(provider) credentials are unusable: \(detail)"
        }
    }

    /// `Could not connect to LM Studio at http://localhost:1234/v1 (the default; set
    /// lmstudio_base_url): connection refused. Is LM Studio's server running?`
    private static func describe(_ problem: ConnectionProblem, provider: String, endpoint: ProviderEndpoint?) -> String {
        guard let endpoint else {
            let text = "\(problem)"
            return "Could not reach \(provider): \(text)" + (text.hasSuffix(".") ? "" : ".")
        }
        let prefix = "Could not connect to \(provider) at \(endpoint): \(problem)."
        switch problem {
        case .refused, .connectTimeout:
            let fallback = endpoint.isDefault ? "Check this machine's network connection." : "Is the server running, and is the URL right?"
            return prefix + " " + (endpoint.serverAdvice ?? fallback)
        case .unknownHost:
            return prefix + " Check the host name in the URL" + (endpoint.isDefault ? " and this machine's network connection." : ".")
        case .tls(let reason):
            // A certificate the client rejects is a trust problem; any other handshake failure
            // most often means the server does not speak TLS at all.
            return prefix
                + (reason.contains("certificate")
                    ? " Check that the server's certificate is valid for this host and trusted here."
                    : " If the server speaks plain HTTP, use an http:// URL.")
        case .other(let detail):
            return "The connection to \(provider) at \(endpoint) failed: \(detail)" + (detail.hasSuffix(".") ? "" : ".")
        }
    }

    /// `250 ms`, `60.0 s`, `4 min 3 s`.
    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 90 { return "\((seconds * 100).rounded() / 100) s" }
        let whole = Int(seconds.rounded())
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }
}

extension ProviderError: UpstreamError {
    /// How the provider failed: HTTP 429 is a rate limit, a timeout is a timeout, other HTTP
    /// errors, unreachable hosts and unusable responses are failures; retries that ran out take
    /// the last attempt's kind. A request that could not be built, or credentials that could not
    /// be used, arose here: `nil`.
    public var upstreamFailure: UpstreamFailure? {
        switch kind {
        case .http: statusCode == 429 ? .rateLimited : .failed
        case .timeout: .timedOut
        case .connection, .malformedResponse, .responseTooLarge, .modelUnavailable: .failed
        case .retriesExhausted: lastError?.upstreamFailure ?? .failed
        case .invalidRequest, .credentials: nil
        }
    }
}
