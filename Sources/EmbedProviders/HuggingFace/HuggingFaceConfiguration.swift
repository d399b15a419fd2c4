import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach a Hugging Face embedding endpoint: a Text Embeddings Inference (TEI) server
/// through its OpenAI route or its native `/embed`, or the hosted Inference API.
///
/// | Setting | Config key | Environment | Default |
/// |---|---|---|---|
/// | `api` | `huggingface_api` | | `inference` when the URL is the hosted router, else `openai` (mem0) |
/// | `baseURL` | `huggingface_base_url` | `HUGGINGFACE_BASE_URL` | hosted: `https://router.huggingface.co/hf-inference`; TEI: required |
/// | `apiKey` | `api_key` | `HUGGINGFACE_API_KEY`, `HF_TOKEN` | required for the hosted API, optional for TEI |
/// | `model` | `model` | | hosted: `sentence-transformers/multi-qa-MiniLM-L6-cos-v1`; TEI: `tei` (ignored by TEI) |
public struct HuggingFaceConfiguration: Sendable {
    /// The hosted Inference API root (Inference Providers router, hf-inference provider).
    public static let defaultInferenceBaseURL = "https://router.huggingface.co/hf-inference"
    /// mem0's default Hugging Face model, as a full repository id.
    public static let defaultInferenceModel = "sentence-transformers/multi-qa-MiniLM-L6-cos-v1"
    /// mem0's placeholder model name for TEI (TEI serves one model and ignores the field).
    public static let defaultTEIModel = "tei"
    /// TEI's default `--max-client-batch-size`.
    public static let defaultBatchSize = 32

    /// Which API to call.
    public var api: HuggingFaceAPI
    /// The server or router root.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// The model id.
    public var model: String
    /// The bearer token, when there is one.
    public var apiKey: String?
    /// `embedding_dims`: sent as `dimensions` to TEI (Matryoshka models) and checked.
    public var dimensions: Int?
    /// Extra body fields (`model_kwargs`), merged last: e.g. `truncate`, `normalize`, `prompt_name`.
    public var extraBody: [String: JSONValue]
    /// L2-normalize every vector on arrival.
    public var normalizes: Bool
    /// Timeout, retries, batching (32 per request) and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// A model id without an organization (`multi-qa-MiniLM-L6-cos-v1`) gets the
    /// `sentence-transformers/` prefix for the hosted API, as sentence-transformers resolves it.
    ///
    /// - Throws: ``ConfigurationError`` when a TEI URL or a hosted-API token is missing, or a URL
    ///   is malformed.
    public init(
        api: HuggingFaceAPI? = nil, baseURL: String? = nil, model: String? = nil, apiKey: String? = nil,
        dimensions: Int? = nil, extraBody: [String: JSONValue] = [:], normalizes: Bool = false,
        transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        let given = try Endpoint.resolveIfSet(
            baseURL, key: "huggingface_base_url", environment: env, variables: HuggingFaceProvider.endpointVariables)
        let givenBase = given?.url
        let looksHosted = givenBase.map { $0.contains("/hf-inference") || $0.contains("/pipeline/feature-extraction") } ?? false
        let api = api ?? (givenBase == nil || looksHosted ? .inference : .openAI)
        self.api = api
        switch api {
        case .inference:
            if let given {
                (self.baseURL, self.baseURLSource) = given
            } else {
                (self.baseURL, self.baseURLSource) = try Endpoint.resolve(
                    nil, key: "huggingface_base_url", variables: HuggingFaceProvider.endpointVariables,
                    defaultURL: Self.defaultInferenceBaseURL)
            }
            let name = model.nonEmpty ?? Self.defaultInferenceModel
            self.model = name.contains("/") ? name : "sentence-transformers/\(name)"
        case .openAI, .tei:
            guard let given else {
                throw ConfigurationError.missingValue(
                    provider: "huggingface", setting: "the server URL for huggingface_api '\(api.rawValue)'",
                    keys: ["huggingface_base_url"], environment: ["HUGGINGFACE_BASE_URL"])
            }
            (self.baseURL, self.baseURLSource) = given
            self.model = model.nonEmpty ?? Self.defaultTEIModel
        }
        self.apiKey = apiKey.nonEmpty ?? env.first("HUGGINGFACE_API_KEY", "HF_TOKEN")
        if api == .inference && self.apiKey == nil {
            throw ConfigurationError.missingValue(
                provider: "huggingface", setting: "an access token for the hosted Inference API", keys: ["api_key"],
                environment: ["HUGGINGFACE_API_KEY", "HF_TOKEN"])
        }
        self.dimensions = dimensions
        self.extraBody = extraBody
        self.normalizes = normalizes
        self.transport = transport
    }

    /// The URL requests go to.
    public var endpointURL: String {
        switch api {
        case .openAI: Endpoint.join(baseURL, "embeddings")
        case .tei: Endpoint.join(baseURL, "embed")
        case .inference:
            baseURL.hasSuffix("/pipeline/feature-extraction")
                ? baseURL
                : Endpoint.join(baseURL, "models/\(Endpoint.pathComponent(model, keepingSlashes: true))/pipeline/feature-extraction")
        }
    }
}
