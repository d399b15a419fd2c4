import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach LM Studio's OpenAI-compatible server.
///
/// | Setting | Config key | Default |
/// |---|---|---|
/// | `baseURL` | `lmstudio_base_url` | `http://localhost:1234/v1` |
/// | `apiKey` | `api_key` | `lm-studio` (sent as a bearer token; only checked when "Require Authentication" is on) |
/// | `model` | `model` | mem0's `nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf` |
public struct LMStudioConfiguration: Sendable {
    /// LM Studio's default server address.
    public static let defaultBaseURL = "http://localhost:1234/v1"
    /// mem0's default model.
    public static let defaultModel = "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf"
    /// The placeholder key clients conventionally send.
    public static let defaultAPIKey = "lm-studio"

    /// The model identifier as LM Studio lists it.
    public var model: String
    /// The bearer token.
    public var apiKey: String
    /// The API root; requests go to `{baseURL}/embeddings`.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// `embedding_dims`: checked on every vector, not sent.
    public var dimensions: Int?
    /// The response encoding requested (base64, as the OpenAI SDK mem0 uses sends; floats are
    /// decoded too).
    public var encodingFormat: OpenAIEncodingFormat
    /// Extra body fields (`model_kwargs`), merged last.
    public var extraBody: [String: JSONValue]
    /// Replace `\n` with a space, as mem0 does for LM Studio.
    public var replacesNewlines: Bool
    /// L2-normalize every vector on arrival.
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency (one request at a time by default: the model
    /// runs on this machine).
    public var transport: TransportOptions

    /// Creates a configuration.
    ///
    /// - Throws: ``ConfigurationError`` when `baseURL` is not an http(s) URL.
    public init(
        model: String? = nil, apiKey: String? = nil, baseURL: String? = nil, dimensions: Int? = nil,
        encodingFormat: OpenAIEncodingFormat = .base64, extraBody: [String: JSONValue] = [:],
        replacesNewlines: Bool = true, normalizes: Bool = false, transport: TransportOptions = TransportOptions()
    ) throws(ConfigurationError) {
        self.model = model.nonEmpty ?? Self.defaultModel
        self.apiKey = apiKey.nonEmpty ?? Self.defaultAPIKey
        (self.baseURL, self.baseURLSource) = try Endpoint.resolve(
            baseURL, key: "lmstudio_base_url", defaultURL: Self.defaultBaseURL)
        self.dimensions = dimensions
        self.encodingFormat = encodingFormat
        self.extraBody = extraBody
        self.replacesNewlines = replacesNewlines
        self.normalizes = normalizes
        self.transport = transport
    }
}
