/// What the requests to a remote service are doing while an embedding call runs, so that a
/// progress display can tell a slow service from a hung one.
///
/// The hosted and server providers report every request they send, including the retries. Set
/// ``RemoteRequestProgress/observer`` around a call to receive the events:
///
/// ```swift
/// let vectors = try await RemoteRequestProgress.$observer.withValue({ event in print(event) }) {
///     try await embedder.embed(texts)
/// }
/// ```
public enum RemoteRequestEvent: Sendable {
    /// A request to `service` (a provider's display name, such as `LM Studio`) started.
    case started(service: String)
    /// A request finished: answered (`succeeded`) or failed for good.
    case finished(service: String, succeeded: Bool)
    /// Attempt `attempt` (1 for the first) of a request failed for `reason` (a few words, such as
    /// `connection refused`); the next attempt starts after `delay`.
    case retrying(service: String, attempt: Int, delay: Duration, reason: String)
}

/// Where the remote request events of the current task go.
public enum RemoteRequestProgress {
    /// Receives the events of every remote request made by the current task and the tasks it
    /// starts; `nil` (the default) reports nothing. Called from any thread, possibly
    /// concurrently.
    @TaskLocal public static var observer: (@Sendable (RemoteRequestEvent) -> Void)?

    /// Sends `event` to the current ``observer``, if any.
    public static func report(_ event: RemoteRequestEvent) {
        observer?(event)
    }
}
