import ArgumentParser
import EmbedLocal
import EmbedServer
import Foundation
import Hummingbird
import Logging

extension EmbedCommand {
    /// `embed serve`: the OpenAI-, Ollama- and TEI-compatible HTTP server.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve embeddings over HTTP with OpenAI-, Ollama- and TEI-compatible routes.",
            discussion: """
                Ready when GET /health answers. Routes: POST /v1/embeddings, GET /v1/models, \
                POST /api/embed, POST /api/embeddings, GET /api/tags, GET /api/version, POST /embed, \
                GET /health, GET /metrics. SIGINT/SIGTERM finish in-flight requests, then exit.
                """
        )

        @OptionGroup var source: EmbedderOptions

        @Option(help: "The port to listen on.")
        var port: Int = 8080

        @Option(help: "The address to listen on; 127.0.0.1 keeps the server local. Use 0.0.0.0 to expose it (set --api-key then).")
        var host: String = "127.0.0.1"

        @Option(help: ArgumentHelp("Require 'Authorization: Bearer KEY' on every route but /health. Defaults to EMBED_API_KEY.", valueName: "key"))
        var apiKey: String?

        @Option(help: "Most texts coalesced into one model batch.")
        var maxBatchSize: Int = 64

        @Option(help: "Most tokens coalesced into one model batch.")
        var maxBatchTokens: Int = 16_384

        @Option(help: "How long (ms) a batch waits for more requests to join it while the model is free (0: none; under load batches fill from the queue anyway).")
        var maxBatchWait: Int = 0

        @Option(help: "Most texts waiting in the queue; beyond it requests are refused at once (429/503).")
        var queueCapacity: Int = 8192

        @Option(help: "Most inputs in one request.")
        var maxInputs: Int = 2048

        @Option(help: "Largest request body, in bytes.")
        var maxBodySize: Int = 8 << 20

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown --log-level \(logLevel).") }
            guard maxBatchSize >= 1, maxBatchTokens >= 1, queueCapacity >= 1, maxInputs >= 1, maxBodySize >= 1, maxBatchWait >= 0 else {
                throw ValidationError("Batch sizes, queue capacity, input and body limits must be positive.")
            }
        }

        func run() async throws {
            var logger = Logger(label: "embed.server")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let embedder = try source.makeEmbedder()
            if let local = embedder as? LocalEmbedder {
                // Operators sizing a container want to see what the forward pass will use.
                logger.info(
                    "Local model \(local.model.name)",
                    metadata: ["threads": .stringConvertible(local.model.encoder.options.threadCount)])
            }
            let configuration = ServerConfiguration(
                host: host, port: port,
                apiKey: apiKey ?? ProcessInfo.processInfo.environment["EMBED_API_KEY"],
                maxBodySize: maxBodySize, maxInputsPerRequest: maxInputs,
                maxBatchSize: maxBatchSize, maxBatchTokens: maxBatchTokens,
                maxBatchWait: .milliseconds(maxBatchWait), queueCapacity: queueCapacity,
                modelName: embedder.modelName,
                // Warming up loads a local model's pages before the first client pays for them. A
                // provider has nothing to load, and one that is down when the server starts is
                // answered with a 502 naming its URL, per request, rather than keeping the server
                // (and every later request, once the provider is back) from starting.
                warmsUpBeforeServing: embedder is LocalEmbedder)
            let app = buildApplication(configuration: configuration, embedder: embedder, logger: logger)
            try await app.runService()
        }
    }
}
