import EmbedCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import EmbedServer

/// One server, several models: routing by name, listing, the 404 shapes, per-model queues, TEI's
/// model, and draining.
@Suite("Several models on one server", .timeLimit(.minutes(1)))
struct MultiModelTests {
    static let alpha = HashingEmbedder(modelName: "alpha", dimensions: 8)
    static let beta = HashingEmbedder(modelName: "org/beta", dimensions: 4)

    static var models: [ServedModel] {
        [ServedModel(embedder: alpha), ServedModel(aliases: ["b", "second-model"], embedder: beta, architecture: "mpnet")]
    }

    static func openAIEmbedding(_ client: any TestClientProtocol, model: String?) async throws -> (model: String?, dimensions: Int?) {
        let field = model.map { #""model":"\#($0)","# } ?? ""
        let response = try await client.post("/v1/embeddings", #"{\#(field)"input":"hello","encoding_format":"float"}"#)
        #expect(response.status == .ok, "\(model ?? "no model"): \(response.text)")
        let json = try response.json()
        return (json["model"]?.string, json["data"]?[0]?["embedding"]?.floats?.count)
    }

    @Test(
        "A request reaches the model its name, ORG/NAME, alias, case or :latest tag names",
        arguments: [
            ("alpha", "alpha", 8), ("ALPHA", "alpha", 8), ("alpha:latest", "alpha", 8),
            ("org/beta", "org/beta", 4), ("beta", "org/beta", 4), ("beta:latest", "org/beta", 4),
            ("other-org/beta", "org/beta", 4), ("b", "org/beta", 4), ("Second-Model", "org/beta", 4),
        ])
    func routing(requested: String, served: String, dimensions: Int) async throws {
        try await withServer(models: Self.models) { client async throws in
            let openAI = try await Self.openAIEmbedding(client, model: requested)
            #expect(openAI.model == served)
            #expect(openAI.dimensions == dimensions)
            let expected = try await (served == "alpha" ? Self.alpha : Self.beta).embed("hello").vector
            let ollama = try await client.post("/api/embed", #"{"model":"\#(requested)","input":["hello"]}"#)
            #expect(ollama.status == .ok, "\(ollama.text)")
            #expect(try ollama.json()["embeddings"]?[0]?.floats?.count == dimensions)
            let legacy = try await client.post("/api/embeddings", #"{"model":"\#(requested)","prompt":"hello"}"#)
            expectClose(try legacy.json()["embedding"]?.floats, expected)
        }
    }

    @Test("A request without a model gets the first one")
    func defaultModel() async throws {
        try await withServer(models: Self.models) { client async throws in
            let openAI = try await Self.openAIEmbedding(client, model: nil)
            #expect(openAI.model == "alpha")
            #expect(openAI.dimensions == 8)
        }
    }

    @Test("An unknown name is a 404 in each API's shape, naming the served models")
    func unknownModel() async throws {
        try await withServer(models: Self.models) { client async throws in
            let openAI = try await client.post("/v1/embeddings", #"{"model":"gamma","input":"x"}"#)
            let message = try expectOpenAIError(openAI, status: .notFound, param: "model", code: "model_not_found")
            #expect(message.contains("'alpha'") && message.contains("'org/beta'"), "\(message)")
            try expectOpenAIError(try await client.get("/v1/models/gamma"), status: .notFound, code: "model_not_found")

            let ollama = try expectOllamaError(try await client.post("/api/embed", #"{"model":"gamma","input":"x"}"#), status: .notFound)
            #expect(ollama == #"model "gamma" not found, try pulling it first"#)
            try expectOllamaError(try await client.post("/api/embeddings", #"{"model":"gamma","prompt":"x"}"#), status: .notFound)
            try expectOllamaError(try await client.post("/api/show", #"{"model":"gamma"}"#), status: .notFound)
            let pull = try expectOllamaError(try await client.post("/api/pull", #"{"model":"gamma","stream":false}"#), status: .notFound)
            #expect(pull.contains("'alpha'"), "\(pull)")
            // A served model's pull succeeds at once: there is nothing to download.
            #expect(try await client.post("/api/pull", #"{"model":"beta","stream":false}"#).text == #"{"status":"success"}"#)
        }
    }

    @Test("/v1/models, /api/tags and /api/show list every model with its dimensions")
    func listing() async throws {
        try await withServer(models: Self.models) { client async throws in
            let models = try #require(try await client.get("/v1/models").json()["data"]?.array)
            #expect(models.map { $0["id"]?.string } == ["alpha", "org/beta"])
            #expect(models.map { $0["dimensions"]?.int } == [8, 4])
            #expect(models[1]["aliases"]?.array?.compactMap(\.string) == ["b", "second-model"])
            #expect(try await client.get("/v1/models/beta").json()["id"]?.string == "org/beta")

            let tags = try #require(try await client.get("/api/tags").json()["models"]?.array)
            #expect(tags.map { $0["name"]?.string } == ["alpha:latest", "org/beta:latest"])
            #expect(tags.map { $0["dimensions"]?.int } == [8, 4])
            #expect(tags[1]["details"]?["family"]?.string == "mpnet")

            let show = try await client.post("/api/show", #"{"model":"b"}"#).json()
            #expect(show["model_info"]?["mpnet.embedding_length"]?.int == 4)
            #expect(show["model_info"]?["general.basename"]?.string == "org/beta")
        }
    }

    @Test("Each model has its own queue: a busy model does not hold up another")
    func separateQueues() async throws {
        let gate = Gate()
        let slow = HashingEmbedder(modelName: "slow", gate: gate)
        let fast = HashingEmbedder(modelName: "fast", dimensions: 4)
        let models = [ServedModel(embedder: slow, queueCapacity: 1), ServedModel(embedder: fast)]
        try await withServer(models: models) { client async throws in
            let blocked = Task { try await client.post("/v1/embeddings", #"{"model":"slow","input":"one"}"#) }
            try await BatchingTests.waitUntil { slow.startedCalls == 1 }
            let queued = Task { try await client.post("/v1/embeddings", #"{"model":"slow","input":"two"}"#) }
            try await BatchingTests.waitUntil {
                MetricSamples(try await client.get("/metrics").text)[#"embed_queue_depth{model="slow"}"#] == 1
            }
            // The slow model's queue (capacity 1) is full; the fast model's is empty and free.
            let rejected = try await client.post("/v1/embeddings", #"{"model":"slow","input":["three","four"]}"#)
            try expectOpenAIError(rejected, status: .tooManyRequests, code: "rate_limit_exceeded")
            let response = try await client.post("/v1/embeddings", #"{"model":"fast","input":["a","b"]}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(fast.batchSizes == [2])

            let health = try await client.get("/health").json()
            #expect(health["models"]?.array?.map { $0["queue_depth"]?.int } == [1, 0])
            gate.open()
            #expect(try await blocked.value.status == .ok)
            #expect(try await queued.value.status == .ok)

            let samples = MetricSamples(try await client.get("/metrics").text)
            #expect(samples[#"embed_inputs_total{model="slow"}"#] == 2)
            #expect(samples[#"embed_inputs_total{model="fast"}"#] == 2)
            #expect(samples[#"embed_queue_rejections_total{model="slow"}"#] == 1)
            #expect(samples[#"embed_queue_rejections_total{model="fast"}"#] == 0)
        }
    }

    @Test("Per-model limits override the server's")
    func perModelLimits() async throws {
        let small = HashingEmbedder(modelName: "small")
        let large = HashingEmbedder(modelName: "large")
        var configuration = ServerConfiguration.testing
        configuration.maxBatchSize = 3
        let models = [ServedModel(embedder: small, maxBatchSize: 2), ServedModel(embedder: large)]
        try await withServer(configuration, models: models) { client async throws in
            let input = #"["a","b","c","d","e"]"#
            #expect(try await client.post("/v1/embeddings", #"{"model":"small","input":\#(input)}"#).status == .ok)
            #expect(try await client.post("/v1/embeddings", #"{"model":"large","input":\#(input)}"#).status == .ok)
            #expect(small.batchSizes == [2, 2, 1])
            #expect(large.batchSizes == [3, 2])
            let info = try await client.get("/info").json()
            #expect(info["max_batch_requests"]?.int == 2)
        }
    }

    @Test("TEI's routes use the first model, or the one teiModelName names")
    func teiModel() async throws {
        try await withServer(models: Self.models) { client async throws in
            let vectors = try await client.post("/embed", #"{"inputs":"x"}"#).json()
            #expect(vectors.floatMatrix?.first?.count == 8)
            let info = try await client.get("/info").json()
            #expect(info["model_id"]?.string == "alpha")
        }
        var configuration = ServerConfiguration.testing
        configuration.teiModelName = "beta"
        try await withServer(configuration, models: Self.models) { client async throws in
            let vectors = try await client.post("/embed", #"{"inputs":"x"}"#).json()
            #expect(vectors.floatMatrix?.first?.count == 4)
            let info = try await client.get("/info").json()
            #expect(info["model_id"]?.string == "org/beta")
        }
        configuration.teiModelName = "gamma"
        let error = await #expect(throws: ServerConfigurationError.self) {
            try await withServer(configuration, models: Self.models) { _ in }
        }
        #expect(error?.description.contains("gamma") == true)
    }

    @Test("Two models may not share a name or alias; no model at all is refused too")
    func conflictingNames() async throws {
        let clash = [ServedModel(embedder: Self.alpha), ServedModel(name: "ALPHA:latest", embedder: Self.beta)]
        let error = await #expect(throws: ServerConfigurationError.self) {
            try await withServer(models: clash) { _ in }
        }
        #expect(error?.description.contains("both answer to 'alpha'") == true, "\(String(describing: error))")
        let aliasClash = [ServedModel(aliases: ["x"], embedder: Self.alpha), ServedModel(aliases: ["X"], embedder: Self.beta)]
        await #expect(throws: ServerConfigurationError.self) { try await withServer(models: aliasClash) { _ in } }
        let none = await #expect(throws: ServerConfigurationError.self) { try await withServer(models: []) { _ in } }
        #expect(none?.description.contains("No model") == true)
    }

    @Test("An engine name two models share, each served under its own name, names neither")
    func ambiguousEngineName() async throws {
        let models = [
            ServedModel(name: "minilm-f32", embedder: HashingEmbedder(modelName: "minilm")),
            ServedModel(name: "minilm-int8", embedder: HashingEmbedder(modelName: "minilm", dimensions: 4)),
        ]
        try await withServer(models: models) { client async throws in
            #expect(try await Self.openAIEmbedding(client, model: "minilm-int8").dimensions == 4)
            let response = try await client.post("/v1/embeddings", #"{"model":"minilm","input":"x"}"#)
            let message = try expectOpenAIError(response, status: .notFound, code: "model_not_found")
            #expect(message.contains("ambiguous"), "\(message)")
        }
    }

    @Test("A single model still answers to any name")
    func singleModelAnyName() async throws {
        try await withServer(models: [ServedModel(name: "only", embedder: Self.beta)]) { client async throws in
            #expect(try await Self.openAIEmbedding(client, model: "text-embedding-3-small").model == "only")
            #expect(try await client.post("/api/embed", #"{"model":"nomic-embed-text","input":"x"}"#).status == .ok)
            #expect(try await client.get("/v1/models/anything").json()["id"]?.string == "anything")
        }
    }

    @Test("A model without a tokenizer (a provider) serves beside a local one, reported as remote")
    func remoteBesideLocal() async throws {
        let remote = ServedModel(name: "text-embedding-3-small", embedder: PlainEmbedder(base: HashingEmbedder(modelName: "r", dimensions: 4)))
        try await withServer(models: [ServedModel(embedder: Self.alpha), remote]) { client async throws in
            #expect(try await Self.openAIEmbedding(client, model: "text-embedding-3-small").dimensions == 4)
            let health = try await client.get("/health").json()
            #expect(health["models"]?.array?.map { $0["engine"]?.string } == ["local", "remote"])
            #expect(try await client.get("/api/tags").json()["models"]?[1]?["details"]?["family"]?.string == "remote")
        }
    }
}

@Suite("Draining for shutdown", .timeLimit(.minutes(1)))
struct DrainingTests {
    @Test("While draining, /health is 503 and responses say Connection: close, but requests are still served")
    func draining() async throws {
        let readiness = ServerReadiness()
        try await withServer(models: [ServedModel(embedder: HashingEmbedder())], readiness: readiness) { client async throws in
            #expect(try await client.get("/health").status == .ok)
            readiness.beginDraining()
            let health = try await client.get("/health")
            #expect(health.status == .serviceUnavailable)
            #expect(try health.json()["status"]?.string == "draining")
            #expect(health.headers[.connection] == "close")
            let response = try await client.post("/v1/embeddings", #"{"input":"still served"}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.connection] == "close")
        }
    }

    @Test("ServerDrain marks the server draining on graceful shutdown and holds the shutdown for its duration")
    func drainStep() async throws {
        let readiness = ServerReadiness()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let drain = ServerDrain(readiness: readiness, duration: .milliseconds(300), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [drain], logger: logger))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!readiness.isDraining)
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await BatchingTests.waitUntil { readiness.isDraining }
        try await running.value
        #expect(start.duration(to: .now) >= .milliseconds(250))
    }
}

@Suite("Model names")
struct ModelCatalogTests {
    @Test("Keys ignore case and the :latest tag; last components join ORG/NAME and NAME")
    func keys() {
        #expect(ModelCatalog.key("Nomic-Embed-Text:latest") == "nomic-embed-text")
        #expect(ModelCatalog.key("nomic-embed-text:v1.5") == "nomic-embed-text:v1.5")
        #expect(ModelCatalog.lastComponent("sentence-transformers/all-MiniLM-L6-v2") == "all-MiniLM-L6-v2")
        #expect(ModelCatalog.lastComponent("plain") == "plain")
    }
}
