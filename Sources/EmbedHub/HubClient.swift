import AsyncHTTPClient
import EmbedCore
import EmbedProviders
import Foundation
import NIOCore
import NIOHTTP1

/// What ``HubClient`` and ``ModelPuller`` report while they work, for a progress display.
public enum PullEvent: Sendable, Hashable {
    /// The revision resolved to `commit`.
    case resolved(repository: String, revision: String, commit: String)
    /// These files will be fetched (or reused from an earlier, interrupted pull).
    case planned(files: [HubFile], totalBytes: Int)
    /// A file's download begins; `offset` > 0 when it resumes a partial download.
    case downloading(path: String, offset: Int, size: Int?)
    /// Bytes of a file have arrived: `received` of `size` in all (resumed bytes included).
    case progress(path: String, received: Int, size: Int?)
    /// A download was cut off or failed and is tried again, resuming.
    case retrying(path: String, attempt: Int, reason: String)
    /// A file was checked against the Hub's size and digest.
    case verified(path: String, digest: FileDigest?)
    /// A file from an earlier pull was complete and valid, and is used as is.
    case reused(path: String)
    /// The downloaded folder is being converted to a model file.
    case converting(name: String)
}

/// A client for the parts of the Hugging Face Hub API a model download needs: model
/// information and file downloads that resume and are verified.
///
/// Requests go to ``HubConfiguration/endpoint`` with the token as a bearer credential; redirects
/// to storage hosts are followed without it (the HTTP client drops `Authorization` on a change
/// of origin).
public struct HubClient: Sendable {
    /// Where and how to download.
    public let configuration: HubConfiguration
    /// The client every request goes through; it must follow redirects (the shared one does).
    public let httpClient: HTTPClient

    /// Creates a client.
    public init(configuration: HubConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    // MARK: Model information

    /// Returns the commit a revision resolves to and the repository's files.
    ///
    /// - Throws: ``HubError`` for an unknown repository or revision, refused access, an
    ///   unreachable endpoint, or a response that is not the Hub's JSON. Network failures and
    ///   5xx answers are retried up to ``HubConfiguration/maxAttempts`` times.
    ///   `CancellationError` when the task is cancelled.
    public func modelInfo(_ repository: HubRepositoryID, revision: String) async throws -> HubModelInfo {
        let url = configuration.modelInfoURL(repository: repository, revision: revision)
        return try await retrying(path: "model information", progress: nil) { () async throws(HubError) -> HubModelInfo in
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await httpClient.execute(request(url), timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
                body = try await response.body.collect(upTo: 64 << 20)
            } catch {
                throw .unreachable(url: url, reason: Self.describe(error))
            }
            switch response.status.code {
            case 200:
                break
            case 401, 403:
                throw .unauthorized(repository: repository.id, status: Int(response.status.code), hasToken: configuration.token != nil)
            case 404:
                throw .repositoryNotFound(repository: repository.id, revision: revision)
            default:
                throw .httpStatus(url: url, status: Int(response.status.code), body: Self.excerpt(body))
            }
            let info: HubModelInfo
            do {
                info = try JSONDecoder().decode(HubModelInfo.self, from: Data(body.readableBytesView))
            } catch {
                throw .malformedInfo(url: url, reason: DecodingProblem.describe(error, document: "the answer"))
            }
            guard info.commit.count >= 7, info.commit.allSatisfy(\.isHexDigit) else {
                throw .malformedInfo(url: url, reason: "\"sha\" is not a commit id: \(info.commit.debugDescription)")
            }
            return info
        }
    }

    // MARK: Downloads

    /// Downloads one file of a repository to `destination`, resuming a partial download left by
    /// an earlier attempt, and checks it against the Hub's size and digest.
    ///
    /// Bytes arrive in `DESTINATION.incomplete`, which is renamed to `destination` only after
    /// the checks pass. A cut-off transfer is retried (with `Range`, from where it stopped) up to
    /// ``HubConfiguration/maxAttempts`` times; after that the partial file stays for the next
    /// call. A complete `destination` from an earlier call is re-verified and reused.
    ///
    /// - Parameters:
    ///   - file: The file, with the size and digest from ``modelInfo(_:revision:)``.
    ///   - repository: The repository.
    ///   - commit: The commit to download from, so that every file comes from the same one.
    ///   - destination: Where the verified file goes.
    ///   - progress: Receives download events.
    /// - Returns: The number of bytes received, over every attempt (0 when a complete file was
    ///   reused; less than the file's size when a partial download was resumed).
    /// - Throws: ``HubError/sizeMismatch(path:expected:actual:)`` or
    ///   ``HubError/checksumMismatch(path:algorithm:expected:actual:)`` (the bad file is
    ///   deleted), ``HubError/interrupted(path:received:expected:reason:)`` when every attempt
    ///   was cut off, or an HTTP or file-system error; `CancellationError` when the task is
    ///   cancelled (the partial file stays for the next call).
    @discardableResult
    public func download(
        _ file: HubFile, from repository: HubRepositoryID, commit: String, to destination: URL,
        progress: (@Sendable (PullEvent) -> Void)? = nil
    ) async throws -> Int {
        if FileManager.default.fileExists(atPath: destination.path) {
            if (try? verify(destination, against: file, displayPath: file.path)) != nil {
                progress?(.reused(path: file.path))
                return 0
            }
            try? FileManager.default.removeItem(at: destination)
        }
        let partial = destination.deletingLastPathComponent().appendingPathComponent(destination.lastPathComponent + ".incomplete")
        let url = configuration.fileURL(repository: repository, revision: commit, path: file.path)
        var transferred = 0
        var expected = file
        try await retrying(path: file.path, progress: progress) { () async throws(HubError) in
            try await transfer(url: url, file: &expected, repository: repository, to: partial, counting: &transferred, progress: progress)
        }
        let digest = try verify(partial, against: expected, displayPath: file.path, deleteOnMismatch: true)
        progress?(.verified(path: file.path, digest: digest))
        do {
            try FileManager.default.moveItem(at: partial, to: destination)
        } catch {
            throw HubError.fileSystem(path: destination.path, reason: "cannot move the download into place: \(error.localizedDescription)")
        }
        return transferred
    }

    /// One attempt: requests the bytes from the end of `partial` on and appends them, adding
    /// every byte received to `transferred` (also when the attempt fails). A size or digest the
    /// model information lacked (a mirror that ignores `blobs=true`) is filled in from the Hub's
    /// response headers.
    private func transfer(
        url: String, file: inout HubFile, repository: HubRepositoryID, to partial: URL, counting transferred: inout Int,
        progress: (@Sendable (PullEvent) -> Void)?
    ) async throws(HubError) {
        var offset = Self.size(of: partial) ?? 0
        if let expected = file.size, offset > expected {
            try Self.truncate(partial, to: 0)
            offset = 0
        }
        if let expected = file.size, offset == expected, expected > 0 { return }  // verified by the caller

        var request = request(url)
        if offset > 0 { request.headers.replaceOrAdd(name: "Range", value: "bytes=\(offset)-") }
        progress?(.downloading(path: file.path, offset: offset, size: file.size))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(configuration.downloadTimeout.nanoseconds))
        } catch {
            throw .interrupted(path: file.path, received: offset, expected: file.size, reason: Self.describe(error))
        }
        if (200...299).contains(response.status.code) { Self.complete(&file, from: response) }
        switch response.status.code {
        case 200:
            // The server sent the whole file (it ignored or could not honour the range).
            offset = 0
        case 206:
            let start = Self.rangeStart(response.headers.first(name: "Content-Range"))
            guard start == offset else {
                try Self.truncate(partial, to: 0)
                throw .interrupted(
                    path: file.path, received: 0, expected: file.size,
                    reason: "the server answered the resume request with another range (\(response.headers.first(name: "Content-Range") ?? "none")); starting over")
            }
        case 416:
            // The partial file does not fit the file on the server: start over.
            try Self.truncate(partial, to: 0)
            throw .interrupted(path: file.path, received: 0, expected: file.size, reason: "the server refused to resume at byte \(offset); starting over")
        case 401, 403:
            throw .unauthorized(repository: repository.id, status: Int(response.status.code), hasToken: configuration.token != nil)
        case 404:
            throw .fileNotFound(repository: repository.id, path: file.path)
        default:
            let body = try? await response.body.collect(upTo: 1 << 16)
            throw .httpStatus(url: url, status: Int(response.status.code), body: body.map(Self.excerpt) ?? "")
        }

        let handle = try Self.openForAppending(partial, truncatingTo: offset)
        defer { try? handle.close() }
        var received = offset
        var reported = offset
        let reportEvery = max(1 << 20, (file.size ?? 0) / 50)
        do {
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                received += buffer.readableBytes
                transferred += buffer.readableBytes
                if received - reported >= reportEvery {
                    reported = received
                    progress?(.progress(path: file.path, received: received, size: file.size))
                }
            }
        } catch {
            throw .interrupted(path: file.path, received: received, expected: file.size, reason: Self.describe(error))
        }
        if let expected = file.size, received < expected {
            throw .interrupted(path: file.path, received: received, expected: expected, reason: "the connection ended early")
        }
        progress?(.progress(path: file.path, received: received, size: file.size))
    }

    /// Checks a file's size and digest; returns the digest checked, if any.
    @discardableResult
    private func verify(_ url: URL, against file: HubFile, displayPath: String, deleteOnMismatch: Bool = false) throws(HubError) -> FileDigest? {
        let actualSize = Self.size(of: url) ?? 0
        if let expected = file.size, actualSize != expected {
            if deleteOnMismatch { try? FileManager.default.removeItem(at: url) }
            throw .sizeMismatch(path: displayPath, expected: expected, actual: actualSize)
        }
        guard let expected = file.expectedDigest else { return nil }
        let actual = try FileDigest.compute(expected.algorithm, of: url)
        guard actual == expected else {
            if deleteOnMismatch { try? FileManager.default.removeItem(at: url) }
            throw .checksumMismatch(path: displayPath, algorithm: expected.algorithm.rawValue, expected: expected.hex, actual: actual.hex)
        }
        return actual
    }

    /// Runs `work`, retrying transient failures as ``retryPolicy`` says.
    private func retrying<T>(
        path: String, progress: (@Sendable (PullEvent) -> Void)?, _ work: () async throws(HubError) -> T
    ) async throws -> T {
        let policy = retryPolicy
        return try await policy.run(work) { failure, retries in
            guard let error = failure as? HubError, error.isTransient, retries < policy.maxRetries else { throw failure }
            progress?(.retrying(path: path, attempt: retries + 2, reason: error.description))
            return policy.backoff(beforeRetry: retries)
        }
    }

    /// ``HubConfiguration/maxAttempts`` attempts, the pause doubling from
    /// ``HubConfiguration/retryDelay`` before each further one. Without jitter: jitter spreads
    /// many clients' retries apart, and a pull is one client.
    var retryPolicy: RetryPolicy {
        let retries = configuration.maxAttempts - 1
        var clock = RetryClock.system
        clock.random = { 0 }
        return RetryPolicy(
            maxRetries: retries, initialBackoff: configuration.retryDelay,
            maxBackoff: configuration.retryDelay * Double(1 << min(max(retries - 1, 0), 30)), clock: clock)
    }

    private func request(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "embed/0.1 (swift-embed)")
        if let token = configuration.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }

    // MARK: Helpers

    /// Fills in a missing size and digest from the Hub's own answer — the first response,
    /// before any redirect to storage: `X-Linked-Size` and `X-Linked-Etag` (the SHA-256 of an
    /// LFS file), or `ETag` (git's blob id of a small file) and the length of a complete body.
    static func complete(_ file: inout HubFile, from response: HTTPClientResponse) {
        let hub = response.history.first?.responseHead.headers ?? response.headers
        func tag(_ name: String) -> String? {
            guard var value = hub.first(name: name) else { return nil }
            if value.hasPrefix("W/") { value.removeFirst(2) }
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
        }
        if file.size == nil {
            if let linked = hub.first(name: "X-Linked-Size").flatMap(Int.init) {
                file.size = linked
            } else if response.status.code == 200, let length = response.headers.first(name: "Content-Length").flatMap(Int.init) {
                file.size = length
            } else if let total = response.headers.first(name: "Content-Range")?.split(separator: "/").last.flatMap({ Int($0) }) {
                file.size = total
            }
        }
        guard file.expectedDigest == nil else { return }
        if let linked = tag("X-Linked-Etag"), linked.count == 64, linked.allSatisfy(\.isHexDigit) {
            file.sha256 = linked
        } else if let etag = tag("ETag"), etag.count == 40, etag.allSatisfy(\.isHexDigit), response.history.count <= 1 {
            file.gitBlobID = etag
        }
    }

    /// The first byte of a `Content-Range: bytes START-END/TOTAL` header.
    static func rangeStart(_ header: String?) -> Int? {
        guard let header, header.lowercased().hasPrefix("bytes ") else { return nil }
        return header.dropFirst(6).split(separator: "-").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func size(of url: URL) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
    }

    private static func truncate(_ url: URL, to size: Int) throws(HubError) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.truncate(atOffset: UInt64(size))
        } catch {
            throw .fileSystem(path: url.path, reason: "cannot truncate it: \(error.localizedDescription)")
        }
    }

    private static func openForAppending(_ url: URL, truncatingTo size: Int) throws(HubError) -> FileHandle {
        do {
            if !FileManager.default.fileExists(atPath: url.path) {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: UInt64(size))
            try handle.seekToEnd()
            return handle
        } catch {
            throw .fileSystem(path: url.path, reason: "cannot write it: \(error.localizedDescription)")
        }
    }

    private static func excerpt(_ buffer: ByteBuffer) -> String {
        let text = String(decoding: buffer.readableBytesView.prefix(300), as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        return text.isEmpty ? String(describing: type(of: error)) : text
    }
}
