import Foundation

/// What the Hub says about one revision of a model repository: the commit it resolves to and
/// every file in it, with the size and digests a download is checked against.
///
/// Decoded from `GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true`.
public struct HubModelInfo: Sendable, Hashable, Decodable {
    /// The commit the revision resolves to (40 hex digits).
    public var commit: String
    /// Every file in the repository at that commit.
    public var files: [HubFile]

    /// Creates information from its parts.
    public init(commit: String, files: [HubFile]) {
        self.commit = commit
        self.files = files
    }

    private enum CodingKeys: String, CodingKey {
        case commit = "sha"
        case files = "siblings"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commit = try container.decode(String.self, forKey: .commit)
        files = try container.decodeIfPresent([HubFile].self, forKey: .files) ?? []
    }

    /// The file at `path`, if the repository has one.
    public func file(_ path: String) -> HubFile? { files.first { $0.path == path } }
}

/// One file of a Hub repository.
public struct HubFile: Sendable, Hashable, Decodable {
    /// The path within the repository (`1_Pooling/config.json`).
    public var path: String
    /// The size in bytes, when the Hub reported it.
    public var size: Int?
    /// The git blob id (SHA-1 of `blob SIZE\0` + content) of a file stored in git.
    public var gitBlobID: String?
    /// The SHA-256 of a file stored with Git LFS (weights).
    public var sha256: String?

    /// Creates a file entry.
    public init(path: String, size: Int? = nil, gitBlobID: String? = nil, sha256: String? = nil) {
        self.path = path
        self.size = size
        self.gitBlobID = gitBlobID
        self.sha256 = sha256
    }

    private enum CodingKeys: String, CodingKey {
        case path = "rfilename"
        case size
        case gitBlobID = "blobId"
        case lfs
    }

    private struct LFS: Decodable {
        var sha256: String?
        var oid: String?
        var size: Int?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        let lfs = try container.decodeIfPresent(LFS.self, forKey: .lfs)
        size = try lfs?.size ?? container.decodeIfPresent(Int.self, forKey: .size)
        // Older API versions spell the LFS digest `oid: "sha256:…"`.
        sha256 = (lfs?.sha256 ?? lfs?.oid.map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 })?.lowercased()
        // For an LFS file the git blob is the pointer file, not the content: useless for checking.
        gitBlobID = lfs == nil ? try container.decodeIfPresent(String.self, forKey: .gitBlobID)?.lowercased() : nil
    }

    /// The expected digest of the content, strongest first: SHA-256 for LFS files, the git blob
    /// SHA-1 otherwise; `nil` when the Hub gave neither.
    public var expectedDigest: FileDigest? {
        if let sha256 { return FileDigest(algorithm: .sha256, hex: sha256) }
        if let gitBlobID { return FileDigest(algorithm: .gitBlobSHA1, hex: gitBlobID) }
        return nil
    }
}
