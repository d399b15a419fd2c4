import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A Hummingbird server on 127.0.0.1, on a port the system picks, that answers every request
/// with a handler: the base of the test servers that speak a remote service's wire format
/// (a provider's API, the Hugging Face Hub).
///
/// It lives in its own target so that only the test targets that need a server link Hummingbird.
public final class LoopbackServer: Sendable {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(baseURL: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.group = group
        self.task = task
    }

    /// Starts a server and returns once it accepts connections.
    ///
    /// - Parameter respond: Answers a request; its second argument is the server's ``baseURL``
    ///   (for redirects to itself).
    /// - Throws: ``LoopbackServerError/didNotStart`` when the server could not bind.
    public static func start(
        _ respond: @escaping @Sendable (Request, _ baseURL: String) async throws -> Response
    ) async throws -> LoopbackServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        // Known once the server runs, and set before `start` returns: no request can reach the
        // server before a test has its address.
        let baseURL = Mutex("")
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await respond(request, baseURL.withLock { $0 })
        }
        var logger = Logger(label: "LoopbackServer")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        // Stopped gracefully rather than by cancellation: cancelling drops connections the
        // server has accepted but not yet handled, which trips an assertion in NIO.
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw LoopbackServerError.didNotStart
        }
        let url = "http://127.0.0.1:\(port)"
        baseURL.withLock { $0 = url }
        return LoopbackServer(baseURL: url, group: group, task: task)
    }

    /// Stops the server, letting requests in flight finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// Why a ``LoopbackServer`` is not there.
public enum LoopbackServerError: Error {
    /// The server stopped before it reported a port.
    case didNotStart
}

/// A test server that can be stopped: ``LoopbackServer`` and the servers built on it.
public protocol StoppableServer: Sendable {
    /// Stops the server, letting requests in flight finish.
    func stop() async
}

extension LoopbackServer: StoppableServer {}

/// Runs `body` with `server`, and stops the server afterwards, also when `body` throws.
public func withRunning<Server: StoppableServer, T>(
    _ server: Server, _ body: (Server) async throws -> T
) async throws -> T {
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
