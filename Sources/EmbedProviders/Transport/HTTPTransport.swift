import AsyncHTTPClient
import EmbedCore
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

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

    /// Sends `request`, retrying per ``TransportOptions/retry``, and returns a 2xx response or a
    /// response whose status is in `passing` (for callers that handle some errors themselves).
    ///
    /// - Throws: ``ProviderError``, or `CancellationError` when the task is cancelled.
    func send(_ request: Request, passing: Set<UInt> = []) async throws -> Response {
        let policy = options.retry
        var retry = 0
        while true {
            do {
                let response = try await sendOnce(request)
                if (200..<300).contains(response.status.code) || passing.contains(response.status.code) {
                    return response
                }
                throw httpError(response)
            } catch let error as ProviderError {
                guard error.isRetryable, retry < policy.maxRetries else {
                    if retry > 0 && error.isRetryable {
                        throw ProviderError.retriesExhausted(provider: provider, attempts: retry + 1, last: error)
                    }
                    throw error
                }
                // A server asking for a longer wait than the cap is telling us not to retry now.
                guard let delay = policy.delay(beforeRetry: retry, serverHint: error.retryAfter) else { throw error }
                options.logger?.debug(
                    "Retrying \(provider) request",
                    metadata: ["attempt": "\(retry + 2)", "delay": "\(delay)", "error": "\(error)"])
                try await policy.clock.sleep(delay)
                retry += 1
            }
        }
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
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout:
                return ProviderError.timeout(provider: provider, after: options.timeout)
            case .cancelled:
                return Task.isCancelled ? CancellationError() : ProviderError.connectionFailed(provider: provider, detail: "\(error)")
            case .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown:
                return ProviderError.invalidRequest(provider: provider, detail: "\(error)")
            default:
                return ProviderError.connectionFailed(provider: provider, detail: "\(error)")
            }
        }
        return ProviderError.connectionFailed(provider: provider, detail: "\(error)")
    }
}
