import Synchronization

/// Whether the server wants new traffic: what `GET /health` answers a load balancer.
///
/// A ready server answers `/health` with 200. Once ``beginDraining()`` is called (by
/// ``ServerDrain`` on SIGTERM) it answers 503 and every response carries `Connection: close`,
/// while requests are still served: a balancer stops routing to it and lets its connections go,
/// before the server stops accepting them.
public final class ServerReadiness: Sendable {
    private let draining = Atomic<Bool>(false)

    /// A ready server.
    public init() {}

    /// Whether the server is draining for shutdown.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Marks the server as draining; it cannot become ready again (a restart makes a new one).
    public func beginDraining() {
        draining.store(true, ordering: .relaxed)
    }
}
