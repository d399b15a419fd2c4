/// Why a model could not be fetched from the Hugging Face Hub (or a mirror), with what to do
/// about it.
public struct HubError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case invalidRepository(String)
        case invalidEndpoint(String)
        case unauthorized(repository: String, status: Int, hasToken: Bool)
        case repositoryNotFound(repository: String, revision: String)
        case fileNotFound(repository: String, path: String)
        case httpStatus(url: String, status: Int, body: String)
        case malformedInfo(url: String, reason: String)
        case unreachable(url: String, reason: String)
        case interrupted(path: String, received: Int, expected: Int?, reason: String)
        case sizeMismatch(path: String, expected: Int, actual: Int)
        case checksumMismatch(path: String, algorithm: String, expected: String, actual: String)
        case notSentenceTransformers(repository: String, reason: String)
        case pickleWeightsOnly(repository: String, folder: String)
        case nameTaken(name: String, file: String, source: String)
        case busy(repository: String, lockFile: String)
        case fileSystem(path: String, reason: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The repository id is not `NAME` or `ORG/NAME` made of letters, digits, `-`, `_` and `.`.
    public static func invalidRepository(_ id: String) -> Self { Self(.invalidRepository(id)) }

    /// The endpoint (`HF_ENDPOINT` or `--endpoint`) is not an http(s) URL.
    public static func invalidEndpoint(_ value: String) -> Self { Self(.invalidEndpoint(value)) }

    /// The Hub refused access (401/403): a private or gated repository, or a bad token.
    public static func unauthorized(repository: String, status: Int, hasToken: Bool) -> Self {
        Self(.unauthorized(repository: repository, status: status, hasToken: hasToken))
    }

    /// No such repository, or no such revision in it.
    public static func repositoryNotFound(repository: String, revision: String) -> Self {
        Self(.repositoryNotFound(repository: repository, revision: revision))
    }

    /// The repository lists a file that could not be downloaded (404).
    public static func fileNotFound(repository: String, path: String) -> Self {
        Self(.fileNotFound(repository: repository, path: path))
    }

    /// Another unexpected HTTP status.
    public static func httpStatus(url: String, status: Int, body: String) -> Self {
        Self(.httpStatus(url: url, status: status, body: body))
    }

    /// The model-info response is not the JSON the Hub API returns.
    public static func malformedInfo(url: String, reason: String) -> Self { Self(.malformedInfo(url: url, reason: reason)) }

    /// The endpoint could not be reached at all.
    public static func unreachable(url: String, reason: String) -> Self { Self(.unreachable(url: url, reason: reason)) }

    /// A download stopped before the end, after every retry; what arrived is kept for the next pull.
    public static func interrupted(path: String, received: Int, expected: Int?, reason: String) -> Self {
        Self(.interrupted(path: path, received: received, expected: expected, reason: reason))
    }

    /// A downloaded file's size differs from the Hub's metadata; it was deleted.
    public static func sizeMismatch(path: String, expected: Int, actual: Int) -> Self {
        Self(.sizeMismatch(path: path, expected: expected, actual: actual))
    }

    /// A downloaded file's digest differs from the Hub's metadata; it was deleted.
    public static func checksumMismatch(path: String, algorithm: String, expected: String, actual: String) -> Self {
        Self(.checksumMismatch(path: path, algorithm: algorithm, expected: expected, actual: actual))
    }

    /// The repository lacks what a sentence-transformers model needs.
    public static func notSentenceTransformers(repository: String, reason: String) -> Self {
        Self(.notSentenceTransformers(repository: repository, reason: reason))
    }

    /// A module's weights exist only as `pytorch_model.bin`, which this runtime does not unpickle.
    public static func pickleWeightsOnly(repository: String, folder: String) -> Self {
        Self(.pickleWeightsOnly(repository: repository, folder: folder))
    }

    /// `NAME.embed` already holds a model from somewhere else.
    public static func nameTaken(name: String, file: String, source: String) -> Self {
        Self(.nameTaken(name: name, file: file, source: source))
    }

    /// Another `embed pull` of the same repository holds its lock.
    public static func busy(repository: String, lockFile: String) -> Self {
        Self(.busy(repository: repository, lockFile: lockFile))
    }

    /// A file or folder could not be created, written, moved or removed.
    public static func fileSystem(path: String, reason: String) -> Self { Self(.fileSystem(path: path, reason: reason)) }

    /// Whether running the same pull again may succeed (the download was cut, or the network
    /// failed) — as opposed to a problem with the request or the repository.
    public var isTransient: Bool {
        switch code {
        case .unreachable, .interrupted: true
        case .httpStatus(_, let status, _): status == 408 || status == 429 || status >= 500
        default: false
        }
    }

    public var description: String {
        switch code {
        case .invalidRepository(let id):
            "\"\(id)\" is not a Hub repository id; expected ORG/NAME (for example sentence-transformers/all-MiniLM-L6-v2)."
        case .invalidEndpoint(let value):
            "The Hub endpoint \"\(value)\" is not an http:// or https:// URL (check HF_ENDPOINT)."
        case .unauthorized(let repository, let status, let hasToken):
            hasToken
                ? "The Hub refused access to \(repository) (HTTP \(status)): the token in HF_TOKEN is invalid or lacks access; gated models must be accepted on the model's page first."
                : "The Hub refused access to \(repository) (HTTP \(status)): it does not exist, or it is private or gated (check the id, or set HF_TOKEN to a token with access)."
        case .repositoryNotFound(let repository, let revision):
            "No model repository \(repository) with revision \"\(revision)\" on the Hub (check the id and --revision; private repositories also need HF_TOKEN)."
        case .fileNotFound(let repository, let path):
            "\(repository) lists \(path), but downloading it returned 404."
        case .httpStatus(let url, let status, let body):
            "GET \(url) returned HTTP \(status)" + (body.isEmpty ? "." : ": \(body)")
        case .malformedInfo(let url, let reason):
            "\(url) did not return the Hub's model information: \(reason)"
        case .unreachable(let url, let reason):
            "Cannot reach \(url): \(reason). Offline? On a machine without access, copy a sentence-transformers folder over and run `embed convert DIR NAME.embed`."
        case .interrupted(let path, let received, let expected, let reason):
            "The download of \(path) stopped at \(Self.bytes(received))"
                + (expected.map { " of \(Self.bytes($0))" } ?? "")
                + " (\(reason)). What arrived is kept; run the same `embed pull` again to resume."
        case .sizeMismatch(let path, let expected, let actual):
            "\(path) has \(actual) bytes but the Hub says \(expected); the file was deleted. Run the pull again; if it persists, the mirror serves a different file."
        case .checksumMismatch(let path, let algorithm, let expected, let actual):
            "\(path) failed its \(algorithm) check (expected \(expected), got \(actual)); the file was deleted. Run the pull again; if it persists, the mirror serves a different file."
        case .notSentenceTransformers(let repository, let reason):
            "\(repository) is not a sentence-transformers model this runtime can use: \(reason)"
        case .pickleWeightsOnly(let repository, let folder):
            "\(repository) has weights for \(folder.isEmpty ? "the transformer" : folder) only in pytorch_model.bin (PyTorch's pickle format, which is not loaded here). Download the repository, run `python Scripts/export_model.py DIR OUT_DIR` (needs torch), then `embed convert OUT_DIR NAME.embed`."
        case .nameTaken(let name, let file, let source):
            "\(file) already holds a model named \(name) from \(source). Pass --name to store this one under another name, or --force to replace it."
        case .busy(let repository, let lockFile):
            "Another `embed pull` of \(repository) is running (it holds \(lockFile)); wait for it to finish."
        case .fileSystem(let path, let reason):
            "\(path): \(reason)"
        }
    }

    static func bytes(_ count: Int) -> String {
        count < 1_000_000 ? "\(count) bytes" : String(format: "%.1f MB", Double(count) / 1_000_000)
    }
}
