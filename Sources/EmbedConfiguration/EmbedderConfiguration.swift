import EmbedCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which engine to embed with and how to reach it, in mem0's configuration shape.
///
/// Decodes either mem0's whole section or just its inner object:
///
/// ```json
/// {"embedder": {"provider": "ollama",
///               "config": {"model": "nomic-embed-text", "ollama_base_url": "http://localhost:11434"}}}
/// ```
///
/// Keys are accepted in snake_case (`embedding_dims`) and camelCase (`embeddingDims`); an
/// unknown key or provider is a ``ConfigurationError`` that lists the valid ones. Sibling sections
/// of `embedder` in a full mem0 file (`llm`, `vector_store`, …) are ignored. An empty object means
/// "no configuration", which selects the ``EmbedderProvider/local`` runtime.
///
/// Values left `nil` are resolved later by each provider in the order *explicit configuration,
/// then environment, then the provider's default* — see each provider's configuration type.
public struct EmbedderConfiguration: Sendable, Hashable {
    /// The engine.
    public var provider: EmbedderProvider
    /// `model`: the model or deployment name; `nil` uses the provider's default.
    public var model: String?
    /// `api_key`: the provider's API key; `nil` reads the provider's environment variable.
    public var apiKey: String?
    /// `embedding_dims`: the vector length you expect. When set, a vector of any other length is
    /// an error (``EmbeddingError/dimensionMismatch(expected:received:source:)``); OpenAI, Ollama,
    /// Gemini, Vertex AI and TEI also send it to the server as the requested size.
    public var embeddingDims: Int?
    /// `base_url` (not a mem0 key): the endpoint for providers without a mem0 URL key (Together,
    /// Gemini, Vertex AI); for the others their own key below wins.
    public var baseURL: String?
    /// `ollama_base_url`.
    public var ollamaBaseURL: String?
    /// `openai_base_url`: any OpenAI-compatible server (vLLM, llama.cpp, a proxy).
    public var openAIBaseURL: String?
    /// `lmstudio_base_url`, default `http://localhost:1234/v1`.
    public var lmStudioBaseURL: String?
    /// `huggingface_base_url`: a Text Embeddings Inference server or Hugging Face endpoint. Without
    /// it (and without `huggingface_api`), `huggingface` means the local runtime.
    public var huggingFaceBaseURL: String?
    /// `huggingface_api` (not a mem0 key): `openai` (default with a base URL, as mem0), `tei`
    /// (native `/embed`) or `inference` (the hosted feature-extraction pipeline).
    public var huggingFaceAPI: HuggingFaceAPI?
    /// `azure_kwargs`.
    public var azure: AzureSettings?
    /// `vertex_credentials_json`: path to a Google credentials file (service account or
    /// authorized user), or the JSON text itself.
    public var vertexCredentialsJSON: String?
    /// `project_id` (alias `google_project_id`): the Google Cloud project for Vertex AI.
    public var projectID: String?
    /// `location` (alias `google_location`): the Vertex AI region, default `us-central1`.
    public var location: String?
    /// `access_token` (not a mem0 key): a ready OAuth 2 access token (Vertex AI) or Microsoft
    /// Entra token (Azure).
    public var accessToken: String?
    /// `model_kwargs`: extra top-level fields merged into every request body (for example
    /// `{"truncate": true}` for TEI or `{"keep_alive": "10m"}` for Ollama); they win over the
    /// fields this package sets.
    public var modelKwargs: [String: JSONValue]
    /// `memory_add_embedding_type`: the Google task type for documents (default `RETRIEVAL_DOCUMENT`).
    public var memoryAddEmbeddingType: String?
    /// `memory_update_embedding_type`: used for documents when `memory_add_embedding_type` is unset.
    public var memoryUpdateEmbeddingType: String?
    /// `memory_search_embedding_type`: the Google task type for queries (default `RETRIEVAL_QUERY`).
    public var memorySearchEmbeddingType: String?
    /// `output_dimensionality`: Gemini/Vertex AI output size; `embedding_dims` wins when both are set.
    public var outputDimensionality: Int?
    /// `http_client_proxies`: accepted for compatibility with mem0 files and ignored; set proxies
    /// on the `HTTPClient` you pass in instead.
    public var httpClientProxies: JSONValue?
    /// `timeout` (not a mem0 key): seconds one attempt of an HTTP request may take, default 60.
    /// Connecting has its own, shorter timeout: a server that is not running is reported at once.
    public var timeout: Double?
    /// `max_retries` (not a mem0 key): retries after a rate limit, server error or lost
    /// connection, default 3.
    public var maxRetries: Int?
    /// `batch_size` (not a mem0 key): at most this many texts per request, instead of the
    /// provider's default.
    public var batchSize: Int?
    /// `max_concurrency` (not a mem0 key): requests in flight at once for one call.
    public var maxConcurrency: Int?
    /// `auto_pull` (alias `ollama_auto_pull`, not a mem0 key): whether Ollama pulls a missing model
    /// on first use, as mem0 always does. Default `true`.
    public var autoPull: Bool?
    /// `normalize` (not a mem0 key): L2-normalize every vector on arrival. Default `true` for
    /// Gemini and Vertex AI (whose reduced-size vectors are not unit length), `false` elsewhere.
    public var normalize: Bool?
    /// `replace_newlines` (not a mem0 key): replace `\n` with a space before embedding. Defaults to
    /// mem0's behaviour: on for OpenAI, Azure, Gemini and LM Studio, off elsewhere.
    public var replaceNewlines: Bool?

    /// Creates a configuration; every setting not given is resolved by the provider.
    public init(
        provider: EmbedderProvider = .local, model: String? = nil, apiKey: String? = nil, embeddingDims: Int? = nil,
        baseURL: String? = nil, ollamaBaseURL: String? = nil, openAIBaseURL: String? = nil,
        lmStudioBaseURL: String? = nil, huggingFaceBaseURL: String? = nil, huggingFaceAPI: HuggingFaceAPI? = nil,
        azure: AzureSettings? = nil, vertexCredentialsJSON: String? = nil, projectID: String? = nil,
        location: String? = nil, accessToken: String? = nil, modelKwargs: [String: JSONValue] = [:],
        memoryAddEmbeddingType: String? = nil, memoryUpdateEmbeddingType: String? = nil,
        memorySearchEmbeddingType: String? = nil, outputDimensionality: Int? = nil,
        httpClientProxies: JSONValue? = nil, timeout: Double? = nil, maxRetries: Int? = nil, batchSize: Int? = nil,
        maxConcurrency: Int? = nil, autoPull: Bool? = nil, normalize: Bool? = nil, replaceNewlines: Bool? = nil
    ) {
        self.provider = provider
        self.model = model
        self.apiKey = apiKey
        self.embeddingDims = embeddingDims
        self.baseURL = baseURL
        self.ollamaBaseURL = ollamaBaseURL
        self.openAIBaseURL = openAIBaseURL
        self.lmStudioBaseURL = lmStudioBaseURL
        self.huggingFaceBaseURL = huggingFaceBaseURL
        self.huggingFaceAPI = huggingFaceAPI
        self.azure = azure
        self.vertexCredentialsJSON = vertexCredentialsJSON
        self.projectID = projectID
        self.location = location
        self.accessToken = accessToken
        self.modelKwargs = modelKwargs
        self.memoryAddEmbeddingType = memoryAddEmbeddingType
        self.memoryUpdateEmbeddingType = memoryUpdateEmbeddingType
        self.memorySearchEmbeddingType = memorySearchEmbeddingType
        self.outputDimensionality = outputDimensionality
        self.httpClientProxies = httpClientProxies
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.batchSize = batchSize
        self.maxConcurrency = maxConcurrency
        self.autoPull = autoPull
        self.normalize = normalize
        self.replaceNewlines = replaceNewlines
    }

    /// Creates a configuration from a provider name and an optional model, as the command line
    /// gives them (`embed encode --provider ollama --model all-minilm`).
    ///
    /// - Throws: ``ConfigurationError/unknownProvider(_:valid:)`` for an unknown name.
    public init(provider name: String, model: String?) throws(ConfigurationError) {
        self.init(provider: try EmbedderProvider(configurationName: name), model: model)
    }

    /// The configuration used when none is given: the local runtime with its default model.
    public static let local = EmbedderConfiguration(provider: .local)

    /// The keys the inner `config` object accepts, in snake_case (from ``settings``).
    public static var configurationKeys: [String] { settings.map(\.key) }

    /// Reads a configuration from a JSON tree (parsed JSON, or YAML converted to ``JSONValue``).
    ///
    /// Accepts `{"embedder": {"provider": …, "config": {…}}}`, `{"provider": …, "config": {…}}`,
    /// or `{}` for the local default.
    ///
    /// - Throws: ``ConfigurationError`` naming the offending key.
    public init(json: JSONValue) throws(ConfigurationError) {
        guard var object = json.objectValue else {
            throw ConfigurationError.invalidJSON("expected an object like {\"embedder\": {\"provider\": …, \"config\": {…}}}, found \(json.typeDescription).")
        }
        var path = "embedder"
        if let key = object.keys.first(where: { ConfigurationObject.fold($0) == "embedder" }) {
            let section = object[key] ?? .null
            guard let inner = section.objectValue else {
                throw ConfigurationError.invalidValue(at: key, expected: "an object", found: section.typeDescription)
            }
            object = inner
            path = key
        }
        if object.isEmpty {
            self.init()
            return
        }
        let outer = try ConfigurationObject(object, path: path, keys: ["provider", "config"])
        guard let providerName = try outer.string("provider") else {
            throw ConfigurationError.missingValue(provider: "configured", setting: "a provider name", keys: ["\(path).provider"])
        }
        let provider = try EmbedderProvider(configurationName: providerName)
        let config = try ConfigurationObject(
            try outer.object("config") ?? [:], path: "\(path).config", keys: Self.configurationKeys,
            aliases: Dictionary(uniqueKeysWithValues: Self.settings.flatMap { setting in setting.aliases.map { ($0, setting.key) } }))
        self.init(provider: provider)
        for setting in Self.settings { try setting.read(&self, config) }
    }

    /// Reads a configuration from JSON text.
    ///
    /// - Throws: ``ConfigurationError/invalidJSON(_:)`` when the text is not JSON, or any other
    ///   ``ConfigurationError`` from ``init(json:)``.
    public init(jsonData: Data) throws(ConfigurationError) {
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: jsonData)
        } catch {
            throw ConfigurationError.invalidJSON("the text is not JSON: \(DecodingProblem.describe(error, document: "it")).")
        }
        try self.init(json: json)
    }
}

extension EmbedderConfiguration: Decodable {
    /// Decodes a configuration from any decoder that can produce a ``JSONValue``.
    ///
    /// A ``ConfigurationError`` thrown while reading the tree is rethrown as is, so its message
    /// reaches the user.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }
}
