import EmbedCore
import Foundation
import Hummingbird

/// Ollama's embedding API: `POST /api/embed`, the legacy `POST /api/embeddings`, and the model
/// routes its clients call before embedding (`GET /api/tags`, `POST /api/show`, `POST /api/pull`,
/// `GET /api/version`).
///
/// mem0's `ollama` provider lists `/api/tags` and pulls the configured model when it is not
/// listed; the pull succeeds at once (there is nothing to download) unless the configuration
/// requires the model name to match.
struct OllamaRoutes: Sendable {
    /// The Ollama API version whose embedding routes this server implements.
    static let apiVersion = "0.12.0"

    let catalog: ModelCatalog
    let configuration: ServerConfiguration
    /// When the server was built, reported as the model's `modified_at`.
    let modifiedAt: String

    func add(to router: Router<ServerRequestContext>) {
        router.post("/api/embed") { request, _ in try await embed(request) }
        router.post("/api/embeddings") { request, _ in try await legacyEmbeddings(request) }
        router.get("/api/tags") { _, _ in tags() }
        router.post("/api/show") { request, _ in try await show(request) }
        router.post("/api/pull") { request, _ in try await pull(request) }
        router.get("/api/version") { _, _ in version() }
    }

    /// A served model's name with a tag, as Ollama lists names.
    private func taggedName(_ service: EmbeddingService) -> String {
        let name = service.modelName
        return name.contains(":") ? name : "\(name):latest"
    }

    // MARK: POST /api/embed

    struct EmbedRequest: Decodable {
        let model: String?
        let input: OllamaInput?
        let truncate: Bool?
        let dimensions: Int?
        /// Not Ollama's: one of a local model's own prompts, as TEI's `prompt_name`.
        let promptName: String?
        // keep_alive and options are accepted and ignored: the model stays loaded.

        enum CodingKeys: String, CodingKey {
            case model, input, truncate, dimensions
            case promptName = "prompt_name"
        }
    }

    func embed(_ request: Request) async throws -> Response {
        let start = ContinuousClock.now
        let body = try await request.decodeJSON(as: EmbedRequest.self, limit: configuration.maxBodySize)
        let service = try catalog.service(for: body.model)
        let texts = body.input?.texts ?? []
        try service.checkInputCount(texts.count, param: "input")
        try service.checkDimensions(body.dimensions)
        let options = try service.promptOptions(body.promptName)

        let outcome = try await service.embed(
            texts.map { .text($0) },
            options: options,
            truncation: body.truncate ?? true ? .allowed : .rejected,
            param: "input"
        )

        var json = JSONWriter(capacity: 128 + texts.count * (body.dimensions ?? service.engine.dimensions ?? 384) * 12)
        json.raw(#"{"model":"#)
        json.string(body.model ?? taggedName(service))
        json.raw(#","embeddings":["#)
        for (index, embedding) in outcome.embeddings.enumerated() {
            if index > 0 { json.raw(",") }
            json.floats(try EmbeddingService.shape(embedding.vector, dimensions: body.dimensions, normalize: true))
        }
        json.raw(#"],"total_duration":"#)
        json.integer(start.duration(to: .now).nanoseconds)
        json.raw(#","load_duration":0,"prompt_eval_count":"#)
        json.integer(outcome.tokenCount)
        json.raw("}")
        return .json(json)
    }

    // MARK: POST /api/embeddings (legacy)

    struct LegacyRequest: Decodable {
        let model: String?
        let prompt: String?
    }

    /// One prompt, one vector, as the engine returns it (Ollama does not normalize here).
    func legacyEmbeddings(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: LegacyRequest.self, limit: configuration.maxBodySize)
        let service = try catalog.service(for: body.model)
        var json = JSONWriter()
        json.raw(#"{"embedding":"#)
        if let prompt = body.prompt, !prompt.isEmpty {
            let outcome = try await service.embed([.text(prompt)], truncation: .allowed, param: "prompt")
            json.floats(outcome.embeddings.first?.vector ?? [])
        } else {
            json.raw("[]")
        }
        json.raw("}")
        return .json(json)
    }

    // MARK: Model routes

    private func writeDetails(_ service: EmbeddingService, into json: inout JSONWriter) {
        json.raw(#"{"parent_model":"","format":"#)
        json.string(configuration.serverName)
        json.raw(#","family":"#)
        json.string(service.architecture)
        json.raw(#","families":["#)
        json.string(service.architecture)
        json.raw(#"],"parameter_size":"","quantization_level":"#)
        json.string(Self.quantizationLevel(service.engine.weightDataType))
        json.raw("}")
    }

    /// Ollama's name for the weights' element type.
    static func quantizationLevel(_ dataType: String?) -> String {
        switch dataType {
        case "int8": "Q8_0"
        case "float16": "F16"
        default: "F32"
        }
    }

    /// Every served model, with its vector length (`dimensions`, not Ollama's: clients ignore
    /// fields they do not know).
    func tags() -> Response {
        var json = JSONWriter()
        json.raw(#"{"models":["#)
        for (index, service) in catalog.services.enumerated() {
            json.raw(index == 0 ? #"{"name":"# : #",{"name":"#)
            json.string(taggedName(service))
            json.raw(#","model":"#)
            json.string(taggedName(service))
            json.raw(#","modified_at":"#)
            json.string(modifiedAt)
            json.raw(#","size":0,"digest":"","details":"#)
            writeDetails(service, into: &json)
            if let dimensions = service.engine.dimensions {
                json.raw(#","dimensions":"#)
                json.integer(dimensions)
            }
            json.raw("}")
        }
        json.raw("]}")
        return .json(json)
    }

    struct ModelRequest: Decodable {
        let model: String?
        let name: String?  // older clients send `name`
        let stream: Bool?
    }

    func show(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: ModelRequest.self, limit: configuration.maxBodySize)
        let service = try catalog.service(for: body.model ?? body.name)
        let architecture = service.architecture
        var json = JSONWriter()
        json.raw(#"{"license":"","modelfile":"","parameters":"","template":"","details":"#)
        writeDetails(service, into: &json)
        json.raw(#","model_info":{"general.architecture":"#)
        json.string(architecture)
        json.raw(#","general.basename":"#)
        json.string(service.modelName)
        if let dimensions = service.engine.dimensions {
            json.raw(",")
            json.string("\(architecture).embedding_length")
            json.raw(":")
            json.integer(dimensions)
        }
        if let context = service.engine.maxSequenceLength {
            json.raw(",")
            json.string("\(architecture).context_length")
            json.raw(":")
            json.integer(context)
        }
        json.raw(#"},"capabilities":["embedding"],"modified_at":"#)
        json.string(modifiedAt)
        json.raw("}")
        return .json(json)
    }

    /// Nothing to download: a served model is already here. Streams one `success` line unless
    /// `stream` is false, as Ollama does; a name no model answers to cannot be pulled.
    func pull(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: ModelRequest.self, limit: configuration.maxBodySize)
        if let requested = body.model ?? body.name, (try? catalog.service(for: requested)) == nil {
            let served = catalog.services.map { "'\($0.modelName)'" }.joined(separator: ", ")
            throw APIError(.notFound, "pull model manifest: '\(requested)' is not served here; this server serves \(served).")
        }
        var json = JSONWriter()
        json.raw(#"{"status":"success"}"#)
        if body.stream ?? true {
            json.raw("\n")
            return .json(json, headers: [.contentType: "application/x-ndjson"])
        }
        return .json(json)
    }

    func version() -> Response {
        var json = JSONWriter()
        json.raw(#"{"version":"#)
        json.string(Self.apiVersion)
        json.raw("}")
        return .json(json)
    }
}
