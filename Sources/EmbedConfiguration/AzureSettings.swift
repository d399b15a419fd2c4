import EmbedCore
/// mem0's `azure_kwargs`: where an Azure OpenAI deployment lives and how to authenticate.
///
/// Every field falls back to the environment when it is `nil` (see the Azure embedder).
public struct AzureSettings: Sendable, Hashable {
    /// The resource's API key (`api-key` header). A literal `"your-api-key"` counts as unset,
    /// as in mem0.
    public var apiKey: String?
    /// The deployment name, used in the URL path (classic API) or as `model` (v1 API).
    public var deployment: String?
    /// The resource endpoint, e.g. `https://my-resource.openai.azure.com`.
    public var endpoint: String?
    /// A dated API version such as `2024-10-21` selects the classic API; `v1`, `preview` or
    /// `nil` select the v1 API.
    public var apiVersion: String?
    /// Headers added to every request.
    public var defaultHeaders: [String: String]
    /// A Microsoft Entra ID bearer token, used instead of the API key when set (not a mem0 key).
    public var adToken: String?

    /// Creates Azure settings.
    public init(
        apiKey: String? = nil, deployment: String? = nil, endpoint: String? = nil, apiVersion: String? = nil,
        defaultHeaders: [String: String] = [:], adToken: String? = nil
    ) {
        self.apiKey = apiKey
        self.deployment = deployment
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.defaultHeaders = defaultHeaders
        self.adToken = adToken
    }

    /// The keys `azure_kwargs` accepts.
    public static let keys = ["api_key", "azure_deployment", "azure_endpoint", "api_version", "default_headers", "azure_ad_token"]

    init(object: [String: JSONValue], path: String) throws(ConfigurationError) {
        let reader = try ConfigurationObject(
            object, path: path, keys: Self.keys,
            aliases: ["deployment": "azure_deployment", "endpoint": "azure_endpoint", "ad_token": "azure_ad_token"])
        self.init(
            apiKey: try reader.string("api_key"),
            deployment: try reader.string("azure_deployment"),
            endpoint: try reader.string("azure_endpoint"),
            apiVersion: try reader.string("api_version"),
            defaultHeaders: try reader.stringDictionary("default_headers") ?? [:],
            adToken: try reader.string("azure_ad_token"))
    }
}
