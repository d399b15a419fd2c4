import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach an Azure OpenAI embeddings deployment.
///
/// Two APIs are supported. A dated `apiVersion` (`2024-10-21`) selects the classic API,
/// `POST {endpoint}/openai/deployments/{deployment}/embeddings?api-version=…`. No version, `v1`,
/// `latest` or `preview` select the v1 API (GA August 2025), `POST {endpoint}/openai/v1/embeddings`
/// with the deployment as `model`.
///
/// | Setting | `azure_kwargs` key | Environment |
/// |---|---|---|
/// | `apiKey` | `api_key` | `EMBEDDING_AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_API_KEY` |
/// | `adToken` (Entra ID) | `azure_ad_token` | `AZURE_OPENAI_AD_TOKEN` (wins over a key, as in the SDK) |
/// | `endpoint` | `azure_endpoint` | `EMBEDDING_AZURE_ENDPOINT`, `AZURE_OPENAI_ENDPOINT` |
/// | `deployment` | `azure_deployment` | `EMBEDDING_AZURE_DEPLOYMENT`, else `model` |
/// | `apiVersion` | `api_version` | `EMBEDDING_AZURE_API_VERSION`, `OPENAI_API_VERSION` |
public struct AzureOpenAIConfiguration: Sendable {
    /// Which Azure API to call.
    public enum API: Sendable, Hashable {
        /// The classic API with a dated `api-version` query parameter.
        case classic(apiVersion: String)
        /// The v1 API; `apiVersion` is `preview` or `nil`.
        case v1(apiVersion: String?)
    }

    /// How requests authenticate.
    public enum Credential: Sendable, Hashable {
        /// `api-key: …`.
        case apiKey(String)
        /// `Authorization: Bearer …` with a Microsoft Entra ID token.
        case bearerToken(String)
    }

    /// Azure's limit on inputs per request.
    public static let maxInputsPerRequest = 2048

    /// The resource root, e.g. `https://my-resource.openai.azure.com`.
    public var endpoint: String
    /// Which configuration key or environment variable supplied ``endpoint``, named when the
    /// resource cannot be reached.
    public var endpointSource: SettingSource
    /// The deployment name.
    public var deployment: String
    /// The `model` field sent with the classic API, when configured (it is optional there).
    public var model: String?
    /// The API flavour.
    public var api: API
    /// The credential.
    public var credential: Credential
    /// Headers added to every request (`azure_kwargs.default_headers`).
    public var defaultHeaders: [String: String]
    /// `embedding_dims`: checked on every vector but not sent (mem0 does not send it to Azure;
    /// put `{"dimensions": N}` in `extraBody` to request shortened vectors).
    public var dimensions: Int?
    /// The response encoding requested; base64 by default, as the OpenAI SDK sends.
    public var encodingFormat: OpenAIEncodingFormat
    /// Extra body fields (`model_kwargs`), merged last.
    public var extraBody: [String: JSONValue]
    /// Replace `\n` with a space, as mem0 does.
    public var replacesNewlines: Bool
    /// L2-normalize every vector on arrival.
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// A key equal to mem0's placeholder `"your-api-key"` counts as unset.
    ///
    /// - Throws: ``ConfigurationError`` when no endpoint, deployment or credential is found, or the
    ///   endpoint is not a URL.
    public init(
        endpoint: String? = nil, deployment: String? = nil, model: String? = nil, apiVersion: String? = nil,
        apiKey: String? = nil, adToken: String? = nil, defaultHeaders: [String: String] = [:], dimensions: Int? = nil,
        encodingFormat: OpenAIEncodingFormat = .base64, extraBody: [String: JSONValue] = [:],
        replacesNewlines: Bool = true, normalizes: Bool = false, transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        guard
            let (endpointText, endpointSource) = try Endpoint.resolveIfSet(
                endpoint, key: "azure_kwargs.azure_endpoint", environment: env,
                variables: AzureOpenAIProvider.endpointVariables)
        else {
            throw ConfigurationError.missingValue(
                provider: "azure_openai", setting: "the resource endpoint", keys: ["azure_kwargs.azure_endpoint"],
                environment: ["EMBEDDING_AZURE_ENDPOINT", "AZURE_OPENAI_ENDPOINT"])
        }
        var root = endpointText
        var pathSaysV1 = false
        for suffix in ["/openai/v1", "/openai"] where root.lowercased().hasSuffix(suffix) {
            pathSaysV1 = suffix == "/openai/v1"
            root = String(root.dropLast(suffix.count))
            break
        }
        self.endpoint = root
        self.endpointSource = endpointSource

        guard let deploymentName = deployment.nonEmpty ?? env.first("EMBEDDING_AZURE_DEPLOYMENT") ?? model.nonEmpty else {
            throw ConfigurationError.missingValue(
                provider: "azure_openai", setting: "a deployment name",
                keys: ["azure_kwargs.azure_deployment", "model"], environment: ["EMBEDDING_AZURE_DEPLOYMENT"])
        }
        self.deployment = deploymentName
        self.model = model.nonEmpty

        let version = apiVersion.nonEmpty ?? env.first("EMBEDDING_AZURE_API_VERSION", "OPENAI_API_VERSION")
        switch version?.lowercased() {
        case nil, "v1", "latest": self.api = .v1(apiVersion: nil)
        case "preview": self.api = .v1(apiVersion: "preview")
        case let dated?:
            if pathSaysV1 {
                throw ConfigurationError.unsupported(
                    "azure_kwargs.azure_endpoint points at the v1 API (/openai/v1) but api_version is '\(dated)'; "
                        + "drop api_version or the /openai/v1 suffix.")
            }
            self.api = .classic(apiVersion: version ?? dated)
        }

        let key = [apiKey.nonEmpty, env.first("EMBEDDING_AZURE_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")]
            .compactMap { $0 }.first { $0 != "your-api-key" }
        if let token = adToken.nonEmpty ?? env.first("AZURE_OPENAI_AD_TOKEN") {
            self.credential = .bearerToken(token)
        } else if let key {
            self.credential = .apiKey(key)
        } else {
            throw ConfigurationError.missingValue(
                provider: "azure_openai", setting: "an API key or Entra ID token",
                keys: ["azure_kwargs.api_key", "azure_kwargs.azure_ad_token"],
                environment: ["EMBEDDING_AZURE_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"])
        }
        self.defaultHeaders = defaultHeaders
        self.dimensions = dimensions
        self.encodingFormat = encodingFormat
        self.extraBody = extraBody
        self.replacesNewlines = replacesNewlines
        self.normalizes = normalizes
        self.transport = transport
    }

    /// The embeddings URL for the configured API.
    public var embeddingsURL: String {
        switch api {
        case .classic(let version):
            let path = "openai/deployments/\(Endpoint.pathComponent(deployment))/embeddings"
            return Endpoint.join(endpoint, path) + "?" + Endpoint.formEncoded([("api-version", version)])
        case .v1(let version):
            let url = Endpoint.join(endpoint, "openai/v1/embeddings")
            return version.map { url + "?" + Endpoint.formEncoded([("api-version", $0)]) } ?? url
        }
    }
}
