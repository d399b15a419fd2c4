import ArgumentParser
import EmbedConfiguration
import EmbedCore
import EmbedHub
import EmbedKit
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
                Ready when GET /health answers 200. Routes: POST /v1/embeddings, GET /v1/models, \
                POST /api/embed, POST /api/embeddings, GET /api/tags, POST /api/show, GET /api/version, \
                POST /embed, GET /info, GET /health, GET /metrics. Several --model options serve several \
                models, each with its own batch queue. SIGINT/SIGTERM drain for --drain-seconds, finish \
                in-flight requests, then exit.
                """
        )

        @Option(name: .customLong("model"), help: ArgumentHelp(
            "A model to serve, repeatable: [NAME=]MODEL where MODEL is a local model (a .embed file, a folder, or a name in EMBED_HOME/models, ./Models, share/embed/models), PROVIDER:MODEL (openai:text-embedding-3-small, ollama:nomic-embed-text) or a mem0 .json/.yaml file, and NAME the name clients use (default: the model's own). Requests pick a model by their 'model' field; the first is the default. One model answers to any name.",
            valueName: "[name=]model"))
        var models: [String] = []

        @Option(help: ArgumentHelp(
            "Serve the --model as this provider's model: \(EmbedderProvider.validNames.joined(separator: ", ")). Credentials and endpoints come from the environment.",
            valueName: "name"))
        var provider: String?

        @Option(help: ArgumentHelp(
            "A mem0-style configuration of one embedder, or a models file listing several ({\"models\": [{\"model\": …, \"name\": …, \"aliases\": […]}, …]}; README, \"Serving several models\").",
            valueName: "file"))
        var config: String?

        @Option(name: .customLong("alias"), help: ArgumentHelp(
            "Another name a served model answers to, repeatable: ALIAS=MODEL (e.g. all-minilm=all-MiniLM-L6-v2).",
            valueName: "alias=model"))
        var aliases: [String] = []

        @Option(help: ArgumentHelp("The model TEI's routes (/embed, /info) use; default: the first.", valueName: "name"))
        var teiModel: String?

        @Option(help: ArgumentHelp(
            "Threads of each local model's forward pass, 1–1024 (default: EMBED_THREADS, else every core this process may run on).",
            valueName: "n"))
        var threads: Int?

        @Option(help: ArgumentHelp(
            "On SIGTERM/SIGINT, keep serving this many seconds while GET /health answers 503 and responses carry 'Connection: close', so a load balancer stops sending requests before the port closes.",
            valueName: "seconds"))
        var drainSeconds: Double = 0

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
            if provider != nil, config != nil { throw ValidationError("Pass either --provider or --config, not both.") }
            if provider != nil, models.count > 1 {
                throw ValidationError("--provider serves one model; write several as PROVIDER:MODEL instead (--model openai:text-embedding-3-small).")
            }
            try validateThreads(threads)
            guard drainSeconds >= 0, drainSeconds <= 3600 else { throw ValidationError("--drain-seconds must be between 0 and 3600.") }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown --log-level \(logLevel).") }
            guard maxBatchSize >= 1, maxBatchTokens >= 1, queueCapacity >= 1, maxInputs >= 1, maxBodySize >= 1, maxBatchWait >= 0 else {
                throw ValidationError("Batch sizes, queue capacity, input and body limits must be positive.")
            }
        }

        func run() async throws {
            var logger = Logger(label: "embed.server")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let plan = try servingPlan()
            let served = try resolve(plan.models, logger: logger)
            let configuration = ServerConfiguration(
                host: host, port: port,
                apiKey: apiKey ?? ProcessInfo.processInfo.environment["EMBED_API_KEY"],
                maxBodySize: maxBodySize, maxInputsPerRequest: maxInputs,
                maxBatchSize: maxBatchSize, maxBatchTokens: maxBatchTokens,
                maxBatchWait: .milliseconds(maxBatchWait), queueCapacity: queueCapacity,
                teiModelName: teiModel ?? plan.teiModel)
            let readiness = ServerReadiness()
            let app = buildApplication(configuration: configuration, models: served, readiness: readiness, logger: logger)
            try await ServerDrain.run(app, readiness: readiness, duration: .milliseconds(Int((drainSeconds * 1000).rounded())), logger: logger)
        }

        /// The models the options ask for, before any is loaded.
        private func servingPlan() throws -> (models: [ServedModelSpec], teiModel: String?) {
            if let provider {
                // `--provider P --model M`: M is the provider's model name, as in every command.
                let model = models.first
                let spec = try EmbedderSpec("\(provider):\(model ?? "")", fileExists: { _ in false })
                return ([ServedModelSpec(source: .spec(spec))], nil)
            }
            var specs: [ServedModelSpec] = []
            var teiModel: String?
            if let config {
                if let file = try ServedModelsFile.load(path: config) {
                    specs = file.models
                    teiModel = file.teiModel
                } else {
                    // A mem0 configuration of one embedder; a lone unnamed --model sets its model.
                    var configuration = try EmbedderFactory.loadConfiguration(path: config)
                    if models.count == 1, !models[0].contains("=") {
                        configuration.model = models[0]
                        return ([ServedModelSpec(source: .configuration(configuration))], nil)
                    }
                    specs = [ServedModelSpec(source: .configuration(configuration))]
                }
            }
            specs += try models.map { argument in
                do { return try ServedModelSpec(argument: argument) } catch { throw ValidationError("\(error)") }
            }
            if specs.isEmpty {
                // No model named: the default local model, as every command uses.
                // (EMBED_MODEL, else all-MiniLM-L6-v2).
                specs = [ServedModelSpec(source: .configuration(try EmbedderConfiguration(provider: "local", model: nil)))]
            }
            return (specs, teiModel)
        }

        /// Loads every model once (a model written twice under two names shares one engine and
        /// one mapping of its file) and applies `--alias`.
        private func resolve(_ specs: [ServedModelSpec], logger: Logger) throws -> [ServedModel] {
            var engines: [String: any Embedder] = [:]
            var served: [ServedModel] = []
            for spec in specs {
                let embedder: any Embedder
                if let shared = engines[spec.sourceKey] {
                    embedder = shared
                } else {
                    embedder = try spec.resolve(threads: threads).embedder
                    engines[spec.sourceKey] = embedder
                }
                let local = embedder as? LocalEmbedder
                if let local {
                    // Operators sizing a container want to see what each forward pass will use.
                    logger.info(
                        "Local model \(local.model.name)",
                        metadata: ["threads": .stringConvertible(local.model.encoder.options.threadCount)])
                }
                served.append(ServedModel(
                    name: spec.name,
                    aliases: spec.aliases,
                    embedder: embedder,
                    architecture: local?.model.metadata.model.encoder.name,
                    // Warming up loads a local model's pages before the first client pays for
                    // them. A provider has nothing to load, and one that is down when the server
                    // starts is answered with a 502 naming its URL, per request, rather than
                    // keeping the server (and every later request, once the provider is back)
                    // from starting.
                    warmsUp: local != nil,
                    maxBatchSize: spec.maxBatchSize,
                    maxBatchTokens: spec.maxBatchTokens,
                    maxBatchWait: spec.maxBatchWaitMilliseconds.map { .milliseconds($0) },
                    queueCapacity: spec.queueCapacity,
                    maxConcurrentBatches: spec.maxConcurrentBatches))
            }
            for alias in aliases {
                guard let equals = alias.firstIndex(of: "="), alias.startIndex != equals, alias.index(after: equals) != alias.endIndex else {
                    throw ValidationError("--alias takes ALIAS=MODEL; got '\(alias)'.")
                }
                let name = String(alias[..<equals]), target = String(alias[alias.index(after: equals)...]).lowercased()
                guard let index = served.firstIndex(where: { $0.servedName.lowercased() == target || $0.embedder.modelName.lowercased() == target }) else {
                    throw ValidationError("--alias \(alias): no served model is called '\(target)'; served: \(served.map(\.servedName).joined(separator: ", ")).")
                }
                served[index].aliases.append(name)
            }
            // A local model also answers to Ollama's name for it (all-minilm, nomic-embed-text),
            // as `--model` finds it by that name, unless another served model already does.
            let taken = Set(served.flatMap { [$0.servedName, $0.embedder.modelName] + $0.aliases }.map { $0.lowercased() })
            for index in served.indices where served[index].embedder is LocalEmbedder {
                let own = served[index].embedder.modelName.lowercased()
                for (ollamaName, repositories) in ModelLocator.ollamaNames.sorted(by: { $0.key < $1.key })
                where !taken.contains(ollamaName) && repositories.contains(where: { ModelLocator.shortName($0).lowercased() == own }) {
                    served[index].aliases.append(ollamaName)
                }
            }
            return served
        }
    }
}
