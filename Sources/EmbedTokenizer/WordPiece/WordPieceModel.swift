/// The WordPiece model: greedy longest-match-first over a word, as Hugging Face `tokenizers`
/// (`models/wordpiece/mod.rs`) does it.
struct WordPieceModel: Sendable {
    let table: VocabularyTable
    let continuingPrefix: [UInt32]
    let continuingPrefixHash: UInt64
    let unknownID: Int32
    let maxCharactersPerWord: Int

    init(table: VocabularyTable, continuingPrefix: String, unknownID: Int32, maxCharactersPerWord: Int) {
        self.table = table
        self.continuingPrefix = continuingPrefix.unicodeScalars.map(\.value)
        self.continuingPrefixHash = self.continuingPrefix.reduce(VocabularyTable.offsetBasis, VocabularyTable.hash)
        self.unknownID = unknownID
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    /// Appends the ids of the word `text[start..<end]` (one pre-tokenized word) to `ids`.
    ///
    /// A word of more than `maxCharactersPerWord` scalars, or one that cannot be covered by
    /// vocabulary pieces, becomes a single unknown token.
    @inline(__always)
    func encode(_ text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, into ids: inout [Int32]) {
        if start >= end { return }
        if end - start > maxCharactersPerWord {
            ids.append(unknownID)
            return
        }
        let firstPiece = ids.count
        let covered = continuingPrefix.withUnsafeBufferPointer { prefix in
            let noPrefix = UnsafeBufferPointer<UInt32>(start: nil, count: 0)
            var pieceStart = start
            while pieceStart < end {
                let usesPrefix = pieceStart > start
                // Walk forward while some token starts with the scalars seen; remember the
                // longest that is a whole token.
                var state = usesPrefix ? continuingPrefixHash : VocabularyTable.offsetBasis
                var pieceEnd = pieceStart
                var longest: Int32 = -1
                var longestEnd = pieceStart
                walk: while pieceEnd < end {
                    state = VocabularyTable.hash(state, text[pieceEnd])
                    pieceEnd += 1
                    switch table.lookup(
                        hash: state, prefix: usesPrefix ? prefix : noPrefix, word: text, start: pieceStart,
                        end: pieceEnd)
                    {
                    case .none:
                        break walk
                    case .prefix:
                        continue
                    case .token(let id):
                        longest = id
                        longestEnd = pieceEnd
                    }
                }
                guard longest >= 0 else { return false }
                ids.append(longest)
                pieceStart = longestEnd
            }
            return true
        }
        if !covered {
            ids.removeSubrange(firstPiece...)
            ids.append(unknownID)
        }
    }
}
