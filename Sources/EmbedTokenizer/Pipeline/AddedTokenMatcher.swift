/// A piece of text after added tokens are split out: either a range still to tokenize or the id
/// of a matched added token.
enum TextPiece: Sendable {
    case text(Range<Int>)
    case token(Int32)
}

/// Finds added tokens in text as Hugging Face's `AddedVocabulary::find_matches` does: leftmost-
/// longest matches (its Aho-Corasick `LeftmostLongest`), honouring `single_word`, `lstrip` and
/// `rstrip`.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        let scalars: [UInt32]
        let id: Int32
        let isSingleWord: Bool
        let stripsLeft: Bool
        let stripsRight: Bool
    }

    /// Patterns by their first scalar, longest first.
    private let patternsByFirstScalar: [UInt32: [Pattern]]
    /// Bit `v` set when some pattern starts with the ASCII scalar `v`: a cheap first test.
    private let asciiFirstScalars: (low: UInt64, high: UInt64)
    private let hasNonASCIIFirstScalar: Bool

    /// Whether there is nothing to match.
    let isEmpty: Bool

    /// Creates a matcher for `tokens`, whose contents are given as scalar values (already
    /// normalized for the tokens matched after normalization). Empty contents never match.
    init(_ tokens: [(scalars: [UInt32], token: TokenizerConfiguration.AddedToken)]) {
        var byFirst: [UInt32: [Pattern]] = [:]
        var low: UInt64 = 0
        var high: UInt64 = 0
        var nonASCII = false
        for (scalars, token) in tokens {
            guard let first = scalars.first else { continue }
            byFirst[first, default: []].append(
                Pattern(
                    scalars: scalars, id: Int32(token.id), isSingleWord: token.isSingleWord,
                    stripsLeft: token.stripsLeft, stripsRight: token.stripsRight))
            switch first {
            case 0..<64: low |= 1 << UInt64(first)
            case 64..<128: high |= 1 << UInt64(first - 64)
            default: nonASCII = true
            }
        }
        // Stable sort: among equal lengths the first declared wins, like the automaton.
        patternsByFirstScalar = byFirst.mapValues { patterns in
            patterns.enumerated().sorted {
                ($0.element.scalars.count, -$0.offset) > ($1.element.scalars.count, -$1.offset)
            }.map(\.element)
        }
        asciiFirstScalars = (low, high)
        hasNonASCIIFirstScalar = nonASCII
        isEmpty = byFirst.isEmpty
    }

    @inline(__always)
    private func mayStartPattern(_ value: UInt32) -> Bool {
        switch value {
        case 0..<64: asciiFirstScalars.low & (1 << UInt64(value)) != 0
        case 64..<128: asciiFirstScalars.high & (1 << UInt64(value - 64)) != 0
        default: hasNonASCIIFirstScalar
        }
    }

    /// Returns the longest pattern that matches `text` at `index` without passing `end`.
    private func longestMatch(in text: [UInt32], at index: Int, end: Int) -> Pattern? {
        guard let candidates = patternsByFirstScalar[text[index]] else { return nil }
        for pattern in candidates where pattern.scalars.count <= end - index {
            var matches = true
            for (offset, value) in pattern.scalars.enumerated() where text[index + offset] != value {
                matches = false
                break
            }
            if matches { return pattern }
        }
        return nil
    }

    /// Replaces `pieces` with the added tokens of `range` of `text` and the text between them,
    /// or with the whole range when there are no added tokens to look for.
    func pieces(of text: [UInt32], range: Range<Int>, into pieces: inout [TextPiece]) {
        pieces.removeAll(keepingCapacity: true)
        if isEmpty {
            pieces.append(.text(range))
        } else {
            split(text, range: range, into: &pieces)
        }
    }

    /// Appends to `pieces` the split of `text[range]` into unmatched ranges and added tokens.
    func split(_ text: [UInt32], range: Range<Int>, into pieces: inout [TextPiece]) {
        var pieceStart = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            guard mayStartPattern(text[index]), let pattern = longestMatch(in: text, at: index, end: range.upperBound)
            else {
                index += 1
                continue
            }
            let matchEnd = index + pattern.scalars.count
            var start = index
            var stop = matchEnd
            // The search resumes after this match whether or not it is kept.
            index = matchEnd
            if pattern.isSingleWord {
                let wordBefore = start > range.lowerBound && Self.isWordCharacter(text[start - 1])
                let wordAfter = stop < range.upperBound && Self.isWordCharacter(text[stop])
                if wordBefore || wordAfter { continue }
            }
            if pattern.stripsLeft {
                var newStart = start
                while newStart > range.lowerBound, Self.isRegexSpace(text[newStart - 1]) { newStart -= 1 }
                // Spaces already consumed by the previous match stay with it.
                start = max(newStart, pieceStart)
            }
            if pattern.stripsRight {
                while stop < range.upperBound, Self.isRegexSpace(text[stop]) { stop += 1 }
            }
            if pieceStart < start { pieces.append(.text(pieceStart..<start)) }
            pieces.append(.token(pattern.id))
            pieceStart = stop
        }
        if pieceStart < range.upperBound { pieces.append(.text(pieceStart..<range.upperBound)) }
    }

    /// The Rust `regex` crate's Unicode `\w`: Alphabetic, marks, decimal digits, connector
    /// punctuation and Join_Control.
    static func isWordCharacter(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                || value == 0x5F
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }

    /// The `regex` crate's Unicode `\s`: White_Space.
    @inline(__always)
    static func isRegexSpace(_ value: UInt32) -> Bool {
        ScalarClass.isWhitespace(value)
    }
}
