/// One of Unicode's four normalization forms.
enum UnicodeForm: Sendable {
    case nfc, nfd, nfkc, nfkd

    /// Below this scalar value every character is unchanged by the form, so texts made only of
    /// such characters are left as they are.
    var stableBelow: UInt32 {
        switch self {
        case .nfc: 0x300  // the first characters NFC changes or composes with are combining marks
        case .nfkc, .nfkd: 0xA0  // NO-BREAK SPACE is the first compatibility decomposition
        case .nfd: 0xC0  // À is the first canonical decomposition
        }
    }
}

/// A `tokenizer.json` normalizer, over Unicode scalar values.
indirect enum NormalizerStep: Sendable {
    case bert(BertNormalizer)
    case precompiled(CharsMap)
    case unicode(UnicodeForm)
    case lowercase
    case strip(left: Bool, right: Bool)
    case stripAccents
    case replace(TextPattern, [UInt32])
    case prepend([UInt32])
    case nmt
    case sequence([NormalizerStep])

    /// Buffers reused across texts.
    struct Scratch {
        var spare: [UInt32] = []
        var decomposed: [UInt32] = []
        var bytes: [UInt8] = []
    }

    /// Replaces `text` with its normalized form.
    func apply(to text: inout [UInt32], scratch: inout Scratch) {
        var untracked = -1
        apply(to: &text, scratch: &scratch, leadingSpan: &untracked)
    }

    /// Replaces `text` with its normalized form and updates `leadingSpan` (when not negative): how
    /// many characters at the front of the text stand where the original text began, the question
    /// Metaspace's `first` scheme asks of each word (upstream's `offsets_original().0 == 0`).
    ///
    /// Upstream's alignments decide it: what a step makes of those characters keeps their place
    /// (an expansion, CJK padding, prepended text), a step that filters the first character out
    /// leaves the text starting later (0), except Precompiled, whose removals hand the place on to
    /// the next character.
    func apply(to text: inout [UInt32], scratch: inout Scratch, leadingSpan: inout Int) {
        if leadingSpan > 0, !text.isEmpty, !isSequence { leadingSpan = span(after: leadingSpan, of: text) }
        switch self {
        case .sequence(let steps):
            for step in steps { step.apply(to: &text, scratch: &scratch, leadingSpan: &leadingSpan) }
        case .bert(let normalizer):
            normalizer.normalize(text[...], into: &scratch.spare, decomposed: &scratch.decomposed)
            swap(&text, &scratch.spare)
        case .precompiled(let charsmap):
            charsmap.normalize(text, into: &scratch.spare, bytes: &scratch.bytes)
            swap(&text, &scratch.spare)
        case .unicode(let form):
            let limit = form.stableBelow
            if text.contains(where: { $0 >= limit }) {
                UnicodeNormalization.normalize(&text, form: form, spare: &scratch.spare)
            }
        case .lowercase:
            // Rust's `char::to_lowercase`, character by character (no final-sigma rule).
            scratch.spare.removeAll(keepingCapacity: true)
            for value in text { CaseMapping.appendLowercase(value, to: &scratch.spare) }
            swap(&text, &scratch.spare)
        case .strip(let left, let right):
            var end = text.count
            if right { while end > 0, ScalarClass.isWhitespace(text[end - 1]) { end -= 1 } }
            text.removeSubrange(end...)
            if left, let first = text.firstIndex(where: { !ScalarClass.isWhitespace($0) }) {
                text.removeSubrange(..<first)
            } else if left {
                text.removeAll(keepingCapacity: true)
            }
        case .stripAccents:
            text.removeAll { Self.isMark($0) }
        case .replace(let pattern, let content):
            scratch.spare.removeAll(keepingCapacity: true)
            var last = 0
            pattern.forEachMatch(in: text, 0..<text.count) { match in
                scratch.spare.append(contentsOf: text[last..<match.lowerBound])
                scratch.spare.append(contentsOf: content)
                last = match.upperBound
            }
            scratch.spare.append(contentsOf: text[last...])
            swap(&text, &scratch.spare)
        case .prepend(let prefix):
            if !text.isEmpty { text.insert(contentsOf: prefix, at: 0) }
        case .nmt:
            // SentencePiece's NMT rules: most C0 controls (and DEL, U+008F, U+009F) removed; line
            // breaks, tabs, zero-width and direction marks, U+2581, BOM and U+FFFD become spaces.
            text.removeAll(where: Self.nmtRemoves)
            for index in text.indices {
                switch text[index] {
                case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                    text[index] = 0x20
                default:
                    break
                }
            }
        }
    }

    private var isSequence: Bool {
        if case .sequence = self { true } else { false }
    }

    /// The leading span once this step (not a sequence) has run: what it makes of the span's
    /// characters alone.
    private func span(after span: Int, of text: [UInt32]) -> Int {
        if case .prepend(let prefix) = self { return span + prefix.count }
        var part = Array(text[..<min(span, text.count)])
        var scratch = Scratch()
        apply(to: &part, scratch: &scratch)
        if case .precompiled = self { return max(1, part.count) }
        return part.count
    }

    private static func nmtRemoves(_ value: UInt32) -> Bool {
        switch value {
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: true
        default: false
        }
    }

    /// Upstream's `is_combining_mark`: general category M at the library's Unicode version.
    private static func isMark(_ value: UInt32) -> Bool {
        value >= 0x300 && UnicodeTables.contains(NormalizationTables.combiningMarks, value)
    }
}
