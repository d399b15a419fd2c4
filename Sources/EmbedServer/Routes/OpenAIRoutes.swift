import EmbedCore
import Foundation
import Hummingbird

/// OpenAI's embeddings API: `POST /v1/embeddings` (also `/embeddings`, as TEI serves it),
/// `GET /v1/models`, `GET /v1/models/{id}` (ids may contain `/`).
///
/// Works unchanged with the official SDKs, which ask for `encoding_format: "base64"` unless told
/// otherwise, and with LangChain's `OpenAIEmbeddings` and mem0's `openai`/`lmstudio` providers.
struct OpenAIRoutes: Sendable {
    let catalog: ModelCatalog
    let configuration: ServerConfiguration
    /// The `created` time of the model object: when the server was built.
    let created: Int

    func add(to router: Router<ServerRequestContext>) {
        router.post("/v1/embeddings") { request, _ in try await createEmbeddings(request) }
        router.post("/embeddings") { request, _ in try await createEmbeddings(request) }
        router.get("/v1/models") { _, _ in listModels() }
        // `**` so that ids with a slash (`sentence-transformers/all-MiniLM-L6-v2`) resolve too.
        router.get("/v1/models/**") { _, context in
            try model(id: context.parameters.getCatchAll().joined(separator: "/"))
        }
    }

    // MARK: POST /v1/embeddings

    struct CreateRequest: Decodable {
        enum EncodingFormat: String, Decodable {
            case float, base64
        }

        let model: String?
        let input: RequestInput
        let encodingFormat: String?
        let dimensions: Int?
        let user: String?
        /// Not OpenAI's: one of a local model's own prompts, as TEI's `prompt_name`.
        let promptName: String?

        enum CodingKeys: String, CodingKey {
            case model, input, dimensions, user
            case encodingFormat = "encoding_format"
            case promptName = "prompt_name"
        }
    }

    func createEmbeddings(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: CreateRequest.self, limit: configuration.maxBodySize)
        let service = try catalog.service(for: body.model)
        let format: CreateRequest.EncodingFormat
        switch body.encodingFormat {
        case nil: format = .float
        case let value?:
            guard let known = CreateRequest.EncodingFormat(rawValue: value) else {
                throw APIError.invalid("encoding_format must be 'float' or 'base64'; got '\(value)'.", param: "encoding_format")
            }
            format = known
        }
        try validate(body.input)
        try service.checkInputCount(body.input.count, param: "input")
        try service.checkDimensions(body.dimensions)
        let options = try service.promptOptions(body.promptName)

        let outcome = try await service.embed(
            body.input.embeddingInputs,
            options: options,
            truncation: configuration.truncatesLongInputs ? .allowed : .rejected,
            param: "input"
        )

        var json = JSONWriter(capacity: 128 + outcome.embeddings.count * (body.dimensions ?? service.engine.dimensions ?? 384) * 12)
        json.raw(#"{"object":"list","data":["#)
        for (index, embedding) in outcome.embeddings.enumerated() {
            // OpenAI's 3-series vectors are unit length and stay so when shortened.
            let vector = try EmbeddingService.shape(embedding.vector, dimensions: body.dimensions, normalize: body.dimensions != nil)
            json.raw(index == 0 ? #"{"object":"embedding","index":"# : #",{"object":"embedding","index":"#)
            json.integer(index)
            json.raw(#","embedding":"#)
            switch format {
            case .float: json.floats(vector)
            case .base64: json.string(Base64Floats.encode(vector))
            }
            json.raw("}")
        }
        json.raw(#"],"model":"#)
        json.string(service.modelName)
        json.raw(#","usage":{"prompt_tokens":"#)
        json.integer(outcome.tokenCount)
        json.raw(#","total_tokens":"#)
        json.integer(outcome.tokenCount)
        json.raw("}}")
        return .json(json)
    }

    /// OpenAI rejects empty inputs; so does this route, naming the first one.
    private func validate(_ input: RequestInput) throws {
        switch input {
        case .text(let text) where text.isEmpty:
            throw APIError(.emptyInput, "'input' must not be an empty string.", param: "input")
        case .texts(let texts):
            if texts.isEmpty { throw APIError(.emptyInput, "'input' must not be an empty array.", param: "input") }
            if let index = texts.firstIndex(where: \.isEmpty) {
                throw APIError(.emptyInput, "'input[\(index)]' must not be an empty string.", param: "input")
            }
        case .tokenIDs(let ids) where ids.isEmpty:
            throw APIError(.emptyInput, "'input' must not be an empty array.", param: "input")
        case .tokenIDArrays(let arrays):
            if arrays.isEmpty { throw APIError(.emptyInput, "'input' must not be an empty array.", param: "input") }
        default:
            break
        }
    }

    // MARK: GET /v1/models

    /// OpenAI's model object, with the vector length added (`dimensions`, when known) and the
    /// other names the model answers to (`aliases`): SDKs ignore fields they do not know.
    private func writeModel(_ service: EmbeddingService, id: String, into json: inout JSONWriter) {
        json.raw(#"{"id":"#)
        json.string(id)
        json.raw(#","object":"model","created":"#)
        json.integer(created)
        json.raw(#","owned_by":"#)
        json.string(configuration.serverName)
        if let dimensions = service.engine.dimensions {
            json.raw(#","dimensions":"#)
            json.integer(dimensions)
        }
        if !service.aliases.isEmpty {
            json.raw(#","aliases":["#)
            for (index, alias) in service.aliases.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(alias)
            }
            json.raw("]")
        }
        json.raw("}")
    }

    func listModels() -> Response {
        var json = JSONWriter()
        json.raw(#"{"object":"list","data":["#)
        for (index, service) in catalog.services.enumerated() {
            if index > 0 { json.raw(",") }
            writeModel(service, id: service.modelName, into: &json)
        }
        json.raw("]}")
        return .json(json)
    }

    func model(id: String) throws -> Response {
        // A single model answers to any name unless the configuration says otherwise,
        // consistently with POST /v1/embeddings; it is then reported under the name asked for.
        let service = try catalog.service(for: id)
        var json = JSONWriter()
        writeModel(service, id: catalog.names(id) != nil ? service.modelName : id, into: &json)
        return .json(json)
    }
}
