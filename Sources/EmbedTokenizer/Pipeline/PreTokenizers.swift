/// One word of a pre-tokenized text: a range of ``PreTokens/text``.
struct WordSpan: Sendable {
    var start: Int
    var end: Int
    /// Whether the word begins where the text given to the tokenizer begins (upstream's
    /// `offsets_original().0 == 0`, which Metaspace's `first` scheme asks; only tracked when a
    /// pre-tokenizer asks it).
    var atStart: Bool
}

/// A text cut into words, the state pre-tokenizers pass along.
struct PreTokens {
    var text: [UInt32] = []
    var words: [WordSpan] = []
    /// How many characters at the front of ``text`` stand where the original text began (see
    /// ``NormalizerStep/apply(to:scratch:leadingSpan:)``); a word starting among them is at the start.
    var leadingSpan = 0
    /// Delimiter ranges of one word, reused.
    var matches: [Range<Int>] = []

    /// Appends `start..<end` as a word unless it is empty (upstream drops empty splits).
    @inline(__always)
    mutating func appendWord(_ start: Int, _ end: Int) {
        if start < end { words.append(WordSpan(start: start, end: end, atStart: start < leadingSpan)) }
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

    /// Whether a Metaspace step uses the `first` scheme, the only one that asks where a word began.
    var usesFirstScheme: Bool {
        switch self {
        case .metaspace(_, let scheme, _): scheme == .first
        case .sequence(let steps): steps.contains { $0.usesFirstScheme }
        default: false
        }
    }

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
        spare.leadingSpan = state.leadingSpan
        let text = state.text
        for word in state.words {
            switch self {
            case .whitespaceSplit:
                var start = word.start
                for index in word.start..<word.end where ScalarClass.isWhitespace(text[index]) {
                    spare.appendWord(start, index)
                    start = index + 1
                }
                spare.appendWord(start, word.end)
            case .bert:
                var start = word.start
                for index in word.start..<word.end {
                    let classes = ScalarClass.of(text[index])
                    if classes.has(.whitespace) {
                        spare.appendWord(start, index)
                        start = index + 1
                    } else if classes.has(.punctuation) {
                        spare.appendWord(start, index)
                        spare.appendWord(index, index + 1)
                        start = index + 1
                    }
                }
                spare.appendWord(start, word.end)
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
                    spare.appendWord(index, end)
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
            if pieceStart >= 0 { output.appendWord(pieceStart, pieceEnd) }
            pieceStart = -1
        }
        func visit(_ start: Int, _ end: Int, isDelimiter: Bool) {
            guard start < end else { return }
            let isMatch = isDelimiter != invert
            switch behavior {
            case .removed:
                if !isMatch { output.appendWord(start, end) }
            case .isolated:
                output.appendWord(start, end)
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
        output.leadingSpan = 0  // the text is rebuilt; no later step asks
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
            guard split else {
                output.appendWord(start, end)
                continue
            }
            var pieceStart = start
            for index in (start + 1)..<max(start + 1, end) where output.text[index] == replacement {
                output.appendWord(pieceStart, index)
                pieceStart = index
            }
            output.appendWord(pieceStart, end)
        }
    }

    /// GPT-2's byte-level pre-tokenizer: an optional leading space, the split pattern, then each
    /// UTF-8 byte spelt with its printable stand-in.
    private static func byteLevel(_ input: PreTokens, into output: inout PreTokens, addPrefixSpace: Bool, useRegex: Bool) {
        output.text.removeAll(keepingCapacity: true)
        output.words.removeAll(keepingCapacity: true)
        output.leadingSpan = 0  // the text is rebuilt; no later step asks
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
