/// Why a JSON Lines input could not be read. Every case names the line (1-based).
public struct JSONLinesError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The 1-based line number, or 0 when the error is about the whole input.
    public let line: Int
    /// What is wrong.
    public let reason: String
    /// The input's name (`-` for standard input, else the path).
    public let source: String

    /// Creates an error.
    public init(line: Int, reason: String, source: String) {
        self.line = line
        self.reason = reason
        self.source = source
    }

    public var description: String {
        line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)"
    }
}
