import AsyncHTTPClient
import EmbedCore
import NIOCore

/// The HTTP client the providers use unless given another: one that fails fast when nothing
/// answers.
///
/// `HTTPClient.shared` is configured like a browser: when a connection cannot be made it keeps
/// retrying with backoff until the request's own deadline, so a server that is not running costs
/// the whole request timeout per attempt, and its error only surfaces then. This client instead
///
/// - gives up on a connection attempt after ``defaultConnectTimeout`` (the request `timeout`
///   still bounds the whole request once connected), and
/// - reports a failed connection attempt at once (`retryConnectionEstablishment` off), so that
///   ``HTTPTransport`` decides what to retry: one quick retry for a refused connection, none for
///   a host name that does not resolve or a failed TLS handshake.
///
/// A client of your own gets the same behaviour from ``configuration(connectTimeout:)``.
public enum ProviderHTTPClient {
    /// How long a connection attempt may take, TLS handshake included. Python's `httpx` (and so
    /// the OpenAI SDK) uses the same figure: long enough for a distant or busy host, short
    /// enough that a missing server is reported while the user still waits for it.
    public static let defaultConnectTimeout: Duration = .seconds(5)

    /// The client embedders use by default. It is never shut down.
    public static let shared = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: configuration())

    /// `HTTPClient.shared`'s configuration (redirects, decompression, certificate checks, idle
    /// connections) with the connect timeout, without a read timeout (each request's `timeout`
    /// bounds it instead, so a configured timeout longer than the read timeout is honoured), and
    /// without the pool's own connection retries.
    ///
    /// - Parameter connectTimeout: The longest a connection attempt may take.
    public static func configuration(connectTimeout: Duration = defaultConnectTimeout) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = HTTPClient.Configuration.Timeout(
            connect: .nanoseconds(connectTimeout.nanoseconds), read: nil)
        // With it on, the pool retries failed connections until each request's deadline and the
        // request only learns why at the end; the transport's retry policy is the one place
        // where retrying is decided.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
