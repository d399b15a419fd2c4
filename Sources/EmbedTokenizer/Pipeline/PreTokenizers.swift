/// One word of a pre-tokenized text: a range of ``PreTokens/text``.
struct WordSpan: Sendable {
    var start: Int
    var end: Int
    /// Whether the word begins where the text given to the tokenizer begins (upstream's
    /// `offsets_original().0 == 0`, which Metaspace's `first` scheme asks).
    var atStart: Bool
}

/// A text cut into words, the state pre-tokenizers pass along.
struct PreTokens {
    var text: [UInt32] = []
    var words: [WordSpan] = []
    /// Delimiter ranges of one word, reused.
    var matches: [Range<Int>] = []

    /// Appends `start..<end` as a word unless it is empty (upstream drops empty splits).
    @inline(__always)
    mutating func appendWord(_ start: Int, _ end: Int, within word: WordSpan) {
        if start < end { words.append(WordSpan(start: start, end: end, atStart: word.atStart && start == word.start)) }
    }
}

/// How a split treats its delimiters (`SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"
}

/// Metaspace's `prepend_scheme`.
enum MetaspaceScheme: String, Sendable {
    case always, first, never
}

/// A `tokenizer.json` pre-tokenizer.
indirect enum PreTokenizerStep: Sendable {
    case metaspace(replacement: UInt32, scheme: MetaspaceScheme, split: Bool)
    case whitespaceSplit
    case whitespace
    case bert
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(TextPattern, SplitBehavior, invert: Bool)
    case punctuation(SplitBehavior)
    case digits(individual: Bool)
    case sequence([PreTokenizerStep])

    /// Applies the step to `state`, using `spare` as the other buffer.
    func apply(_ state: inout PreTokens, spare: inout PreTokens) {
        switch self {
        case .sequence(let steps):
            for step in steps { step.apply(&state, spare: &spare) }
            return
        case .metaspace(let replacement, let scheme, let split):
            Self.metaspace(state, into: &spare, replacement: replacement, scheme: scheme, split: split)
            swap(&state, &spare)
            return
        case .byteLevel(let addPrefixSpace, let useRegex):
            Self.byteLevel(state, into: &spare, addPrefixSpace: addPrefixSpace, useRegex: useRegex)
            swap(&state, &spare)
            return
        default:
            break
        }
        // The rest only cut words: the text stays, the word list is rebuilt.
        spare.words.removeAll(keepingCapacity: true)
        let text = state.text
        for word in state.words {
            switch self {
            case .whitespaceSplit:
                var start = word.start
                for index in word.start..<word.end where ScalarClass.isWhitespace(text[index]) {
                    spare.appendWord(start, index, within: word)
                    start = index + 1
                }
                spare.appendWord(start, word.end, within: word)
            case .bert:
                var start = word.start
                for index in word.start..<word.end {
                    let classes = ScalarClass.of(text[index])
                    if classes.has(.whitespace) {
                        spare.appendWord(start, index, within: word)
                        start = index + 1
                    } else if classes.has(.punctuation) {
                        spare.appendWord(start, index, within: word)
                        spare.appendWord(index, index + 1, within: word)
                        start = index + 1
                    }
                }
                spare.appendWord(start, word.end, within: word)
            case .whitespace:
                // `\w+|[^\w\s]+`: runs of word characters and runs of other non-space characters.
                var index = word.start
                while index < word.end {
                    let classes = RegexClass.of(text[index])
                    if classes.isSpace && !classes.isWord {
                        index += 1
                        continue
                    }
                    var end = index + 1
                    while end < word.end {
                        let next = RegexClass.of(text[end])
                        // `\w+` takes word characters; `[^\w\s]+` the rest that is not space.
                        guard next.isWord == classes.isWord, classes.isWord || !next.isSpace else { break }
                        end += 1
                    }
                    spare.appendWord(index, end, within: word)
                    index = end
                }
            case .split(let pattern, let behavior, let invert):
                state.matches.removeAll(keepingCapacity: true)
                pattern.forEachMatch(in: text, word.start..<word.end) { state.matches.append($0) }
                Self.split(word, delimiters: state.matches, behavior: behavior, invert: invert, into: &spare)
            case .punctuation(let behavior):
                state.matches.removeAll(keepingCapacity: true)
                for index in word.start..<word.end where ScalarClass.of(text[index]).has(.punctuation) {
                    state.matches.append(index..<index + 1)
                }
                Self.split(word, delimiters: state.matches, behavior: behavior, invert: false, into: &spare)
            case .digits(let individual):
                state.matches.removeAll(keepingCapacity: true)
                for index in word.start..<word.end where RegexClass.of(text[index]).isNumeric {
                    state.matches.append(index..<index + 1)
                }
                Self.split(
                    word, delimiters: state.matches, behavior: individual ? .isolated : .contiguous, invert: false,
                    into: &spare)
            case .metaspace, .byteLevel, .sequence:
                break
            }
        }
        swap(&state.words, &spare.words)
    }

    /// Upstream's `NormalizedString::split`: the word cut into delimiter and non-delimiter
    /// segments, folded as `behavior` says, empty pieces dropped.
    private static func split(
        _ word: WordSpan, delimiters: [Range<Int>], behavior: SplitBehavior, invert: Bool, into output: inout PreTokens
    ) {
        var pieceStart = -1
        var pieceEnd = -1
        var previousWasMatch = false
        func flush() {
            if pieceStart >= 0 { output.appendWord(pieceStart, pieceEnd, within: word) }
            pieceStart = -1
        }
        func visit(_ start: Int, _ end: Int, isDelimiter: Bool) {
            guard start < end else { return }
            let isMatch = isDelimiter != invert
            switch behavior {
            case .removed:
                if !isMatch { output.appendWord(start, end, within: word) }
            case .isolated:
                output.appendWord(start, end, within: word)
            case .mergedWithPrevious:
                if isMatch, !previousWasMatch, pieceStart >= 0 {
                    pieceEnd = end
                } else {
                    flush()
                    (pieceStart, pieceEnd) = (start, end)
                }
            case .mergedWithNext:
                // A delimiter starts a piece; what follows joins it until the next delimiter.
                if isMatch {
                    flush()
                    (pieceStart, pieceEnd) = (start, end)
                } else if previousWasMatch, pieceStart >= 0 {
                    pieceEnd = end
                } else {
                    flush()
                    (pieceStart, pieceEnd) = (start, end)
                }
            case .contiguous:
                if isMatch == previousWasMatch, pieceStart >= 0 {
                    pieceEnd = end
                } else {
                    flush()
                    (pieceStart, pieceEnd) = (start, end)
                }
            }
            previousWasMatch = isMatch
        }
        var position = word.start
        for delimiter in delimiters {
            visit(position, delimiter.lowerBound, isDelimiter: false)
            visit(delimiter.lowerBound, delimiter.upperBound, isDelimiter: true)
            position = delimiter.upperBound
        }
        visit(position, word.end, isDelimiter: false)
        flush()
    }

    /// Spaces become the replacement, which is prepended as `scheme` says; with `split`, each
    /// replacement starts a new word (`MergedWithNext`).
    private static func metaspace(
        _ input: PreTokens, into output: inout PreTokens, replacement: UInt32, scheme: MetaspaceScheme, split: Bool
    ) {
        output.text.removeAll(keepingCapacity: true)
        output.words.removeAll(keepingCapacity: true)
        for word in input.words {
            let start = output.text.count
            // Upstream tests the first character after spaces became the replacement.
            let first = input.text[word.start]
            let startsWithReplacement = first == replacement || first == 0x20
            let prepends: Bool
            switch scheme {
            case .always: prepends = !startsWithReplacement
            case .first: prepends = !startsWithReplacement && word.atStart
            case .never: prepends = false
            }
            if prepends { output.text.append(replacement) }
            for index in word.start..<word.end {
                let value = input.text[index]
                output.text.append(value == 0x20 ? replacement : value)
            }
            let end = output.text.count
            let whole = WordSpan(start: start, end: end, atStart: word.atStart)
            guard split else {
                output.appendWord(start, end, within: whole)
                continue
            }
            var pieceStart = start
            for index in (start + 1)..<max(start + 1, end) where output.text[index] == replacement {
                output.appendWord(pieceStart, index, within: whole)
                pieceStart = index
            }
            output.appendWord(pieceStart, end, within: whole)
        }
    }

    /// GPT-2's byte-level pre-tokenizer: an optional leading space, the split pattern, then each
    /// UTF-8 byte spelt with its printable stand-in.
    private static func byteLevel(_ input: PreTokens, into output: inout PreTokens, addPrefixSpace: Bool, useRegex: Bool) {
        output.text.removeAll(keepingCapacity: true)
        output.words.removeAll(keepingCapacity: true)
        var bytes: [UInt8] = []
        ByteLevelAlphabet.scalars.withUnsafeBufferPointer { alphabet in
            // The words, prefixed when asked, are split in a staging copy, then mapped byte by byte.
            var staging: [UInt32] = []
            var pieces: [Range<Int>] = []
            for word in input.words {
                staging.removeAll(keepingCapacity: true)
                if addPrefixSpace, input.text[word.start] != 0x20 { staging.append(0x20) }
                staging.append(contentsOf: input.text[word.start..<word.end])
                pieces.removeAll(keepingCapacity: true)
                if useRegex {
                    GPT2Splitter.split(staging, 0..<staging.count) { pieces.append($0) }
                } else {
                    pieces.append(0..<staging.count)
                }
                for piece in pieces {
                    let start = output.text.count
                    for index in piece {
                        let value = staging[index]
                        if value < 0x80 {
                            output.text.append(alphabet[Int(value)])
                        } else {
                            bytes.removeAll(keepingCapacity: true)
                            UTF8Bytes.append(value, to: &bytes)
                            for byte in bytes { output.text.append(alphabet[Int(byte)]) }
                        }
                    }
                    let end = output.text.count
                    if start < end {
                        output.words.append(WordSpan(start: start, end: end, atStart: word.atStart && piece.lowerBound == 0))
                    }
                }
            }
        }
    }
}

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

