import ServiceLifecycle

/// Runs the ``EmbeddingBatcher`` for as long as the application runs.
///
/// Registered with the application's `ServiceGroup` before the HTTP server, so on SIGINT or
/// SIGTERM the server first stops accepting connections and finishes its in-flight requests —
/// whose inputs this service keeps batching — and only then is this service told to shut down,
/// draining whatever is still queued.
struct BatcherService: Service {
    let batcher: EmbeddingBatcher

    func run() async throws {
        await withGracefulShutdownHandler {
            await batcher.run()
        } onGracefulShutdown: {
            // The handler is synchronous; hop onto the actor.
            Task { await batcher.beginShutdown() }
        }
    }
}
