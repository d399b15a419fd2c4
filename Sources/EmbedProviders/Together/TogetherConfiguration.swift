import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach Together AI's embeddings API.
///
/// | Setting | Config key | Environment | Default |
/// |---|---|---|---|
/// | `apiKey` | `api_key` | `TOGETHER_API_KEY` | required |
/// | `baseURL` | `base_url` | `TOGETHER_BASE_URL`, `TOGETHER_API_BASE` | `https://api.together.xyz/v1` |
/// | `model` | `model` | | `intfloat/multilingual-e5-large-instruct` (1024-d) |
public struct TogetherConfiguration: Sendable {
    /// The Together SDK's default API root.
    public static let defaultBaseURL = "https://api.together.xyz/v1"
    /// mem0's default model.
    public static let defaultModel = "intfloat/multilingual-e5-large-instruct"

    /// The model.
    public var model: String
    /// The bearer token.
    public var apiKey: String
    /// The API root; requests go to `{baseURL}/embeddings`.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// `embedding_dims`: checked on every vector, not sent (Together has no `dimensions`).
    public var dimensions: Int?
    /// Extra body fields (`model_kwargs`), merged last.
    public var extraBody: [String: JSONValue]
    /// L2-normalize every vector on arrival.
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` when no API key is found or `baseURL` is not a URL.
    public init(
        model: String? = nil, apiKey: String? = nil, baseURL: String? = nil, dimensions: Int? = nil,
        extraBody: [String: JSONValue] = [:], normalizes: Bool = false, transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        guard let key = apiKey.nonEmpty ?? env.first("TOGETHER_API_KEY") else {
            throw ConfigurationError.missingValue(
                provider: "together", setting: "an API key", keys: ["api_key"], environment: ["TOGETHER_API_KEY"])
        }
        self.apiKey = key
        self.model = model.nonEmpty ?? Self.defaultModel
        (self.baseURL, self.baseURLSource) = try Endpoint.resolve(
            baseURL, key: "base_url", environment: env, variables: TogetherProvider.endpointVariables,
            defaultURL: Self.defaultBaseURL)
        self.dimensions = dimensions
        self.extraBody = extraBody
        self.normalizes = normalizes
        self.transport = transport
    }
}
