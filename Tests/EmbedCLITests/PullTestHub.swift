import Crypto
import EmbedCore
import EmbedTestServer
import EmbedTestSupport
import Foundation
import Hummingbird
import Synchronization

/// A ``LoopbackServer`` laid out like the Hugging Face Hub, serving one repository from a folder:
/// `GET /api/models/ORG/NAME/revision/REV` (sizes and the weights' SHA-256) and
/// `GET /ORG/NAME/resolve/REV/PATH` (with `Range`) — enough for `embed pull`.
final class PullTestHub: StoppableServer {
    let repository: String
    let commit: String
    private let server: LoopbackServer
    private let log: RequestLog

    /// `http://127.0.0.1:PORT`.
    var endpoint: String { server.baseURL }

    /// The request lines received (`GET /path`, with a `Range` header appended when present).
    var requests: [String] { log.lines.withLock { $0 } }

    private final class RequestLog: Sendable {
        let lines = Mutex<[String]>([])
    }

    private init(repository: String, commit: String, server: LoopbackServer, log: RequestLog) {
        self.repository = repository
        self.commit = commit
        self.server = server
        self.log = log
    }

    /// Starts a Hub serving the files of `folder` (and a model card) as `repository` at `commit`.
    static func start(
        folder: URL, repository: String, commit: String = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
    ) async throws -> PullTestHub {
        var files = try Fixtures.files(under: folder)
        files["README.md"] = Data("# a model card the pull must skip\n".utf8)
        let content = Content(repository: repository, commit: commit, files: files)
        let log = RequestLog()
        let server = try await LoopbackServer.start { request, _ in
            let range = request.headers[.range]
            log.lines.withLock { $0.append("GET \(request.uri)" + (range.map { " \($0)" } ?? "")) }
            return content.respond(to: request.uri.path, range: range)
        }
        return PullTestHub(repository: repository, commit: commit, server: server, log: log)
    }

    /// Stops the server.
    func stop() async { await server.stop() }

    /// The repository's files and how the Hub answers for them.
    private struct Content: Sendable {
        let repository: String
        let commit: String
        let files: [String: Data]
        /// The SHA-256 of each weights file, as the Hub's model information gives it.
        let weightsSHA256: [String: String]

        init(repository: String, commit: String, files: [String: Data]) {
            self.repository = repository
            self.commit = commit
            self.files = files
            var digests: [String: String] = [:]
            for (path, data) in files where path.hasSuffix(".safetensors") {
                digests[path] = SHA256.hash(data: data).hexString
            }
            weightsSHA256 = digests
        }

        func respond(to path: String, range: String?) -> Response {
            let parts = path.split(separator: "/").map(String.init)
            let repositoryParts = repository.split(separator: "/").map(String.init)
            if parts.count == 6, parts[0] == "api", parts[1] == "models", Array(parts[2...3]) == repositoryParts, parts[4] == "revision",
                parts[5] == "main" || parts[5] == commit
            {
                let siblings: [[String: Any]] = files.keys.sorted().map { path in
                    var entry: [String: Any] = ["rfilename": path, "size": files[path]?.count ?? 0]
                    if let sha = weightsSHA256[path] { entry["lfs"] = ["sha256": sha, "size": files[path]?.count ?? 0] }
                    return entry
                }
                let json = (try? JSONSerialization.data(withJSONObject: ["sha": commit, "siblings": siblings])) ?? Data()
                return Self.response(.ok, json, contentType: "application/json")
            }
            if parts.count >= 5, Array(parts[0...1]) == repositoryParts, parts[2] == "resolve", parts[3] == commit,
                let data = files[parts[4...].joined(separator: "/")]
            {
                if let range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).split(separator: "-").first ?? ""), start < data.count {
                    var response = Self.response(.partialContent, data.subdata(in: start..<data.count), contentType: nil)
                    response.headers[.contentRange] = "bytes \(start)-\(data.count - 1)/\(data.count)"
                    return response
                }
                return Self.response(.ok, data, contentType: "application/octet-stream")
            }
            return Self.response(.notFound, Data("Repository not found".utf8), contentType: "text/plain")
        }

        private static func response(_ status: HTTPResponse.Status, _ body: Data, contentType: String?) -> Response {
            var headers = HTTPFields()
            if let contentType { headers[.contentType] = contentType }
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: body)))
        }
    }
}

/// Runs `body` with a ``PullTestHub``, stopping it afterwards even when `body` throws.
func withPullTestHub<T>(
    folder: URL, repository: String, _ body: (PullTestHub) async throws -> T
) async throws -> T {
    try await withRunning(try await PullTestHub.start(folder: folder, repository: repository), body)
}
