import EmbedCore
import Foundation

/// An on-disk cache of vectors, so that a repeated comparison or `embed encode --cache` does not
/// pay a hosted provider twice for the same text.
///
/// Entries are keyed by ``CacheKey`` (provider, model, options) and the text. Each entry is one
/// small file named by the SHA-256 of key and text:
///
///     DIRECTORY/PROVIDER--MODEL--KEYHASH/ab/cdef….vec
///
/// with a `key.json` beside the fan-out folders saying which key the folder holds, so that a
/// provider's or model's entries can be found and deleted by hand.
///
/// Safety: every entry is written to a temporary file and renamed into place (see
/// `AtomicFile`), so readers and
/// concurrent writers (threads or processes) see an old entry, a new one, or none — never half
/// of one. Reading checks the entry's length, its embedded name and its checksum; an entry
/// that fails is reported to ``onProblem`` and treated as a miss, and the next ``store(_:for:key:)``
/// overwrites it. A lookup never throws and never returns another text's vector.
public final class VectorCache: Sendable {
    /// The cache's root folder; created on the first store.
    public let directory: URL

    /// Called for every entry that exists but cannot be used, and for failed writes of
    /// ``CachingEmbedder``; `nil` ignores them.
    public let onProblem: (@Sendable (VectorCacheProblem) -> Void)?

    /// Creates a cache in `directory` (see ``defaultDirectory(environment:)``).
    ///
    /// - Parameters:
    ///   - directory: The root folder; it need not exist yet.
    ///   - onProblem: Receives a report for each corrupt entry that lookups skip.
    public init(directory: URL, onProblem: (@Sendable (VectorCacheProblem) -> Void)? = nil) {
        self.directory = directory
        self.onProblem = onProblem
    }

    /// The default cache folder: `$EMBED_HOME/cache`, where `EMBED_HOME` defaults to
    /// `~/.cache/embed` (the same home the model locator uses).
    ///
    /// - Parameter environment: Where `EMBED_HOME` and `HOME` are read; a leading `~/` in
    ///   `EMBED_HOME` is expanded with `HOME`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        EmbedHome(environment: environment).vectorCacheDirectory
    }

    /// The result of a lookup: one optional vector per text, and the entries that were skipped.
    public struct Lookup: Sendable, Hashable {
        /// The cached vector of each text, in input order; `nil` for a miss.
        public var vectors: [[Float]?]
        /// Entries that existed but could not be used (each also sent to ``VectorCache/onProblem``).
        public var problems: [VectorCacheProblem]

        /// The positions of the misses, in input order.
        public var missingIndices: [Int] { vectors.indices.filter { vectors[$0] == nil } }
    }

    /// Returns the cached vector of each text under `key`, `nil` for a miss; corrupt entries are
    /// reported to ``onProblem`` and count as misses.
    public func vectors(for texts: [String], key: CacheKey) -> [[Float]?] {
        lookup(texts, key: key).vectors
    }

    /// Looks texts up and also returns the problems found.
    public func lookup(_ texts: [String], key: CacheKey) -> Lookup {
        let folder = keyFolder(key)
        var vectors: [[Float]?] = []
        var problems: [VectorCacheProblem] = []
        vectors.reserveCapacity(texts.count)
        for text in texts {
            let name = key.entryDigest(for: text)
            let url = entryURL(name: name, in: folder)
            guard FileManager.default.fileExists(atPath: url.path) else {
                vectors.append(nil)
                continue
            }
            let outcome: Result<[Float], VectorCacheEntry.DecodeFailure>
            do {
                outcome = VectorCacheEntry.decode(try Data(contentsOf: url), name: name)
            } catch {
                outcome = .failure(.init("it cannot be read: \(error.localizedDescription)"))
            }
            switch outcome {
            case .success(let vector):
                vectors.append(vector)
            case .failure(let failure):
                let problem = VectorCacheProblem(path: url.path, reason: failure.reason)
                problems.append(problem)
                onProblem?(problem)
                vectors.append(nil)
            }
        }
        return Lookup(vectors: vectors, problems: problems)
    }

    /// Stores one vector per text under `key`, replacing existing entries.
    ///
    /// - Throws: ``VectorCacheError`` when the counts differ or a vector is empty or not finite
    ///   (checked before anything is written), or when a file cannot be written.
    public func store(_ vectors: [[Float]], for texts: [String], key: CacheKey) throws(VectorCacheError) {
        guard vectors.count == texts.count else { throw .countMismatch(texts: texts.count, vectors: vectors.count) }
        if let bad = vectors.firstIndex(where: { $0.isEmpty || !$0.allSatisfy(\.isFinite) }) {
            throw .invalidVector(index: bad)
        }
        guard !texts.isEmpty else { return }
        let folder = keyFolder(key)
        try writeKeyDescription(key, in: folder)
        var written = Set<String>()
        for (text, vector) in zip(texts, vectors) where written.insert(text).inserted {
            let name = key.entryDigest(for: text)
            let url = entryURL(name: name, in: folder)
            try write(VectorCacheEntry.encode(vector, name: name), to: url)
        }
    }

    /// The file that holds (or would hold) the entry of `text` under `key`.
    public func entryURL(for text: String, key: CacheKey) -> URL {
        entryURL(name: key.entryDigest(for: text), in: keyFolder(key))
    }

    // MARK: Layout

    private func keyFolder(_ key: CacheKey) -> URL {
        let readable = "\(Self.sanitized(key.provider))--\(Self.sanitized(key.model))"
        return directory.appendingPathComponent("\(readable)--\(key.digest.prefix(6).hexString)", isDirectory: true)
    }

    private func entryURL(name: [UInt8], in folder: URL) -> URL {
        let hex = name.hexString
        return folder.appendingPathComponent(String(hex.prefix(2)), isDirectory: true)
            .appendingPathComponent(String(hex.dropFirst(2)) + ".vec")
    }

    /// A folder-name-safe version of `text`: letters, digits, `.`, `_` and `-` kept, anything else
    /// `_`, at most 48 characters. The key hash after it keeps distinct keys apart.
    private static func sanitized(_ text: String) -> String {
        let safe = text.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        }
        let result = String(safe.prefix(48))
        return result.isEmpty || result.allSatisfy({ $0 == "." }) ? "_" : result
    }

    private func writeKeyDescription(_ key: CacheKey, in folder: URL) throws(VectorCacheError) {
        let url = folder.appendingPathComponent("key.json")
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try write(try encoder.encode(key), to: url)
        } catch let error as VectorCacheError {
            throw error
        } catch {
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }

    /// Writes `data` to a temporary file next to `url` and renames it into place.
    private func write(_ data: Data, to url: URL) throws(VectorCacheError) {
        let folder = url.deletingLastPathComponent()
        do {
            if !FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw .writeFailed(path: url.path, reason: error.localizedDescription)
        }
        do {
            try AtomicFile.write([UInt8](data), to: url)
        } catch {
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }
}
