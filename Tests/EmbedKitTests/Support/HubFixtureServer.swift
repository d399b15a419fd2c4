import EmbedCore
import EmbedHub
import EmbedKit
import EmbedTestServer
import EmbedTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A repository as the fixture Hub serves it.
struct FixtureRepository: Sendable {
    var id: String
    var commit: String
    /// Every file by path, with its bytes.
    private(set) var files: [String: Data] = [:]
    /// The SHA-256 of each file, computed once.
    private(set) var sha256: [String: String] = [:]
    /// Digests the metadata claims instead of the real ones (for mismatch tests).
    var claimedSHA256: [String: String] = [:]
    /// Bytes served instead of the real ones, with the metadata still describing the real ones.
    var servedInstead: [String: Data] = [:]

    /// Files stored with Git LFS on the real Hub: weights and other binaries.
    static func isLFS(_ path: String) -> Bool {
        [".safetensors", ".bin", ".onnx", ".h5", ".msgpack"].contains { path.hasSuffix($0) }
    }

    /// Reads a folder (recursively, shared files that are symbolic links included) as a
    /// repository, adding `extra` files.
    static func from(folder: URL, id: String, commit: String = String(repeating: "ab12", count: 10), extra: [String: Data] = [:]) throws -> FixtureRepository {
        let files = extra.merging(try Fixtures.files(under: folder)) { _, inFolder in inFolder }
        var repository = FixtureRepository(id: id, commit: commit)
        for (path, data) in files { repository.setFile(path, data) }
        return repository
    }

    init(id: String, commit: String) {
        self.id = id
        self.commit = commit
    }

    /// Adds or replaces a file.
    mutating func setFile(_ path: String, _ data: Data) {
        files[path] = data
        sha256[path] = HubFixtureServer.sha256Hex(data)
    }

    /// Removes a file.
    mutating func removeFile(_ path: String) {
        files[path] = nil
        sha256[path] = nil
    }
}

/// How the fixture Hub misbehaves.
struct FixtureBehaviour: Sendable {
    /// For each path, the number of bytes after which the first `cutCount` downloads are cut
    /// off (headers announce the full length; the connection then fails).
    var cutAfter: [String: Int] = [:]
    /// How many downloads of a path in `cutAfter` are cut.
    var cutCount = 1
    /// When set, requests without `Authorization: Bearer TOKEN` get 401.
    var requiredToken: String?
    /// Whether LFS files are served through a redirect to `/lfs-store/SHA256`, as the Hub
    /// redirects to its storage.
    var redirectLFS = true
    /// Whether `Range` requests are honoured.
    var honoursRange = true
    /// Whether the model information leaves out sizes and digests even with `blobs=true` (as an
    /// older mirror might), so that only the download headers carry them.
    var omitsBlobDetails = false
}

/// A request the fixture Hub received.
struct HubRequest: Sendable {
    var path: String
    var query: String?
    var headers: [String: String]
    /// The repository file whose bytes this request asked for (through `resolve` or storage).
    var file: String?

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A Hummingbird server on 127.0.0.1 laid out like the Hugging Face Hub: the model-info API
/// (`/api/models/ORG/NAME/revision/REV`, with `?blobs=true` sizes and digests) and file
/// downloads (`/ORG/NAME/resolve/REV/PATH`, redirected to storage for LFS files, `Range`
/// honoured).
final class HubFixtureServer: StoppableServer {
    private let server: LoopbackServer
    private let state: State

    private final class State: Sendable {
        let repositories: Mutex<[String: FixtureRepository]>
        let behaviour: Mutex<FixtureBehaviour>
        let requests = Mutex<[HubRequest]>([])
        let cuts = Mutex<[String: Int]>([:])

        init(repositories: [FixtureRepository], behaviour: FixtureBehaviour) {
            self.repositories = Mutex(Dictionary(uniqueKeysWithValues: repositories.map { ($0.id, $0) }))
            self.behaviour = Mutex(behaviour)
        }
    }

    private init(server: LoopbackServer, state: State) {
        self.server = server
        self.state = state
    }

    /// `http://127.0.0.1:PORT`.
    var endpoint: String { server.baseURL }

    /// Every request so far, in arrival order.
    var requests: [HubRequest] { state.requests.withLock { $0 } }

    /// The requests that fetched a file's bytes (from storage after a redirect, or directly).
    func downloads(of path: String) -> [HubRequest] { requests.filter { $0.file == path } }

    /// The requests to the model-information API.
    var infoRequests: [HubRequest] { requests.filter { $0.path.hasPrefix("/api/models/") } }

    /// Changes the behaviour from now on.
    func setBehaviour(_ change: (inout FixtureBehaviour) -> Void) { state.behaviour.withLock { change(&$0) } }

    /// Changes a repository from now on.
    func updateRepository(_ id: String, _ change: (inout FixtureRepository) -> Void) {
        state.repositories.withLock { repos in if var repo = repos[id] { change(&repo); repos[id] = repo } }
    }

    static func start(repositories: [FixtureRepository], behaviour: FixtureBehaviour = FixtureBehaviour()) async throws -> HubFixtureServer {
        let state = State(repositories: repositories, behaviour: behaviour)
        let server = try await LoopbackServer.start { request, endpoint in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var recorded = HubRequest(path: request.uri.path, query: request.uri.query, headers: headers)
            let (response, file) = Self.respond(to: recorded, state: state, endpoint: endpoint)
            recorded.file = file
            state.requests.withLock { $0.append(recorded) }
            return response
        }
        return HubFixtureServer(server: server, state: state)
    }

    func stop() async { await server.stop() }

    // MARK: Routing

    private static func respond(to request: HubRequest, state: State, endpoint: String) -> (Response, String?) {
        let behaviour = state.behaviour.withLock { $0 }
        if let token = behaviour.requiredToken, !request.path.hasPrefix("/lfs-store/"),
            request.header("authorization") != "Bearer \(token)"
        {
            return (text("Invalid credentials", status: 401), nil)
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // /api/models/ORG/NAME/revision/REV
        if parts.count == 7, parts[1] == "api", parts[2] == "models", parts[5] == "revision" {
            let id = parts[3] + "/" + parts[4]
            guard let repo = state.repositories.withLock({ $0[id] }), accepts(revision: parts[6], repo) else {
                return (text("{\"error\":\"Repository not found\"}", status: 404), nil)
            }
            let withBlobs = request.query?.contains("blobs=true") == true && !behaviour.omitsBlobDetails
            return (info(repo, withBlobs: withBlobs), nil)
        }
        // /lfs-store/SHA256
        if parts.count == 3, parts[1] == "lfs-store" {
            let all = state.repositories.withLock { Array($0.values) }
            for repo in all {
                for (path, sha) in repo.sha256 where sha == parts[2] {
                    let data = repo.servedInstead[path] ?? repo.files[path] ?? Data()
                    return (serve(data, path: path, request: request, state: state, behaviour: behaviour), path)
                }
            }
            return (text("not found", status: 404), nil)
        }
        // /ORG/NAME/resolve/REV/PATH…
        if parts.count >= 6, parts[3] == "resolve" {
            let id = parts[1] + "/" + parts[2]
            let path = parts[5...].joined(separator: "/")
            guard let repo = state.repositories.withLock({ $0[id] }), accepts(revision: parts[4], repo),
                let data = repo.files[path]
            else {
                return (text("Entry not found", status: 404), nil)
            }
            if behaviour.redirectLFS, FixtureRepository.isLFS(path), let sha = repo.sha256[path] {
                var fields = HTTPFields()
                fields[.location] = "\(endpoint)/lfs-store/\(sha)"
                // What the Hub sends with its redirect: the content's size and SHA-256.
                fields[HTTPField.Name("X-Linked-Size")!] = String(data.count)
                fields[HTTPField.Name("X-Linked-Etag")!] = "\"\(repo.claimedSHA256[path] ?? sha)\""
                fields[HTTPField.Name("X-Repo-Commit")!] = repo.commit
                return (Response(status: .found, headers: fields), nil)
            }
            var response = serve(repo.servedInstead[path] ?? data, path: path, request: request, state: state, behaviour: behaviour)
            // A small file's ETag is its git blob id, as on the Hub.
            response.headers[.eTag] = "\"\(gitBlobHex(data))\""
            return (response, path)
        }
        return (text("no route", status: 404), nil)
    }

    private static func accepts(revision raw: String, _ repo: FixtureRepository) -> Bool {
        let revision = raw.removingPercentEncoding ?? raw
        return revision == "main" || revision == repo.commit || revision == "refs/pr/1"
    }

    private static func info(_ repo: FixtureRepository, withBlobs: Bool) -> Response {
        var siblings: [[String: Any]] = []
        for path in repo.files.keys.sorted() {
            let data = repo.files[path] ?? Data()
            var entry: [String: Any] = ["rfilename": path]
            if withBlobs {
                entry["size"] = data.count
                if FixtureRepository.isLFS(path) {
                    let sha = repo.claimedSHA256[path] ?? repo.sha256[path] ?? ""
                    entry["blobId"] = gitBlobHex(Data("version https://git-lfs.github.com/spec/v1\noid sha256:\(sha)\nsize \(data.count)\n".utf8))
                    entry["lfs"] = ["sha256": sha, "size": data.count, "pointerSize": 134]
                } else {
                    entry["blobId"] = gitBlobHex(data)
                }
            }
            siblings.append(entry)
        }
        let object: [String: Any] = ["_id": "fixture", "id": repo.id, "modelId": repo.id, "sha": repo.commit, "siblings": siblings]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
    }

    private struct CutConnection: Error {}

    private static func serve(_ data: Data, path: String, request: HubRequest, state: State, behaviour: FixtureBehaviour) -> Response {
        var start = 0
        var status = HTTPResponse.Status.ok
        var fields = HTTPFields()
        if behaviour.honoursRange, let range = request.header("range"), range.hasPrefix("bytes="),
            let first = Int(range.dropFirst(6).split(separator: "-").first ?? "")
        {
            guard first < data.count else {
                fields[.contentRange] = "bytes */\(data.count)"
                return Response(status: .rangeNotSatisfiable, headers: fields)
            }
            start = first
            status = .partialContent
            fields[.contentRange] = "bytes \(first)-\(data.count - 1)/\(data.count)"
        }
        let body = data.subdata(in: start..<data.count)
        fields[.contentLength] = String(body.count)
        fields[.contentType] = "application/octet-stream"
        let cut: Int? = behaviour.cutAfter[path].flatMap { limit in
            state.cuts.withLock { counts in
                let done = counts[path, default: 0]
                guard done < behaviour.cutCount else { return nil }
                counts[path] = done + 1
                return limit
            }
        }
        if let cut, cut < body.count {
            let part = body.prefix(cut)
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(data: part))
                throw CutConnection()
            })
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(data: body)))
    }

    private static func text(_ text: String, status: Int) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "text/plain"
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Digests

    static func sha256Hex(_ data: Data) -> String { digest(data, .sha256) }

    static func gitBlobHex(_ data: Data) -> String { digest(data, .gitBlobSHA1) }

    /// Computes a digest with the library's own file hashing, through a temporary file; the
    /// hashing itself is checked against published test vectors in `FileDigestTests`.
    private static func digest(_ data: Data, _ algorithm: FileDigest.Algorithm) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        guard (try? data.write(to: url)) != nil, let digest = try? FileDigest.compute(algorithm, of: url) else { return "" }
        return digest.hex
    }
}

/// Runs `body` with a fixture Hub, stopping it afterwards even when `body` throws.
func withHubServer<T>(
    _ repositories: [FixtureRepository], behaviour: FixtureBehaviour = FixtureBehaviour(),
    _ body: (HubFixtureServer) async throws -> T
) async throws -> T {
    try await withRunning(try await HubFixtureServer.start(repositories: repositories, behaviour: behaviour), body)
}
