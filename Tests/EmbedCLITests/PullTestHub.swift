import EmbedTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 laid out like the Hugging Face Hub, serving one
/// repository from a folder: `GET /api/models/ORG/NAME/revision/REV` (sizes and the weights'
/// SHA-256) and `GET /ORG/NAME/resolve/REV/PATH` (with `Range`). One connection at a time,
/// `Connection: close` — enough for `embed pull`, with no server framework in this test target.
final class PullTestHub: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `requestLog` is only touched under `lock`; everything
    // else is immutable after init.
    let endpoint: String
    let repository: String
    let commit: String
    private let files: [String: Data]
    private let weightsSHA256: [String: String]
    private let listener: Int32
    private let lock = NSLock()
    private var requestLog: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    /// The request lines received (`GET /path`, with a `Range` header appended when present).
    var requests: [String] { lock.withLock { requestLog } }

    init(folder: URL, repository: String, commit: String = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00") throws {
        self.repository = repository
        self.commit = commit
        var files = try Fixtures.files(under: folder)
        files["README.md"] = Data("# a model card the pull must skip\n".utf8)
        self.files = files
        var digests: [String: String] = [:]
        for path in files.keys where path.hasSuffix(".safetensors") {
            digests[path] = try Self.sha256(of: folder.appendingPathComponent(path))
        }
        weightsSHA256 = digests

        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PullTestHubError.socket("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw PullTestHubError.socket("bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Stops accepting and waits for the serving thread to end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var request = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(Data("\r\n\r\n".utf8)) {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0..<count])
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let range = lines.first { $0.lowercased().hasPrefix("range:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) }
        lock.withLock { requestLog.append("GET \(target)" + (range.map { " \($0)" } ?? "")) }
        let (status, headers, body) = respond(to: target, range: range)
        var head = "HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        send(Data(head.utf8) + body, to: connection)
    }

    private func respond(to target: String, range: String?) -> (String, [(String, String)], Data) {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
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
            return ("200 OK", [("Content-Type", "application/json")], json)
        }
        if parts.count >= 5, Array(parts[0...1]) == repositoryParts, parts[2] == "resolve", parts[3] == commit,
            let data = files[parts[4...].joined(separator: "/")]
        {
            if let range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).split(separator: "-").first ?? ""), start < data.count {
                return ("206 Partial Content", [("Content-Range", "bytes \(start)-\(data.count - 1)/\(data.count)")], data.subdata(in: start..<data.count))
            }
            return ("200 OK", [("Content-Type", "application/octet-stream")], data)
        }
        return ("404 Not Found", [("Content-Type", "text/plain")], Data("Repository not found".utf8))
    }

    private func send(_ data: Data, to connection: Int32) {
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(connection, base + offset, raw.count - offset)
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// SHA-256 of a file through the system's tool (this test target has no crypto library).
    private static func sha256(of url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let hex = String(decoding: data, as: UTF8.self).split(separator: " ").first, hex.count == 64 else {
            throw PullTestHubError.socket("sha256sum failed")
        }
        return String(hex)
    }
}

enum PullTestHubError: Error { case socket(String) }
