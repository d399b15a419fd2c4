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
/// The one model answers to any name unless ``ServerConfiguration/requiresMatchingModelName``
/// is set, and is reported as ``ServerConfiguration/modelName`` when given. An invalid
/// configuration (see ``ServerConfiguration/problems``) does not crash: the application fails to
/// start with a ``ServerConfigurationError``.
///
/// - Parameters:
///   - configuration: Where to listen and the server's limits.
///   - embedder: Any engine; a ``EmbedCore/TokenizingEmbedder`` additionally accepts token-id
///     inputs and rejects over-long inputs before computing them.
///   - readiness: What `GET /health` reports; ``ServerDrain`` marks it draining on shutdown.
///   - logger: Receives request logs (with `hb.request.id`) and server events.
public func buildApplication(
    configuration: ServerConfiguration,
    embedder: some Embedder,
    readiness: ServerReadiness = ServerReadiness(),
    logger: Logger
) -> some ApplicationProtocol {
    buildApplication(
        configuration: configuration,
        models: [ServedModel(name: configuration.modelName, embedder: embedder)],
        readiness: readiness,
        logger: logger
    )
}

/// Builds the embedding server in front of several models, each with its own batch queue; a
/// request picks one by its `model` field (see ``ServedModel`` for how names match).
///
/// The first model is the default: requests that name no model, and TEI's routes unless
/// ``ServerConfiguration/teiModelName`` names another. With a single model the server answers to
/// any name, as ``buildApplication(configuration:embedder:readiness:logger:)`` does; with several,
/// an unknown name is a 404 in the calling API's shape. ``ServerConfiguration/modelName`` is not
/// used here: each model carries its own name.
///
/// ```swift
/// let readiness = ServerReadiness()
/// let app = buildApplication(configuration: configuration, models: models, readiness: readiness, logger: logger)
/// try await ServerDrain.run(app, readiness: readiness, duration: .seconds(5), logger: logger)
/// ```
///
/// - Parameters:
///   - configuration: Where to listen and the server's limits (each model may override the
///     batching ones).
///   - models: At least one model; none is a configuration problem reported at start.
///   - readiness: What `GET /health` reports; ``ServerDrain`` marks it draining on shutdown.
///   - logger: Receives request logs (with `hb.request.id`) and server events.
public func buildApplication(
    configuration: ServerConfiguration,
    models: [ServedModel],
    readiness: ServerReadiness = ServerReadiness(),
    logger: Logger
) -> some ApplicationProtocol {
    let logger = {
        var logger = logger
        if let level = configuration.logLevel { logger.logLevel = level }
        return logger
    }()

    let metrics = ServerMetrics()
    let services = models.map { model in
        let engine = EmbeddingEngine(model.embedder)
        let limits = EmbeddingBatcher.Limits(configuration, model: model)
        let name = model.servedName
        let modelMetrics = metrics.model(named: name)
        return EmbeddingService(
            modelName: name,
            aliases: model.aliases,
            architecture: model.architecture ?? (engine.tokenizes ? "bert" : "remote"),
            engine: engine,
            batcher: EmbeddingBatcher(engine: engine, limits: limits, metrics: modelMetrics, logger: logger),
            limits: limits,
            metrics: modelMetrics,
            configuration: configuration
        )
    }

    var problems = configuration.problems + models.flatMap(\.problems)
    var app: Application<RouterResponder<ServerRequestContext>>
    if services.isEmpty {
        problems.append("No model to serve; give at least one.")
        app = Application(router: Router(context: ServerRequestContext.self), configuration: applicationConfiguration(configuration), logger: logger)
    } else {
        let catalog = ModelCatalog(services: services, configuration: configuration)
        problems += catalog.problems
        let router = buildRouter(catalog: catalog, metrics: metrics, readiness: readiness, configuration: configuration)
        app = Application(router: router, configuration: applicationConfiguration(configuration), logger: logger)
        app.addServices(services.map { BatcherService(batcher: $0.batcher) })
    }

    app.beforeServerStarts { [problems] in
        guard problems.isEmpty else { throw ServerConfigurationError(problems: problems) }
        if configuration.apiKey == nil, !configuration.isLoopbackOnly {
            logger.warning(
                "Serving on a non-loopback address without an API key: anyone who can reach \(configuration.host):\(configuration.port) can use the model. Set an API key."
            )
        }
        for (model, service) in zip(models, services) where configuration.warmsUpBeforeServing || model.warmsUp {
            _ = try await service.engine.embed(["warm-up"], options: EmbeddingOptions())
        }
        for service in services {
            logger.info(
                "Serving \(service.modelName)",
                metadata: [
                    "host": .string(configuration.host),
                    "port": .stringConvertible(configuration.port),
                    "auth": .string(configuration.apiKey == nil ? "off" : "bearer"),
                    "tokenizer": .string(service.engine.tokenizes ? "yes" : "no"),
                    "aliases": .string(service.aliases.joined(separator: ",")),
                ]
            )
        }
    }
    return app
}

private func applicationConfiguration(_ configuration: ServerConfiguration) -> ApplicationConfiguration {
    ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port),
        serverName: configuration.serverName
    )
}

/// Registers the middleware and every route.
func buildRouter(
    catalog: ModelCatalog, metrics: ServerMetrics, readiness: ServerReadiness, configuration: ServerConfiguration
) -> Router<ServerRequestContext> {
    let router = Router(context: ServerRequestContext.self)
    // Outermost first. Middleware applies only to routes added after it.
    router.add(middleware: RequestLoggingMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: DrainingMiddleware(readiness: readiness))
    router.add(middleware: ErrorRenderingMiddleware())
    if let apiKey = configuration.apiKey {
        router.add(middleware: AuthenticationMiddleware(apiKey: apiKey))
    }

    let startedAt = Date()
    OperationsRoutes(catalog: catalog, metrics: metrics, readiness: readiness, serverName: configuration.serverName).add(to: router)
    OpenAIRoutes(catalog: catalog, configuration: configuration, created: Int(startedAt.timeIntervalSince1970)).add(to: router)
    OllamaRoutes(catalog: catalog, configuration: configuration, modifiedAt: ISO8601DateFormatter().string(from: startedAt)).add(to: router)
    TEIRoutes(service: catalog.teiService).add(to: router)
    return router
}
