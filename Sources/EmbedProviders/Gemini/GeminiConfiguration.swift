import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach the Gemini API (Google AI Studio keys).
///
/// | Setting | Config key | Environment | Default |
/// |---|---|---|---|
/// | `apiKey` | `api_key` | `GOOGLE_API_KEY`, `GEMINI_API_KEY` | required |
/// | `model` | `model` | | `gemini-embedding-001` (`models/` prefix optional) |
/// | `outputDimensionality` | `embedding_dims`, `output_dimensionality` | | 768, as mem0 |
/// | `baseURL` | `base_url` | | `https://generativelanguage.googleapis.com/v1beta` |
public struct GeminiConfiguration: Sendable {
    /// The Gemini API root.
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"
    /// mem0's default model.
    public static let defaultModel = "gemini-embedding-001"
    /// mem0's default output size.
    public static let defaultOutputDimensionality = 768
    /// The API's limit on requests in one `batchEmbedContents` call.
    public static let maxRequestsPerBatch = 100

    /// The model id without the `models/` prefix.
    public var model: String
    /// The API key, sent as `x-goog-api-key`.
    public var apiKey: String
    /// The API root.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// The vector size requested (`outputDimensionality`); `nil` for the model's full size.
    public var outputDimensionality: Int?
    /// Task-type names for each ``EmbeddingTask``.
    public var taskTypes: GoogleTaskTypes
    /// Extra fields merged into every request object (`model_kwargs`, e.g. `title`).
    public var extraRequestFields: [String: JSONValue]
    /// Replace `\n` with a space, as mem0 does for Gemini.
    public var replacesNewlines: Bool
    /// L2-normalize every vector: Google only normalizes full-size (3072-d) outputs.
    public var normalizes: Bool
    /// Timeout, retries, batching (100 per request) and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` when no API key is found or `baseURL` is not a URL.
    public init(
        model: String? = nil, apiKey: String? = nil, baseURL: String? = nil,
        outputDimensionality: Int? = GeminiConfiguration.defaultOutputDimensionality,
        taskTypes: GoogleTaskTypes = GoogleTaskTypes(), extraRequestFields: [String: JSONValue] = [:],
        replacesNewlines: Bool = true, normalizes: Bool = true, transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        guard let key = apiKey.nonEmpty ?? env.first("GOOGLE_API_KEY", "GEMINI_API_KEY") else {
            throw ConfigurationError.missingValue(
                provider: "gemini", setting: "an API key", keys: ["api_key"], environment: ["GOOGLE_API_KEY", "GEMINI_API_KEY"])
        }
        self.apiKey = key
        let name = model.nonEmpty ?? Self.defaultModel
        self.model = name.hasPrefix("models/") ? String(name.dropFirst("models/".count)) : name
        (self.baseURL, self.baseURLSource) = try Endpoint.resolve(baseURL, key: "base_url", defaultURL: Self.defaultBaseURL)
        self.outputDimensionality = outputDimensionality
        self.taskTypes = taskTypes
        self.extraRequestFields = extraRequestFields
        self.replacesNewlines = replacesNewlines
        self.normalizes = normalizes
        self.transport = transport
    }
}
