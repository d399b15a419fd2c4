import EmbedCore
import Hummingbird

/// Hugging Face Text Embeddings Inference's native API: `POST /embed` and `GET /info`.
///
/// `/embed` answers a bare `[[Float]]`, normalizes unless `normalize` is false, and takes
/// strings or token ids, as TEI does. (TEI's OpenAI-compatible route is ``OpenAIRoutes``.)
/// TEI serves one model per process, so its routes have no model field: they use the first
/// served model, or ``ServerConfiguration/teiModelName``.
struct TEIRoutes: Sendable {
    let service: EmbeddingService

    func add(to router: Router<ServerRequestContext>) {
        router.post("/embed") { request, _ in try await embed(request) }
        router.get("/info") { _, _ in info() }
    }

    // MARK: POST /embed

    struct EmbedRequest: Decodable {
        let inputs: RequestInput
        let normalize: Bool?
        let truncate: Bool?
        let truncationDirection: String?
        let promptName: String?
        let dimensions: Int?

        enum CodingKeys: String, CodingKey {
            case inputs, normalize, truncate, dimensions
            case truncationDirection = "truncation_direction"
            case promptName = "prompt_name"
        }
    }

    func embed(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: EmbedRequest.self, limit: service.configuration.maxBodySize)
        if body.inputs.count == 0 {
            throw APIError(.emptyInput, "`inputs` cannot be empty.", param: "inputs")
        }
        if case .tokenIDs(let ids) = body.inputs, ids.isEmpty {
            throw APIError(.emptyInput, "`inputs` cannot be empty.", param: "inputs")
        }
        try service.checkInputCount(body.inputs.count, param: "inputs")
        try service.checkDimensions(body.dimensions)
        if let direction = body.truncationDirection, direction.lowercased() != "right" {
            throw APIError.invalid(
                "truncation_direction '\(direction)' is not supported; inputs are truncated on the right.",
                param: "truncation_direction"
            )
        }
        var options = EmbeddingOptions()
        if let promptName = body.promptName {
            // The model's own prompt of that name (as TEI does), else the task it names.
            if service.engine.promptNames.contains(promptName) {
                options = try service.promptOptions(promptName)
            } else if let task = Self.task(forPromptName: promptName) {
                options.task = task
            } else {
                let names = (service.engine.promptNames + EmbeddingTask.allCases.map(\.rawValue) + ["passage"])
                throw APIError.invalid(
                    "prompt_name '\(promptName)' is not one of: \(names.joined(separator: ", ")).", param: "prompt_name")
            }
        }

        let truncates = body.truncate ?? service.configuration.truncatesLongInputs
        let outcome = try await service.embed(
            body.inputs.embeddingInputs,
            options: options,
            truncation: truncates ? .allowed : .rejected,
            param: "inputs"
        )

        var json = JSONWriter(capacity: 16 + outcome.embeddings.count * (body.dimensions ?? service.engine.dimensions ?? 384) * 12)
        json.raw("[")
        for (index, embedding) in outcome.embeddings.enumerated() {
            if index > 0 { json.raw(",") }
            json.floats(try EmbeddingService.shape(embedding.vector, dimensions: body.dimensions, normalize: body.normalize ?? true))
        }
        json.raw("]")
        var headers = HTTPFields()
        headers.setCustom("x-compute-tokens", String(outcome.tokenCount))
        return .json(json, headers: headers)
    }

    /// Maps sentence-transformers prompt names to tasks; `passage` is the E5 spelling of `document`.
    static func task(forPromptName name: String) -> EmbeddingTask? {
        let name = name.lowercased()
        return name == "passage" ? .document : EmbeddingTask(rawValue: name)
    }

    // MARK: GET /info

    func info() -> Response {
        let configuration = service.configuration
        var json = JSONWriter()
        json.raw(#"{"model_id":"#)
        json.string(service.modelName)
        json.raw(#","model_sha":null,"model_dtype":"#)
        json.string(service.engine.weightDataType ?? "float32")
        json.raw(#","model_type":{"embedding":{}},"dimensions":"#)
        if let dimensions = service.engine.dimensions { json.integer(dimensions) } else { json.raw("null") }
        json.raw(#","max_input_length":"#)
        if let maxLength = service.engine.maxSequenceLength { json.integer(maxLength) } else { json.raw("null") }
        json.raw(#","max_concurrent_requests":"#)
        json.integer(service.limits.queueCapacity)
        json.raw(#","max_batch_tokens":"#)
        json.integer(service.limits.maxBatchTokens)
        json.raw(#","max_batch_requests":"#)
        json.integer(service.limits.maxBatchSize)
        json.raw(#","max_client_batch_size":"#)
        json.integer(configuration.maxInputsPerRequest)
        json.raw(#","auto_truncate":"#)
        json.bool(configuration.truncatesLongInputs)
        json.raw(#","version":"#)
        json.string(configuration.serverName)
        json.raw("}")
        return .json(json)
    }
}
