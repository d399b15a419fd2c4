import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach OpenAI, or any server that speaks its embeddings API (vLLM, llama.cpp, a proxy).
///
/// Resolution order for each setting: the argument, then the environment, then the default.
///
/// | Setting | Environment | Default |
/// |---|---|---|
/// | `apiKey` | `OPENAI_API_KEY` | required for `api.openai.com`, optional elsewhere |
/// | `baseURL` | `OPENAI_API_BASE` (deprecated, as mem0), `OPENAI_BASE_URL` | `https://api.openai.com/v1` |
/// | `organization` | `OPENAI_ORG_ID` | none |
/// | `project` | `OPENAI_PROJECT_ID` | none |
public struct OpenAIConfiguration: Sendable {
    /// OpenAI's API root.
    public static let defaultBaseURL = "https://api.openai.com/v1"
    /// mem0's default model.
    public static let defaultModel = "text-embedding-3-small"
    /// OpenAI's limit on inputs per request.
    public static let maxInputsPerRequest = 2048
    /// OpenAI's limit on tokens summed over one request.
    public static let maxTokensPerRequest = 300_000

    /// The model, e.g. `text-embedding-3-large`.
    public var model: String
    /// The bearer token; `nil` sends no `Authorization` header (local compatible servers).
    public var apiKey: String?
    /// The API root; requests go to `{baseURL}/embeddings`.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// `embedding_dims`: sent as `dimensions` (3-series models shorten their vectors) and checked.
    public var dimensions: Int?
    /// Sent as `OpenAI-Organization`.
    public var organization: String?
    /// Sent as `OpenAI-Project`.
    public var project: String?
    /// The response encoding requested: base64 from OpenAI itself, floats from other servers
    /// (mem0 asks for floats for proxy compatibility). Either is decoded.
    public var encodingFormat: OpenAIEncodingFormat
    /// Extra body fields (`model_kwargs`), merged last.
    public var extraBody: [String: JSONValue]
    /// Replace `\n` with a space before embedding, as mem0 does for OpenAI.
    public var replacesNewlines: Bool
    /// L2-normalize every vector on arrival.
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` when `baseURL` is not an http(s) URL, or when no API key
    ///   is found for OpenAI's own endpoint.
    public init(
        model: String? = nil, apiKey: String? = nil, baseURL: String? = nil, dimensions: Int? = nil,
        organization: String? = nil, project: String? = nil, encodingFormat: OpenAIEncodingFormat? = nil,
        extraBody: [String: JSONValue] = [:], replacesNewlines: Bool = true, normalizes: Bool = false,
        transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        let (base, baseSource) = try Endpoint.resolve(
            baseURL, key: "openai_base_url", environment: env, variables: OpenAIProvider.endpointVariables,
            defaultURL: Self.defaultBaseURL)
        let isOpenAI = URL(string: base)?.host?.lowercased() == "api.openai.com"
        self.apiKey = apiKey.nonEmpty ?? env.first("OPENAI_API_KEY")
        if isOpenAI && self.apiKey == nil {
            throw ConfigurationError.missingValue(
                provider: "openai", setting: "an API key", keys: ["api_key"], environment: ["OPENAI_API_KEY"])
        }
        self.model = model.nonEmpty ?? Self.defaultModel
        self.baseURL = base
        self.baseURLSource = baseSource
        self.dimensions = dimensions
        self.organization = organization.nonEmpty ?? env.first("OPENAI_ORG_ID")
        self.project = project.nonEmpty ?? env.first("OPENAI_PROJECT_ID")
        self.encodingFormat = encodingFormat ?? (isOpenAI ? .base64 : .float)
        self.extraBody = extraBody
        self.replacesNewlines = replacesNewlines
        self.normalizes = normalizes
        self.transport = transport
    }

    /// Native vector sizes of OpenAI's embedding models.
    public static let knownDimensions = [
        "text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536,
    ]
}
