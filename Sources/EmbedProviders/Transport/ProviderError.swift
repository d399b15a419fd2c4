import EmbedCore

/// A failure talking to an embedding provider: the server's own error, a timeout, a lost
/// connection, a response that does not parse, or retries that ran out.
///
/// The message always names the provider and, for HTTP errors, the status and the message the
/// server sent, extracted from its error shape (OpenAI `{"error":{"message"}}`, Azure's string
/// `code`, Ollama `{"error":"…"}`, TEI `{"error","error_type"}`, Google's RPC envelope, OAuth
/// `error_description`).
public struct ProviderError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: Sendable, Hashable {
        /// The server answered with a non-success HTTP status.
        case http
        /// A request did not complete within the configured timeout.
        case timeout
        /// The connection could not be made or was lost.
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
        case timeout(Duration)
        case connection(String)
        case malformedResponse(field: String, detail: String)
        case responseTooLarge(limit: Int)
        case retriesExhausted(attempts: Int, last: ProviderError)
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

    /// No answer within `timeout`.
    public static func timeout(provider: String, after timeout: Duration) -> Self {
        Self(provider: provider, code: .timeout(timeout), isRetryable: true)
    }

    /// The connection failed or dropped; `detail` says how.
    public static func connectionFailed(provider: String, detail: String) -> Self {
        Self(provider: provider, code: .connection(detail), isRetryable: true)
    }

    /// The response lacked or mangled `field` (a JSON path such as `data[2].embedding`).
    public static func malformedResponse(provider: String, field: String, detail: String) -> Self {
        Self(provider: provider, code: .malformedResponse(field: field, detail: detail))
    }

    /// The response was larger than `limit` bytes.
    public static func responseTooLarge(provider: String, limit: Int) -> Self {
        Self(provider: provider, code: .responseTooLarge(limit: limit))
    }

    /// `attempts` attempts all failed; `last` is the final failure.
    public static func retriesExhausted(provider: String, attempts: Int, last: ProviderError) -> Self {
        Self(provider: provider, code: .retriesExhausted(attempts: attempts, last: last))
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
        case .retriesExhausted(_, let last): last.statusCode
        default: nil
        }
    }

    /// The message the server sent, when it sent one (of the last attempt when retries ran out).
    public var serverMessage: String? {
        switch code {
        case .http(_, let message, _): message
        case .retriesExhausted(_, let last): last.serverMessage
        default: nil
        }
    }

    /// The server's machine-readable code or type (`insufficient_quota`, `RESOURCE_EXHAUSTED`,
    /// `Validation`), when it sent one.
    public var serverCode: String? {
        switch code {
        case .http(_, _, let serverCode): serverCode
        case .retriesExhausted(_, let last): last.serverCode
        default: nil
        }
    }

    /// The final failure when this is ``Kind/retriesExhausted``.
    public var lastError: ProviderError? {
        if case .retriesExhausted(_, let last) = code { last } else { nil }
    }

    /// How many attempts were made when this is ``Kind/retriesExhausted``.
    public var attempts: Int? {
        if case .retriesExhausted(let attempts, _) = code { attempts } else { nil }
    }

    /// The response field that was missing or malformed, for ``Kind/malformedResponse``.
    public var field: String? {
        if case .malformedResponse(let field, _) = code { field } else { nil }
    }

    /// Whether the server rejected the credentials (HTTP 401 or 403).
    public var isAuthenticationFailure: Bool {
        statusCode == 401 || statusCode == 403
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
        case .timeout(let timeout):
            return "\(provider) did not answer within \(Self.format(timeout))."
        case .connection(let detail):
            return "Could not reach \(provider): \(detail)"
        case .malformedResponse(let field, let detail):
            return "\(provider) sent a malformed response at '\(field)': \(detail)"
        case .responseTooLarge(let limit):
            return "\(provider) sent a response larger than \(limit) bytes; lower batch_size or raise the limit."
        case .retriesExhausted(let attempts, let last):
            return "\(provider) failed after \(attempts) attempts. Last error: \(last.description)"
        case .modelUnavailable(let model, let detail):
            return "\(provider) model '\(model)' is not available: \(detail)"
        case .invalidRequest(let detail):
            return "Cannot send the request to \(provider): \(detail)"
        case .credentials(let detail):
            return "\(provider) credentials are unusable: \(detail)"
        }
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : "\((seconds * 100).rounded() / 100) s"
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
