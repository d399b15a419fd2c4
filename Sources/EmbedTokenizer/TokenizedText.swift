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

extension TokenizedText {
    /// The ids of one text as every tokenizer kind lays them out: `leading`, as much of `content`
    /// as fits in `limit` ids next to the special tokens (sentence-transformers' truncation, which
    /// keeps them), then `trailing`.
    init(content: [Int32], leading: [Int32], trailing: [Int32], limit: Int) {
        let specialCount = leading.count + trailing.count
        let kept = min(content.count, max(0, limit - specialCount))
        var ids: [Int32] = []
        ids.reserveCapacity(kept + specialCount)
        ids.append(contentsOf: leading)
        ids.append(contentsOf: content[..<kept])
        ids.append(contentsOf: trailing)
        self.init(ids: ids, untruncatedCount: content.count + specialCount, isTruncated: kept < content.count)
    }
}
