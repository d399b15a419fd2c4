/// An error that says whether a remote service an embedder called is at fault, rather than this
/// process or the caller's input.
///
/// A server that fronts an embedder tells its own clients apart from its upstream with it:
/// an upstream that fails or cannot be reached is a 502, one that does not answer in time a 504,
/// one that rate-limits a 429 to retry later, and only what fails in this process stays a 500.
/// The hosted providers' errors conform; local engines' errors need not.
public protocol UpstreamError: Error {
    /// How the remote service failed, or `nil` when the error arose in this process (a request
    /// that could not be built, a key file that could not be read).
    var upstreamFailure: UpstreamFailure? { get }
}

/// How a remote service failed an embedding call.
public enum UpstreamFailure: Sendable, Hashable {
    /// It answered with an error or an unusable response, or could not be reached.
    case failed
    /// It did not answer in time.
    case timedOut
    /// It is limiting this client's rate (HTTP 429); the call may succeed later.
    case rateLimited
}
