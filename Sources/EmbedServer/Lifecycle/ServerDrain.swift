import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a server so that SIGTERM and SIGINT first drain it: `GET /health` turns 503 (see
/// ``ServerReadiness``) for ``duration`` while requests are still served, then the server stops
/// accepting connections, finishes its in-flight requests and empties its batch queues.
///
/// The pause is what lets a rolling restart lose nothing: a load balancer polling `/health`, or
/// Kubernetes removing the pod from its Service's endpoints, stops sending new requests before
/// the port closes. With a zero duration this is exactly `runService()`.
public struct ServerDrain: Service {
    /// The readiness the server's `/health` reports.
    public let readiness: ServerReadiness
    /// How long the server keeps serving, answering `/health` with 503, after a shutdown signal.
    public let duration: Duration
    /// Receives the "draining" notice.
    public let logger: Logger

    /// Creates the drain step; add it after the server in a `ServiceGroup`, which shuts services
    /// down in reverse order, so that it runs first.
    public init(readiness: ServerReadiness, duration: Duration, logger: Logger) {
        self.readiness = readiness
        self.duration = duration
        self.logger = logger
    }

    /// Waits for the group's graceful shutdown, then marks the server draining and waits
    /// ``duration`` before returning, which lets the group go on to shut the server down.
    public func run() async throws {
        try? await gracefulShutdown()
        readiness.beginDraining()
        guard duration > .zero else { return }
        logger.notice("Draining: /health answers 503 while requests are still served", metadata: ["seconds": "\(duration.components.seconds)"])
        // A cancelled group (a second signal, or a failing service) skips the rest of the pause.
        try? await Task.sleep(for: duration)
    }

    /// Runs `app` until SIGTERM or SIGINT, draining it for `duration` first.
    public static func run(
        _ app: some ApplicationProtocol, readiness: ServerReadiness, duration: Duration, logger: Logger
    ) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: app),
                    // Returning is this service's way of handing on the shutdown, not a failure.
                    .init(service: ServerDrain(readiness: readiness, duration: duration, logger: logger),
                          successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
