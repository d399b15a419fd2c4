/// One progress line of an Ollama model download (`POST /api/pull`, streamed).
///
/// Lines arrive as `pulling manifest`, then `pulling <digest>` with byte counts per layer,
/// `verifying sha256 digest`, `writing manifest` and `success`.
public struct OllamaPullProgress: Sendable, Hashable {
    /// The step, e.g. `pulling manifest` or `success`.
    public var status: String
    /// The layer being downloaded, when the step is a download.
    public var digest: String?
    /// The layer's size in bytes, when known.
    public var totalBytes: Int64?
    /// Bytes of the layer downloaded so far, when known.
    public var completedBytes: Int64?

    /// Creates a progress value.
    public init(status: String, digest: String? = nil, totalBytes: Int64? = nil, completedBytes: Int64? = nil) {
        self.status = status
        self.digest = digest
        self.totalBytes = totalBytes
        self.completedBytes = completedBytes
    }

    /// The fraction of the current layer downloaded, in `0...1`, when both counts are known.
    public var fractionCompleted: Double? {
        guard let totalBytes, totalBytes > 0, let completedBytes else { return nil }
        return min(1, Double(completedBytes) / Double(totalBytes))
    }
}
