/// One input line: the text to embed, and the line it came from.
public struct TextRecord: Sendable, Hashable {
    /// The 1-based line number in the input.
    public var line: Int
    /// The `text` field.
    public var text: String

    /// Creates a record.
    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }
}
