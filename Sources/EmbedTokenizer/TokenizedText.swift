/// The token ids of one text, ready for the model.
public struct TokenizedText: Sendable, Hashable {
    /// The ids the model reads: special tokens included, content cut to the maximum length.
    public var ids: [Int32]

    /// How many tokens the text produced before truncation, special tokens included.
    public var untruncatedCount: Int

    /// Whether content tokens were cut to fit the maximum length.
    public var isTruncated: Bool

    /// Creates a tokenized text.
    public init(ids: [Int32], untruncatedCount: Int, isTruncated: Bool) {
        self.ids = ids
        self.untruncatedCount = untruncatedCount
        self.isTruncated = isTruncated
    }

    /// The number of ids (after truncation).
    public var count: Int { ids.count }
}
