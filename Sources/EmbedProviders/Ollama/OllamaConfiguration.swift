import EmbedConfiguration
import EmbedCore
import Foundation

/// How to reach an Ollama server and which model to use.
///
/// | Setting | Config key | Environment | Default |
/// |---|---|---|---|
/// | `baseURL` | `ollama_base_url` | `OLLAMA_HOST` (`host[:port]`, scheme optional) | `http://127.0.0.1:11434` |
/// | `apiKey` | | `OLLAMA_API_KEY` (ollama.com) | none |
/// | `model` | `model` | | `nomic-embed-text` |
/// | `autoPull` | `auto_pull` | | `true`, as mem0 |
public struct OllamaConfiguration: Sendable {
    /// ollama-python's default server.
    public static let defaultBaseURL = "http://127.0.0.1:11434"
    /// mem0's default model.
    public static let defaultModel = "nomic-embed-text"

    /// The model name, with or without a `:tag` (no tag means `:latest`).
    public var model: String
    /// The server root, e.g. `http://127.0.0.1:11434`.
    public var baseURL: String
    /// Which configuration key, environment variable or default supplied ``baseURL``, named when
    /// the server cannot be reached.
    public var baseURLSource: SettingSource
    /// A bearer token for ollama.com; local servers need none.
    public var apiKey: String?
    /// `embedding_dims`: sent as `dimensions` (Ollama truncates and re-normalizes) and checked.
    public var dimensions: Int?
    /// Pull the model on first use when the server does not have it, as mem0 does.
    public var autoPull: Bool
    /// The longest a model download may take.
    public var pullTimeout: Duration
    /// Extra body fields for `/api/embed` (`model_kwargs`: `keep_alive`, `truncate`, `options`).
    public var extraBody: [String: JSONValue]
    /// L2-normalize every vector on arrival (the legacy `/api/embeddings` endpoint returns raw
    /// vectors; `/api/embed` already normalizes).
    public var normalizes: Bool
    /// Timeout, retries, batching and concurrency (256 texts per request, one request at a time
    /// by default: the model runs on the server's own hardware).
    public var transport: TransportOptions

    /// Creates a configuration, filling unset values from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` when the base URL or `OLLAMA_HOST` cannot be parsed.
    public init(
        model: String? = nil, baseURL: String? = nil, apiKey: String? = nil, dimensions: Int? = nil,
        autoPull: Bool = true, pullTimeout: Duration = .seconds(3600), extraBody: [String: JSONValue] = [:],
        normalizes: Bool = false, transport: TransportOptions = TransportOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let env = Environment(environment)
        if let baseURL = baseURL.nonEmpty {
            self.baseURL = try Endpoint.base(baseURL, setting: "ollama_base_url")
            self.baseURLSource = .configuration(key: "ollama_base_url")
        } else if let host = env.first("OLLAMA_HOST") {
            guard let parsed = Self.parseHost(host) else { throw ConfigurationError.invalidURL(host, setting: "OLLAMA_HOST") }
            self.baseURL = try Endpoint.base(parsed, setting: "OLLAMA_HOST")
            self.baseURLSource = .environment(variable: "OLLAMA_HOST")
        } else {
            self.baseURL = Self.defaultBaseURL
            self.baseURLSource = .providerDefault(key: "ollama_base_url", variables: OllamaProvider.endpointVariables)
        }
        self.model = model.nonEmpty ?? Self.defaultModel
        self.apiKey = apiKey.nonEmpty ?? env.first("OLLAMA_API_KEY")
        self.dimensions = dimensions
        self.autoPull = autoPull
        self.pullTimeout = pullTimeout
        self.extraBody = extraBody
        self.normalizes = normalizes
        self.transport = transport
    }

    /// Parses `OLLAMA_HOST` as ollama-python does: `host[:port]`, with an optional `http://` or
    /// `https://` scheme and path. The port defaults to 11434 without a scheme, to 80/443 with
    /// one; an empty host means `127.0.0.1`.
    ///
    /// `"0.0.0.0"` → `http://0.0.0.0:11434`, `"example.com"` → `http://example.com:11434`,
    /// `"https://example.com"` → `https://example.com:443`, `":8080"` → `http://127.0.0.1:8080`.
    public static func parseHost(_ value: String) -> String? {
        let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        var scheme = "http"
        var hostPort = text
        var port = 11434
        if let range = text.range(of: "://") {
            scheme = text[..<range.lowerBound].lowercased()
            hostPort = String(text[range.upperBound...])
            switch scheme {
            case "http": port = 80
            case "https": port = 443
            default: return nil
            }
        }
        guard let components = URLComponents(string: "\(scheme)://\(hostPort)") else { return nil }
        var host = components.host ?? ""
        if host.isEmpty { host = "127.0.0.1" }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        let path = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        return "\(scheme)://\(host):\(components.port ?? port)\(path)"
    }
}
