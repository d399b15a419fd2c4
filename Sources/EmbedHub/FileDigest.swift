import Crypto
import EmbedCore
import Foundation

/// A digest a downloaded file must match.
public struct FileDigest: Sendable, Hashable, CustomStringConvertible {
    /// How the digest is computed.
    public enum Algorithm: String, Sendable, Hashable {
        /// SHA-256 of the content: what Git LFS (and so the Hub, for weights) records.
        case sha256 = "sha256"
        /// SHA-1 of `blob SIZE\0` followed by the content: git's id of a file it stores.
        case gitBlobSHA1 = "git blob sha1"
    }

    /// The algorithm.
    public var algorithm: Algorithm
    /// The digest in lower-case hexadecimal.
    public var hex: String

    /// Creates a digest.
    public init(algorithm: Algorithm, hex: String) {
        self.algorithm = algorithm
        self.hex = hex.lowercased()
    }

    public var description: String { "\(algorithm.rawValue) \(hex)" }

    /// Computes the digest of the file at `url` with `algorithm`, reading it in 1 MiB pieces.
    ///
    /// - Throws: ``HubError/fileSystem(path:reason:)`` when the file cannot be read.
    public static func compute(_ algorithm: Algorithm, of url: URL) throws(HubError) -> FileDigest {
        let handle: FileHandle
        let size: Int
        do {
            handle = try FileHandle(forReadingFrom: url)
            size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        } catch {
            throw .fileSystem(path: url.path, reason: "cannot read it: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        switch algorithm {
        case .sha256:
            var hasher = SHA256()
            try feed(&hasher, from: handle, path: url.path)
            return FileDigest(algorithm: algorithm, hex: hasher.finalize().hexString)
        case .gitBlobSHA1:
            var hasher = Insecure.SHA1()
            hasher.update(data: Data("blob \(size)\0".utf8))
            try feed(&hasher, from: handle, path: url.path)
            return FileDigest(algorithm: algorithm, hex: hasher.finalize().hexString)
        }
    }

    private static func feed(_ hasher: inout some HashFunction, from handle: FileHandle, path: String) throws(HubError) {
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw .fileSystem(path: path, reason: "reading failed: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { return }
            hasher.update(data: chunk)
        }
    }
}
