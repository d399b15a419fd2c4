import EmbedCore
import Foundation
import Hummingbird
import Logging

/// The request context of every route: Hummingbird's basic one. Bodies are read with each
/// route's own limit (``ServerConfiguration/maxBodySize``), not the context's upload size.
typealias ServerRequestContext = BasicRequestContext

/// Builds the embedding server: OpenAI-, Ollama- and TEI-compatible routes in front of one
/// embedder, with request coalescing, limits, optional API-key authentication, metrics and
/// request logging.
///
/// Both `embed serve` and the tests call it; run the result with `runService()`, which handles
/// SIGINT and SIGTERM by finishing in-flight requests before exiting:
///
/// ```swift
/// let app = buildApplication(configuration: ServerConfiguration(port: 8080),
///                            embedder: embedder, logger: Logger(label: "embed.server"))
/// try await app.runService()
/// ```
///
/// An invalid configuration (see ``ServerConfiguration/problems``) does not crash: the
/// application fails to start with a ``ServerConfigurationError``.
///
/// - Parameters:
///   - configuration: Where to listen and the server's limits.
///   - embedder: Any engine; a ``EmbedCore/TokenizingEmbedder`` additionally accepts token-id
///     inputs and rejects over-long inputs before computing them.
///   - logger: Receives request logs (with `hb.request.id`) and server events.
public func buildApplication(
    configuration: ServerConfiguration,
    embedder: some Embedder,
    logger: Logger
) -> some ApplicationProtocol {
    let logger = {
        var logger = logger
        if let level = configuration.logLevel { logger.logLevel = level }
        return logger
    }()

    let metrics = ServerMetrics()
    let engine = EmbeddingEngine(embedder)
    let batcher = EmbeddingBatcher(
        engine: engine,
        limits: EmbeddingBatcher.Limits(configuration),
        metrics: metrics,
        logger: logger
    )
    let service = EmbeddingService(engine: engine, batcher: batcher, metrics: metrics, configuration: configuration)
    let router = buildRouter(service: service, metrics: metrics, configuration: configuration)

    var app = Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: configuration.serverName
        ),
        logger: logger
    )
    app.addServices(BatcherService(batcher: batcher))

    let problems = configuration.problems
    app.beforeServerStarts {
        guard problems.isEmpty else { throw ServerConfigurationError(problems: problems) }
        if configuration.apiKey == nil, !configuration.isLoopbackOnly {
            logger.warning(
                "Serving on a non-loopback address without an API key: anyone who can reach \(configuration.host):\(configuration.port) can use the model. Set an API key."
            )
        }
        if configuration.warmsUpBeforeServing {
            _ = try await engine.embed(["warm-up"], options: EmbeddingOptions())
        }
        logger.info(
            "Serving \(service.modelName)",
            metadata: [
                "host": .string(configuration.host),
                "port": .stringConvertible(configuration.port),
                "auth": .string(configuration.apiKey == nil ? "off" : "bearer"),
                "tokenizer": .string(engine.tokenizes ? "yes" : "no"),
            ]
        )
    }
    return app
}

/// Registers the middleware and every route.
func buildRouter(service: EmbeddingService, metrics: ServerMetrics, configuration: ServerConfiguration) -> Router<ServerRequestContext> {
    let router = Router(context: ServerRequestContext.self)
    // Outermost first. Middleware applies only to routes added after it.
    router.add(middleware: RequestLoggingMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorRenderingMiddleware())
    if let apiKey = configuration.apiKey {
        router.add(middleware: AuthenticationMiddleware(apiKey: apiKey))
    }

    let startedAt = Date()
    OperationsRoutes(metrics: metrics, serverName: configuration.serverName).add(to: router)
    OpenAIRoutes(service: service, created: Int(startedAt.timeIntervalSince1970)).add(to: router)
    OllamaRoutes(service: service, modifiedAt: ISO8601DateFormatter().string(from: startedAt)).add(to: router)
    TEIRoutes(service: service).add(to: router)
    return router
}
