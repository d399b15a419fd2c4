/// Why vectors could not be stored in a ``VectorCache``.
public struct VectorCacheError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case countMismatch(texts: Int, vectors: Int)
        case invalidVector(index: Int)
        case writeFailed(path: String, reason: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// `store` was given a different number of vectors than texts.
    public static func countMismatch(texts: Int, vectors: Int) -> Self { Self(.countMismatch(texts: texts, vectors: vectors)) }

    /// Vector `index` is empty or has a NaN or infinite component; nothing was stored.
    public static func invalidVector(index: Int) -> Self { Self(.invalidVector(index: index)) }

    /// Writing the file at `path` failed.
    public static func writeFailed(path: String, reason: String) -> Self { Self(.writeFailed(path: path, reason: reason)) }

    /// What went wrong, and that nothing was stored when the input was invalid.
    public var description: String {
        switch code {
        case .countMismatch(let texts, let vectors):
            "Cannot cache \(vectors) vectors for \(texts) texts; nothing was stored."
        case .invalidVector(let index):
            "Vector \(index) is empty or has a NaN or infinite value; nothing was stored."
        case .writeFailed(let path, let reason):
            "Cannot write the cache entry \(path): \(reason)"
        }
    }
}

/// A cache entry that was found but not used: unreadable, truncated, for another text, or
/// failing its checksum. It is treated as a miss, and the next store overwrites it.
public struct VectorCacheProblem: Sendable, Hashable, CustomStringConvertible {
    /// The entry's file.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// Creates a problem report.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The entry and why it was skipped.
    public var description: String { "Ignoring the cache entry \(path): \(reason)" }
}
