import Foundation

/// Where models are downloaded from and how: the Hub endpoint, the access token and the
/// patience of the downloader.
///
/// Each setting is resolved as *explicit value, then environment, then default*:
/// - endpoint: `HF_ENDPOINT` (a mirror), default ``defaultEndpoint``;
/// - token: `HF_TOKEN`, then the older `HUGGING_FACE_HUB_TOKEN`; sent as
///   `Authorization: Bearer …` to the endpoint only (never to the storage a download is
///   redirected to).
public struct HubConfiguration: Sendable, Hashable {
    /// The public Hugging Face Hub.
    public static let defaultEndpoint = "https://huggingface.co"

    /// The Hub's base URL, without a trailing slash.
    public var endpoint: String
    /// The access token for private and gated repositories; `nil` for anonymous access.
    public var token: String?
    /// How long the model-information request may take.
    public var requestTimeout: Duration
    /// How long one file's download may take, start to end.
    public var downloadTimeout: Duration
    /// How many times a download that is cut off (or fails with a network error or a 5xx) is
    /// tried, each attempt resuming where the last one stopped.
    public var maxAttempts: Int
    /// The pause before the second attempt; doubled for each further one.
    public var retryDelay: Duration

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - endpoint: The Hub's URL; `nil` reads `HF_ENDPOINT`, else ``defaultEndpoint``.
    ///   - token: The access token; `nil` reads `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`.
    ///   - environment: Where the variables are read.
    /// - Throws: ``HubError/invalidEndpoint(_:)`` when the endpoint is not an http(s) URL.
    public init(
        endpoint: String? = nil, token: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        requestTimeout: Duration = .seconds(30), downloadTimeout: Duration = .seconds(3600),
        maxAttempts: Int = 4, retryDelay: Duration = .milliseconds(500)
    ) throws(HubError) {
        let raw = endpoint ?? Self.nonEmpty(environment["HF_ENDPOINT"]) ?? Self.defaultEndpoint
        var trimmed = raw.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw .invalidEndpoint(raw)
        }
        self.endpoint = trimmed
        self.token = token ?? Self.nonEmpty(environment["HF_TOKEN"]) ?? Self.nonEmpty(environment["HUGGING_FACE_HUB_TOKEN"])
        self.requestTimeout = requestTimeout
        self.downloadTimeout = downloadTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
    }

    /// Whether this is a mirror rather than the public Hub.
    public var isMirror: Bool { endpoint != Self.defaultEndpoint }

    /// `{endpoint}/api/models/{repo}/revision/{revision}?blobs=true`: the commit and every file
    /// with its size and digests.
    func modelInfoURL(repository: HubRepositoryID, revision: String) -> String {
        "\(endpoint)/api/models/\(repository.id)/revision/\(Self.pathComponent(revision))?blobs=true"
    }

    /// `{endpoint}/{repo}/resolve/{revision}/{path}`: one file's bytes (usually redirected to
    /// storage for large files).
    func fileURL(repository: HubRepositoryID, revision: String, path: String) -> String {
        let encodedPath = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { Self.pathComponent(String($0)) }.joined(separator: "/")
        return "\(endpoint)/\(repository.id)/resolve/\(Self.pathComponent(revision))/\(encodedPath)"
    }

    /// Percent-encodes everything but unreserved characters, so that a revision such as
    /// `refs/pr/1` stays one path component, as the Hub expects.
    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return value.trimmingCharacters(in: .whitespaces)
    }
}

/// A Hub model repository id: `ORG/NAME`, or a bare `NAME` for the Hub's few legacy root models.
public struct HubRepositoryID: Sendable, Hashable, CustomStringConvertible {
    /// The id as the Hub spells it.
    public let id: String

    /// Checks and wraps an id.
    ///
    /// - Throws: ``HubError/invalidRepository(_:)`` unless the id is one or two components of
    ///   letters, digits, `-`, `_` and `.` (not starting with `.` or `-`, without `--` or `..`,
    ///   as the Hub requires).
    public init(_ id: String) throws(HubError) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy(Self.isValidComponent) else {
            throw .invalidRepository(id)
        }
        self.id = id
    }

    /// The last component: the model's name (`all-MiniLM-L6-v2`).
    public var name: String { id.split(separator: "/").last.map(String.init) ?? id }

    /// A folder-name form of the id: `ORG--NAME`.
    public var folderName: String { id.replacingOccurrences(of: "/", with: "--") }

    public var description: String { id }

    private static func isValidComponent(_ part: Substring) -> Bool {
        guard let first = part.first, first != ".", first != "-", part.count <= 96 else { return false }
        return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            && !part.contains("..") && !part.contains("--")
    }
}
