import AsyncHTTPClient
import EmbedCore
import Foundation
import NIOCore
import NIOHTTP1

/// Embeds with an Ollama server.
///
/// Uses the batch endpoint `POST /api/embed` (256 texts per request). Servers older than that
/// endpoint answer it with a plain-text 404; the embedder then switches to the legacy
/// `POST /api/embeddings`, one text per request, for the rest of its life. With
/// ``OllamaConfiguration/autoPull`` on, the first call checks `GET /api/tags` and downloads a
/// missing model with `POST /api/pull`, reporting progress to the callback given at creation.
public struct OllamaEmbedder: Embedder {
    /// The resolved configuration.
    public let configuration: OllamaConfiguration
    private let transport: HTTPTransport
    private let headers: HTTPHeaders
    private let session = OllamaSession()
    private let pullProgress: (@Sendable (OllamaPullProgress) -> Void)?

    /// Creates an embedder.
    ///
    /// - Parameters:
    ///   - configuration: Server and model.
    ///   - httpClient: The client to send requests with; ``ProviderHTTPClient/shared`` by default.
    ///   - pullProgress: Called for every progress line while a missing model downloads.
    public init(
        configuration: OllamaConfiguration, httpClient: HTTPClient = ProviderHTTPClient.shared,
        pullProgress: (@Sendable (OllamaPullProgress) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.transport = HTTPTransport(
            provider: "Ollama", client: httpClient, options: configuration.transport,
            endpoint: ProviderEndpoint(
                url: configuration.baseURL, source: configuration.baseURLSource,
                serverAdvice: "Is Ollama running? Start it with `ollama serve`."))
        var headers = HTTPHeaders()
        if let key = configuration.apiKey { headers.add(name: "Authorization", value: "Bearer \(key)") }
        self.headers = headers
        self.pullProgress = pullProgress
    }

    /// The model name.
    public var modelName: String { configuration.model }

    /// `embedding_dims` when set, else the native size of a few well-known embedding models.
    public var dimensions: Int? {
        configuration.dimensions ?? Self.knownDimensions[OllamaModelName.normalized(configuration.model)]
    }

    static let knownDimensions = [
        "nomic-embed-text:latest": 768, "mxbai-embed-large:latest": 1024, "all-minilm:latest": 384,
        "snowflake-arctic-embed:latest": 1024, "bge-m3:latest": 1024,
    ]

    /// Returns one embedding per text, in input order.
    ///
    /// `options.dimensions` (or `embedding_dims`) is sent as `dimensions`; on the legacy endpoint
    /// vectors are cut here instead. `options.task` is ignored: Ollama has no task types.
    ///
    /// - Throws: ``ProviderError`` for HTTP, transport and pull failures, ``EmbeddingError`` for
    ///   empty texts and vectors of the wrong size.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        try VectorShaping.validate(options)
        try VectorShaping.rejectEmptyTexts(texts)
        if configuration.autoPull {
            try await session.prepareOnce { try await self.ensureModelAvailable() }
        }
        let dimensions = options.dimensions ?? configuration.dimensions
        let limits = BatchLimits(maxItems: 256).overriding(batchSize: configuration.transport.batchSize)
        let embeddings = try await Batching.run(
            Batching.ranges(for: texts, limits: limits), maxConcurrency: configuration.transport.maxConcurrency ?? 1
        ) { range in
            try await self.embedBatch(Array(texts[range]), dimensions: dimensions)
        }
        let shaping = VectorShaping(
            source: "Ollama (\(configuration.model))", requestedDimensions: options.dimensions,
            expectedDimensions: configuration.dimensions, normalize: configuration.normalizes)
        return try shaping.apply(embeddings)
    }

    private func embedBatch(_ texts: [String], dimensions: Int?) async throws -> [Embedding] {
        if await session.usesLegacyEndpoint {
            return try await embedLegacy(texts)
        }
        var body: [String: JSONValue] = [
            "model": .string(configuration.model), "input": .array(texts.map(JSONValue.string)),
        ]
        if let dimensions { body["dimensions"] = .number(Double(dimensions)) }
        body.merge(configuration.extraBody) { _, extra in extra }
        let response = try await transport.send(
            .json(Endpoint.join(configuration.baseURL, "api/embed"), headers: headers, body: .object(body)),
            passing: [404])
        if response.status == .notFound {
            // A JSON 404 is "model not found"; a plain-text one means the route does not exist.
            guard !ServerErrorBody(response.body).isJSON else { throw transport.httpError(response) }
            await session.switchToLegacyEndpoint()
            return try await embedLegacy(texts)
        }
        let decoded = try ResponseDecoding.decode(OllamaEmbedResponse.self, from: response.body, provider: "Ollama")
        guard decoded.embeddings.count == texts.count else {
            throw EmbeddingError.countMismatch(expected: texts.count, received: decoded.embeddings.count, source: "Ollama")
        }
        if let empty = decoded.embeddings.firstIndex(where: \.isEmpty) {
            throw ProviderError.malformedResponse(provider: "Ollama", field: "embeddings[\(empty)]", detail: "empty vector")
        }
        return decoded.embeddings.map { Embedding(vector: $0) }
    }

    /// One text per request on servers without `/api/embed`.
    private func embedLegacy(_ texts: [String]) async throws -> [Embedding] {
        var result: [Embedding] = []
        result.reserveCapacity(texts.count)
        for text in texts {
            var body: [String: JSONValue] = ["model": .string(configuration.model), "prompt": .string(text)]
            body.merge(configuration.extraBody.filter { $0.key != "truncate" && $0.key != "dimensions" }) { _, extra in extra }
            let response = try await transport.send(
                .json(Endpoint.join(configuration.baseURL, "api/embeddings"), headers: headers, body: .object(body)))
            let decoded = try ResponseDecoding.decode(OllamaLegacyEmbeddingResponse.self, from: response.body, provider: "Ollama")
            guard !decoded.embedding.isEmpty else {
                throw ProviderError.malformedResponse(provider: "Ollama", field: "embedding", detail: "empty vector")
            }
            result.append(Embedding(vector: decoded.embedding))
        }
        return result
    }

    /// Whether the server has the configured model (`GET /api/tags`).
    ///
    /// - Throws: ``ProviderError`` when the server cannot be asked.
    public func hasModel() async throws -> Bool {
        let response = try await transport.send(
            HTTPTransport.Request(method: .GET, url: Endpoint.join(configuration.baseURL, "api/tags"), headers: headers))
        let tags = try ResponseDecoding.decode(OllamaTagsResponse.self, from: response.body, provider: "Ollama")
        let wanted = OllamaModelName.normalized(configuration.model)
        return (tags.models ?? []).contains { entry in
            [entry.name, entry.model].compactMap { $0 }.contains { OllamaModelName.normalized($0) == wanted }
        }
    }

    /// Downloads the model unless the server already has it.
    ///
    /// - Throws: ``ProviderError``; ``ProviderError/Kind/modelUnavailable`` when the pull fails.
    public func ensureModelAvailable() async throws {
        if try await hasModel() { return }
        try await pullModel()
    }

    /// Downloads the model (`POST /api/pull`, streamed), reporting each progress line to the
    /// callback given at creation.
    ///
    /// - Throws: ``ProviderError/Kind/modelUnavailable`` with the server's message when the pull
    ///   reports an error or ends without `success`; other ``ProviderError``s for HTTP failures.
    public func pullModel() async throws {
        let request = try HTTPTransport.Request.json(
            Endpoint.join(configuration.baseURL, "api/pull"), headers: headers,
            body: ["model": .string(configuration.model), "stream": true])
        let response = try await transport.open(request, timeout: configuration.pullTimeout)
        guard (200..<300).contains(response.status.code) else {
            let body = try await collect(response)
            throw transport.httpError(HTTPTransport.Response(status: response.status, headers: response.headers, body: body))
        }
        var buffer = Data()
        var succeeded = false
        do {
            for try await chunk in response.body {
                buffer.append(contentsOf: chunk.readableBytesView)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    succeeded = try handlePullLine(Data(line)) || succeeded
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
                guard buffer.count <= configuration.transport.maxResponseBytes else {
                    throw ProviderError.responseTooLarge(provider: "Ollama", limit: configuration.transport.maxResponseBytes)
                }
            }
        } catch {
            throw transport.map(error)
        }
        succeeded = try handlePullLine(buffer) || succeeded
        guard succeeded else {
            throw ProviderError.modelUnavailable(
                provider: "Ollama", model: configuration.model, detail: "the download ended without reporting success.")
        }
    }

    /// Reports one NDJSON line; returns whether it said `success`.
    private func handlePullLine(_ line: Data) throws -> Bool {
        guard line.contains(where: { !Character(UnicodeScalar($0)).isWhitespace }) else { return false }
        let decoded = try ResponseDecoding.decode(OllamaPullLine.self, from: line, provider: "Ollama")
        if let error = decoded.error {
            throw ProviderError.modelUnavailable(provider: "Ollama", model: configuration.model, detail: error)
        }
        let status = decoded.status ?? ""
        pullProgress?(
            OllamaPullProgress(
                status: status, digest: decoded.digest, totalBytes: decoded.total, completedBytes: decoded.completed))
        return status == "success"
    }

    private func collect(_ response: HTTPClientResponse) async throws -> Data {
        do {
            return Data(buffer: try await response.body.collect(upTo: configuration.transport.maxResponseBytes))
        } catch {
            throw transport.map(error)
        }
    }
}

/// What one ``OllamaEmbedder`` has learned about its server: whether the model is known to be
/// present, and whether the server only has the legacy endpoint.
private actor OllamaSession {
    private var preparation: Task<Void, any Error>?
    private(set) var usesLegacyEndpoint = false

    /// Runs `operation` once; concurrent callers share it; a failure lets the next call retry.
    func prepareOnce(_ operation: @escaping @Sendable () async throws -> Void) async throws {
        if let preparation {
            return try await preparation.value
        }
        let task = Task { try await operation() }
        preparation = task
        do {
            try await task.value
        } catch {
            preparation = nil
            throw error
        }
    }

    func switchToLegacyEndpoint() { usesLegacyEndpoint = true }
}
