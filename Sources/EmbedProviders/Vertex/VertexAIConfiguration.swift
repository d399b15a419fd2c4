import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach Vertex AI text embeddings.
///
/// | Setting | Config key | Environment | Default |
/// |---|---|---|---|
/// | credentials | `access_token`, `vertex_credentials_json` (path or JSON text) | `GOOGLE_APPLICATION_CREDENTIALS`, `GOOGLE_OAUTH_ACCESS_TOKEN`, then gcloud's application-default file | required |
/// | `projectID` | `project_id` (alias `google_project_id`) | credentials' project, `GOOGLE_CLOUD_PROJECT`, `GCLOUD_PROJECT`, `GCP_PROJECT_ID` | required |
/// | `location` | `location` | `GOOGLE_CLOUD_LOCATION`, `GCP_LOCATION` | `us-central1` |
/// | `model` | `model` | | `gemini-embedding-001` |
/// | `outputDimensionality` | `embedding_dims`, `output_dimensionality` | | 256, as mem0 |
/// | `baseURL` | `base_url` | | `https://{location}-aiplatform.googleapis.com` |
public struct VertexAIConfiguration: Sendable {
    /// mem0's default model.
    public static let defaultModel = "gemini-embedding-001"
    /// mem0's location.
    public static let defaultLocation = "us-central1"
    /// mem0's default output size.
    public static let defaultOutputDimensionality = 256
    /// Vertex AI's limit on instances per `predict` call (gemini-embedding-001 accepts one).
    public static let maxInstancesPerRequest = 250
    /// Vertex AI's limit on tokens summed over one `predict` call.
    public static let maxTokensPerRequest = 20_000

    /// The publisher model id.
    public var model: String
    /// The Google Cloud project.
    public var projectID: String
    /// The region, or `global`.
    public var location: String
    /// The API host root; requests go to `{baseURL}/v1/projects/…`.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// How requests authenticate.
    public var credentials: GoogleCredentials
    /// Replaces the credentials' `token_uri` when set.
    public var tokenURI: String?
    /// The vector size requested (`outputDimensionality`); `nil` for the model's full size.
    public var outputDimensionality: Int?
    /// Let the server cut texts longer than the model's limit instead of failing.
    public var autoTruncate: Bool
    /// Task-type names; without a task, `SEMANTIC_SIMILARITY` is sent, as mem0 does.
    public var taskTypes: GoogleTaskTypes
    /// Extra fields merged into `parameters` (`model_kwargs`).
    public var extraParameters: [String: JSONValue]
    /// L2-normalize every vector: reduced-size outputs are not unit length.
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency.
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// Credentials are taken from, in order: `credentials`, `accessToken`, `credentialsFile`,
    /// `GOOGLE_APPLICATION_CREDENTIALS`, `GOOGLE_OAUTH_ACCESS_TOKEN`, and gcloud's
    /// `application_default_credentials.json` (in `CLOUDSDK_CONFIG` or `~/.config/gcloud`).
    ///
    /// - Throws: ``ConfigurationError`` when no credentials or project are found, or a
    ///   credentials file is unreadable.
    public init(
        model: String? = nil, projectID: String? = nil, location: String? = nil, baseURL: String? = nil,
        credentials: GoogleCredentials? = nil, accessToken: String? = nil, credentialsFile: String? = nil,
        tokenURI: String? = nil, outputDimensionality: Int? = VertexAIConfiguration.defaultOutputDimensionality,
        autoTruncate: Bool = true,
        taskTypes: GoogleTaskTypes = GoogleTaskTypes(unspecified: "SEMANTIC_SIMILARITY"),
        extraParameters: [String: JSONValue] = [:], normalizes: Bool = true, transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        self.credentials = try Self.resolveCredentials(
            credentials: credentials, accessToken: accessToken, credentialsFile: credentialsFile, env: env)
        guard
            let project = projectID.nonEmpty ?? self.credentials.projectID
                ?? env.first("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT_ID")
        else {
            throw ConfigurationError.missingValue(
                provider: "vertexai", setting: "a Google Cloud project", keys: ["project_id"],
                environment: ["GOOGLE_CLOUD_PROJECT"])
        }
        self.projectID = project
        let location = location.nonEmpty ?? env.first("GOOGLE_CLOUD_LOCATION", "GCP_LOCATION") ?? Self.defaultLocation
        self.location = location
        let defaultBase =
            location == "global" ? "https://aiplatform.googleapis.com" : "https://\(location)-aiplatform.googleapis.com"
        (self.baseURL, self.baseURLSource) = try Endpoint.resolve(baseURL, key: "base_url", defaultURL: defaultBase)
        if let tokenURI = tokenURI.nonEmpty {
            self.tokenURI = try Endpoint.base(tokenURI, setting: "token_uri")
        } else {
            self.tokenURI = nil
        }
        self.model = model.nonEmpty ?? Self.defaultModel
        self.outputDimensionality = outputDimensionality
        self.autoTruncate = autoTruncate
        self.taskTypes = taskTypes
        self.extraParameters = extraParameters
        self.normalizes = normalizes
        self.transport = transport
    }

    private static func resolveCredentials(
        credentials: GoogleCredentials?, accessToken: String?, credentialsFile: String?, env: Environment
    ) throws(ConfigurationError) -> GoogleCredentials {
        if let credentials { return credentials }
        if let token = accessToken.nonEmpty { return .accessToken(token) }
        if let file = credentialsFile.nonEmpty {
            // mem0 documents a path; JSON text is accepted too, as mem0's TypeScript port does.
            if file.hasPrefix("{") {
                return try GoogleCredentials.parse(Data(file.utf8), source: "vertex_credentials_json")
            }
            return try GoogleCredentials.load(contentsOf: file)
        }
        if let file = env.first("GOOGLE_APPLICATION_CREDENTIALS") {
            return try GoogleCredentials.load(contentsOf: file)
        }
        if let token = env.first("GOOGLE_OAUTH_ACCESS_TOKEN") { return .accessToken(token) }
        let configDirectory = env.first("CLOUDSDK_CONFIG") ?? env.first("HOME").map { "\($0)/.config/gcloud" }
        if let configDirectory {
            let path = "\(configDirectory)/application_default_credentials.json"
            if FileManager.default.fileExists(atPath: path) {
                return try GoogleCredentials.load(contentsOf: path)
            }
        }
        throw ConfigurationError.missingValue(
            provider: "vertexai", setting: "Google credentials", keys: ["vertex_credentials_json", "access_token"],
            environment: ["GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN"])
    }

    /// Whether the model uses `:embedContent` (newer Gemini embedding models) rather than `:predict`.
    public var usesEmbedContent: Bool {
        (model.hasPrefix("gemini") && model != "gemini-embedding-001") || model.contains("maas")
    }

    /// Texts per request: one for Gemini models, 250 for the others.
    public var maxInstancesPerRequest: Int {
        model.hasPrefix("gemini") || usesEmbedContent ? 1 : Self.maxInstancesPerRequest
    }

    /// The model's method URL, without the `:method` suffix.
    var modelURL: String {
        Endpoint.join(
            baseURL,
            "v1/projects/\(Endpoint.pathComponent(projectID))/locations/\(Endpoint.pathComponent(location))"
                + "/publishers/google/models/\(Endpoint.pathComponent(model))")
    }
}
