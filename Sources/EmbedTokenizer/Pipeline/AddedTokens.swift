/// A tokenizer's added tokens, checked: by content and by id, the vocabulary size they imply, and
/// the matchers that split them out of raw and of normalized text — what every tokenizer kind
/// builds the same way.
struct AddedTokens {
    /// Each token's id by content.
    let ids: [String: Int32]
    /// Each token's content by id.
    let contents: [Int: String]
    /// One more than the largest id of the vocabulary and the added tokens.
    let vocabularySize: Int
    /// Tokens matched in the raw text (not `normalized`).
    let rawMatcher: AddedTokenMatcher
    /// Tokens matched in the normalized text, against their own normalized content.
    let normalizedMatcher: AddedTokenMatcher

    /// Checks `tokens` (empty ones skipped) and the template's ids against a vocabulary of
    /// `vocabularyCount` entries, and builds the matchers, normalizing normalized tokens' content
    /// with `normalize`.
    ///
    /// - Parameter source: The file named in errors, if any.
    /// - Throws: ``TokenizerError`` for an id outside `0...Int32.max` or a template token outside
    ///   the vocabulary.
    init(_ tokens: [TokenizerConfiguration.AddedToken], vocabularyCount: Int, template: TokenizerConfiguration.Template,
         source: String? = nil, normalize: (inout [UInt32]) -> Void) throws(TokenizerError) {
        var ids: [String: Int32] = [:]
        var contents: [Int: String] = [:]
        var largestID = -1
        var raw: [(scalars: [UInt32], token: TokenizerConfiguration.AddedToken)] = []
        var normalized: [(scalars: [UInt32], token: TokenizerConfiguration.AddedToken)] = []
        for token in tokens where !token.content.isEmpty {
            guard token.id >= 0, token.id <= Int(Int32.max) else {
                throw .invalidConfiguration("the added token '\(token.content)' has the invalid id \(token.id).")
            }
            ids[token.content] = Int32(token.id)
            contents[token.id] = token.content
            largestID = max(largestID, token.id)
            var scalars = token.content.unicodeScalars.map(\.value)
            if token.isNormalized {
                normalize(&scalars)
                normalized.append((scalars, token))
            } else {
                raw.append((scalars, token))
            }
        }
        let size = max(vocabularyCount, largestID + 1)
        for token in template.leading + template.trailing where token.id < 0 || token.id >= size {
            throw .invalidConfiguration(
                "the template token '\(token.token)' has id \(token.id), outside the vocabulary of \(size)"
                    + (source.map { " in \($0)." } ?? "."))
        }
        self.ids = ids
        self.contents = contents
        vocabularySize = size
        rawMatcher = AddedTokenMatcher(raw)
        normalizedMatcher = AddedTokenMatcher(normalized)
    }
}
