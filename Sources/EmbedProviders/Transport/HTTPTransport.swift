import AsyncHTTPClient
import EmbedCore
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// Sends one provider's requests: applies the deadline and the body cap, turns failures into
/// ``ProviderError``s with the server's message, and retries what is worth retrying.
struct HTTPTransport: Sendable {
    /// A request to send.
    struct Request: Sendable {
        var method: HTTPMethod = .POST
        var url: String
        var headers: HTTPHeaders = HTTPHeaders()
        var body: Data?

        /// A POST with a JSON body.
        static func json(_ url: String, headers: HTTPHeaders = HTTPHeaders(), body: JSONValue) throws -> Request {
            var headers = headers
            headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            return Request(method: .POST, url: url, headers: headers, body: try JSONEncoder().encode(body))
        }
    }

    /// A complete response.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: Data
    }

    /// The provider's display name, used in every error.
    let provider: String
    let client: HTTPClient
    let options: TransportOptions
    /// The server's base URL and where it was configured, named when it cannot be reached.
    var endpoint: ProviderEndpoint

    /// Sends `request`, retrying per ``TransportOptions/retry``, and returns a 2xx response or a
    /// response whose status is in `passing` (for callers that handle some errors themselves).
    ///
    /// A refused or timed-out connection attempt is retried once at most, whatever the policy
    /// allows: a server that is restarting may be back a moment later, one that is not running
    /// will not be, and the user should hear so at once. A host name that does not resolve and a
    /// failed TLS handshake are not retried. The request's start and end, and each retry, are
    /// reported to ``RemoteRequestProgress/observer``.
    ///
    /// - Throws: ``ProviderError``, or `CancellationError` when the task is cancelled.
    func send(_ request: Request, passing: Set<UInt> = []) async throws -> Response {
        let policy = options.retry
        let started = ContinuousClock.now
        var retriedConnection = false
        var succeeded = false
        RemoteRequestProgress.report(.started(service: provider))
        defer { RemoteRequestProgress.report(.finished(service: provider, succeeded: succeeded)) }
        let response = try await policy.run {
            let response = try await sendOnce(request)
            guard (200..<300).contains(response.status.code) || passing.contains(response.status.code) else {
                throw httpError(response)
            }
            return response
        } decide: { failure, retry in
            guard let error = failure as? ProviderError else { throw failure }
            let isConnectionAttempt = error.connectionProblem == .refused || error.connectionProblem == .connectTimeout
            guard error.isRetryable, retry < policy.maxRetries, !(isConnectionAttempt && retriedConnection) else {
                if retry > 0 && error.isRetryable {
                    throw ProviderError.retriesExhausted(
                        provider: provider, attempts: retry + 1, last: error, elapsed: ContinuousClock.now - started)
                }
                throw error
            }
            // A server asking for a longer wait than the cap is telling us not to retry now.
            // The one retry of a connection attempt comes after the first backoff step,
            // however many attempts failed before: it is a quick second look, not a wait.
            let step = isConnectionAttempt ? 0 : retry
            guard let delay = policy.delay(beforeRetry: step, serverHint: error.retryAfter) else { throw error }
            if isConnectionAttempt { retriedConnection = true }
            options.logger?.debug(
                "Retrying \(provider) request",
                metadata: ["attempt": "\(retry + 2)", "delay": "\(delay)", "error": "\(error)"])
            RemoteRequestProgress.report(
                .retrying(service: provider, attempt: retry + 1, delay: delay, reason: error.summary))
            return delay
        }
        succeeded = true
        return response
    }

    /// Sends `request` once. HTTP error statuses are returned, not thrown.
    func sendOnce(_ request: Request) async throws -> Response {
        let response = try await open(request, timeout: options.timeout)
        do {
            let body = try await response.body.collect(upTo: options.maxResponseBytes)
            return Response(status: response.status, headers: response.headers, body: Data(buffer: body))
        } catch {
            throw map(error)
        }
    }

    /// Starts `request` and returns as soon as the head arrives, for streamed bodies.
    func open(_ request: Request, timeout: Duration) async throws -> HTTPClientResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        do {
            return try await client.execute(outgoing, timeout: .nanoseconds(timeout.nanoseconds), logger: options.logger)
        } catch {
            throw map(error)
        }
    }

    /// Builds the error for a non-success response, with the server's message and retry hint.
    func httpError(_ response: Response) -> ProviderError {
        let body = ServerErrorBody(response.body)
        // `x-should-retry` (OpenAI, Stainless SDKs) overrides the status, except that rejected
        // credentials are never retried: the same key will be rejected again.
        let isAuthenticationFailure = response.status.code == 401 || response.status.code == 403
        let shouldRetry =
            isAuthenticationFailure
            ? false : response.headers.first(name: "x-should-retry").map { $0.lowercased() == "true" }
        return ProviderError.http(
            provider: provider, status: Int(response.status.code), message: body.message, serverCode: body.code,
            retryable: shouldRetry,
            retryAfter: RetryHint.delay(headers: response.headers, body: body, now: options.retry.clock.now()))
    }

    /// Turns a client-side failure into a ``ProviderError`` (cancellation passes through).
    func map(_ error: any Error) -> any Error {
        if error is CancellationError || error is ProviderError { return error }
        if error is NIOTooManyBytesError {
            return ProviderError.responseTooLarge(provider: provider, limit: options.maxResponseBytes)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return ProviderError.timeout(provider: provider, after: options.timeout, endpoint: endpoint)
            case .connectTimeout, .tlsHandshakeTimeout:
                return connectionFailed(.connectTimeout)
            case .cancelled:
                return Task.isCancelled ? CancellationError() : connectionFailed(.other("the request was cancelled"))
            case .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown:
                return ProviderError.invalidRequest(provider: provider, detail: "\(error)")
            case .remoteConnectionClosed:
                return connectionFailed(.other("the server closed the connection before answering"))
            default:
                return connectionFailed(.other("\(error)"))
            }
        }
        return connectionFailed(Self.connectionProblem(error))
    }

    private func connectionFailed(_ problem: ConnectionProblem) -> ProviderError {
        ProviderError.connectionFailed(provider: provider, problem: problem, endpoint: endpoint)
    }

    /// Reads what the network layer's error means, in words without its type names.
    static func connectionProblem(_ error: any Error) -> ConnectionProblem {
        if let error = error as? NIOConnectionError {
            // Each address tried failed; refused on any of them means nothing listens there.
            let failures = error.connectionErrors.map(\.error)
            if failures.contains(where: { ($0 as? IOError)?.errnoCode == ECONNREFUSED }) { return .refused }
            if let first = failures.first { return connectionProblem(first) }
            // No address to try: the name did not resolve.
            if error.dnsAError != nil || error.dnsAAAAError != nil { return .unknownHost(error.host) }
            return .other("the connection could not be made")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case ETIMEDOUT: return .connectTimeout
            default: return .other(String(cString: strerror(error.errnoCode)).lowercased())
            }
        }
        if case ChannelError.connectTimeout = error { return .connectTimeout }
        #if canImport(Network)
        if let error = error as? HTTPClient.NWPOSIXError {
            return error.errorCode == .ECONNREFUSED ? .refused : .other("\(error)")
        }
        if error is HTTPClient.NWTLSError { return .tls("\(error)") }
        #endif
        if let problem = tlsProblem(error) { return problem }
        return .other("\(error)")
    }

    /// What a TLS library error means, or `nil` for other errors.
    ///
    /// The TLS types are recognized by their module's name rather than by type, so that this
    /// target does not link the TLS library directly just to name its errors.
    static func tlsProblem(_ error: any Error) -> ConnectionProblem? {
        let type = String(reflecting: Swift.type(of: error))
        guard type.hasPrefix("NIOSSL.") else { return nil }
        let text = "\(error)"
        // A TLS connection closed without its close message is a lost connection, not a
        // handshake that failed: it is worth retrying like any other.
        if text.contains("uncleanShutdown") { return .other("the server closed the TLS connection before answering") }
        // BoringSSL's reason codes read `error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER`.
        if let match = text.firstMatch(of: /OPENSSL_internal:([A-Z0-9_]+)/) {
            return .tls(match.1.replacingOccurrences(of: "_", with: " ").lowercased())
        }
        if text.contains("failedToValidateHostname") { return .tls("the certificate does not name this host") }
        return .tls("the connection was rejected")
    }
}
