// The hand-written regular expressions of the pre-tokenizers and the character classes they test.

/// GPT-2's byte-to-unicode table: printable bytes stand for themselves, the others for
/// U+0100 onwards in byte order, so every byte string is a printable string.
enum ByteLevelAlphabet {
    static let scalars: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()
}

/// The character classes the pre-tokenizers test, as the regex engines inside `tokenizers` see
/// them (``RegexClassTables``, read from the library, so that characters assigned after its
/// Unicode version split as they do there).
struct RegexClass: Sendable {
    let rawValue: UInt8

    /// The GPT-2 pattern's family (`\p{L}`, `\p{N}`, `\s` in Oniguruma, or none of them).
    @inline(__always)
    var family: CharacterCategory { CharacterCategory(rawValue: rawValue & 3)! }
    /// The `regex` crate's `\w` (the Whitespace pre-tokenizer).
    @inline(__always)
    var isWord: Bool { rawValue & 4 != 0 }
    /// The `regex` crate's `\s` (the Whitespace pre-tokenizer).
    @inline(__always)
    var isSpace: Bool { rawValue & 8 != 0 }
    /// Rust's `char::is_numeric` (the Digits pre-tokenizer).
    @inline(__always)
    var isNumeric: Bool { rawValue & 16 != 0 }

    @inline(__always)
    static func of(_ value: UInt32) -> RegexClass {
        RegexClass(rawValue: value < tableSize ? table[Int(value)] : compute(value))
    }

    private static let tableSize: UInt32 = 0x2_0000

    /// U+0000…U+1FFFF, computed once on first use.
    private static let table: [UInt8] = (0..<tableSize).map { compute($0) }

    private static func compute(_ value: UInt32) -> UInt8 {
        var bits: UInt8 = 0
        if UnicodeTables.contains(RegexClassTables.onigSpace, value) {
            bits = CharacterCategory.space.rawValue
        } else if UnicodeTables.contains(RegexClassTables.onigLetter, value) {
            bits = CharacterCategory.letter.rawValue
        } else if UnicodeTables.contains(RegexClassTables.onigNumber, value) {
            bits = CharacterCategory.number.rawValue
        }
        if UnicodeTables.contains(RegexClassTables.regexWord, value) { bits |= 4 }
        if UnicodeTables.contains(RegexClassTables.regexSpace, value) { bits |= 8 }
        if UnicodeTables.contains(RegexClassTables.numeric, value) { bits |= 16 }
        return bits
    }
}

/// The families the GPT-2 pattern tests: `\p{L}`, `\p{N}`, `\s`, or none of them.
enum CharacterCategory: UInt8, Sendable {
    case other = 0, letter, number, space

    @inline(__always)
    static func of(_ value: UInt32) -> CharacterCategory { RegexClass.of(value).family }
}

/// GPT-2's split pattern, written out: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
/// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, leftmost-first as the regex engine tries it.
enum GPT2Splitter {
    /// The pattern as `tokenizer.json` files spell it in a `Split` pre-tokenizer.
    static let pattern = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

    /// Calls `body` with each match of the pattern in `text[range]`, in order; the matches cover
    /// the whole range.
    static func split(_ text: [UInt32], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let value = text[index]
            if value == 0x27, index + 1 < end {  // '
                let next = text[index + 1]
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    body(index..<index + 2)
                    index += 2
                    continue
                }
                if index + 2 < end {
                    let third = text[index + 2]
                    if (next == 0x72 && third == 0x65) || (next == 0x76 && third == 0x65) || (next == 0x6C && third == 0x6C) {
                        body(index..<index + 3)  // re ve ll
                        index += 3
                        continue
                    }
                }
            }
            // An optional space, then a run of one family.
            let head = value == 0x20 && index + 1 < end ? index + 1 : index
            let family = CharacterCategory.of(text[head])
            if family != .space {
                var stop = head + 1
                while stop < end, CharacterCategory.of(text[stop]) == family { stop += 1 }
                body(index..<stop)
                index = stop
                continue
            }
            // White space: the run, minus its last character when something follows it.
            var stop = index + 1
            while stop < end, CharacterCategory.of(text[stop]) == .space { stop += 1 }
            if stop < end, stop - index >= 2 { stop -= 1 }
            body(index..<stop)
            index = stop
        }
    }
}

/// The split pattern of Llama 3 (and, with single digits, of Qwen2), written out:
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
/// \s*[\r\n]+|\s+(?!\S)|\s+`, leftmost-first as Oniguruma tries it.
enum LlamaSplitter {
    /// Llama 3's pattern as `tokenizer.json` files spell it.
    static let llama3Pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    /// Qwen2's: the same with one digit at a time.
    static let qwen2Pattern =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

    @inline(__always)
    private static func isNewline(_ value: UInt32) -> Bool { value == 0x0A || value == 0x0D }

    /// Whether `value` matches the letter `lower` case-insensitively, as Oniguruma's Unicode case
    /// folding does (`ſ` folds to `s`).
    @inline(__always)
    private static func folds(_ value: UInt32, to lower: UInt32) -> Bool {
        value == lower || value == lower - 0x20 || (lower == 0x73 && value == 0x17F)
    }

    /// Calls `body` with each match in `text[range]`, in order; the matches cover the whole range.
    static func split(_ text: [UInt32], _ range: Range<Int>, maxDigits: Int, _ body: (Range<Int>) -> Void) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let stop = matchEnd(text, at: index, end: end, maxDigits: maxDigits)
            body(index..<stop)
            index = stop
        }
    }

    private static func matchEnd(_ text: [UInt32], at index: Int, end: Int, maxDigits: Int) -> Int {
        let value = text[index]
        let family = CharacterCategory.of(value)
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if value == 0x27, index + 1 < end {
            let next = text[index + 1]
            if folds(next, to: 0x73) || folds(next, to: 0x74) || folds(next, to: 0x6D) || folds(next, to: 0x64) {
                return index + 2
            }
            if index + 2 < end {
                let third = text[index + 2]
                if (folds(next, to: 0x72) && folds(third, to: 0x65)) || (folds(next, to: 0x76) && folds(third, to: 0x65))
                    || (folds(next, to: 0x6C) && folds(third, to: 0x6C))
                {
                    return index + 3
                }
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        var letters = index
        if family != .letter, family != .number, !isNewline(value), index + 1 < end,
            CharacterCategory.of(text[index + 1]) == .letter
        {
            letters = index + 1
        }
        if CharacterCategory.of(text[letters]) == .letter {
            var stop = letters + 1
            while stop < end, CharacterCategory.of(text[stop]) == .letter { stop += 1 }
            return stop
        }
        // \p{N}{1,maxDigits}
        if family == .number {
            var stop = index + 1
            while stop < end, stop - index < maxDigits, CharacterCategory.of(text[stop]) == .number { stop += 1 }
            return stop
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        let head = value == 0x20 && index + 1 < end ? index + 1 : index
        if CharacterCategory.of(text[head]) == .other {
            var stop = head + 1
            while stop < end, CharacterCategory.of(text[stop]) == .other { stop += 1 }
            while stop < end, isNewline(text[stop]) { stop += 1 }
            return stop
        }
        // White space: \s*[\r\n]+ up to the run's last newline; else \s+(?!\S); else \s+.
        var stop = index + 1
        var lastNewline = isNewline(value) ? index : -1
        while stop < end, CharacterCategory.of(text[stop]) == .space {
            if isNewline(text[stop]) { lastNewline = stop }
            stop += 1
        }
        if lastNewline >= 0 { return lastNewline + 1 }
        if stop < end, stop - index >= 2 { stop -= 1 }
        return stop
    }
}

