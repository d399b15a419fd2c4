/// The pattern of a `Split` pre-tokenizer or a `Replace` normalizer.
enum TextPattern: Sendable {
    /// A literal string, matched left to right without overlaps.
    case literal([UInt32])
    /// GPT-2's split pattern, recognised and run by ``GPT2Splitter`` instead of a regex engine.
    case gpt2
    /// Llama 3's split pattern (Qwen2's with one digit), run by ``LlamaSplitter``.
    case llama3(maxDigits: Int)
    /// Any other regular expression.
    case regex(RegexPattern)

    /// Calls `body` with each match in `text[range]`, in order, without overlaps.
    func forEachMatch(in text: [UInt32], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        switch self {
        case .literal(let needle):
            guard !needle.isEmpty else { return }
            var index = range.lowerBound
            while index + needle.count <= range.upperBound {
                if text[index] == needle[0], text[index..<index + needle.count].elementsEqual(needle) {
                    body(index..<index + needle.count)
                    index += needle.count
                } else {
                    index += 1
                }
            }
        case .gpt2:
            GPT2Splitter.split(text, range, body)
        case .llama3(let maxDigits):
            LlamaSplitter.split(text, range, maxDigits: maxDigits, body)
        case .regex(let regex):
            regex.forEachMatch(in: text, range, body)
        }
    }
}

/// A regular expression run by Swift's `Regex` on Unicode scalars.
///
/// `tokenizer.json` patterns are written for Oniguruma; the two engines agree on the classes and
/// quantifiers these files use (`\p{L}`, `\s`, `(?!…)`, `[^…]+`), which is what the pipeline
/// needs. Slower than the hand-written splitters, and only used for patterns they do not cover.
struct RegexPattern: @unchecked Sendable {
    // `Regex` is a value type with no shared mutable state once built; it is only declared
    // non-Sendable because its output type may not be. The output here is `AnyRegexOutput`, read
    // only for the match range, and the value is never mutated after `init`.
    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
    }

    func forEachMatch(in text: [UInt32], _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var view = String.UnicodeScalarView()
        for value in text[range] { if let scalar = Unicode.Scalar(value) { view.append(scalar) } }
        let string = String(view)
        let scalars = string.unicodeScalars
        var offset = range.lowerBound
        var cursor = scalars.startIndex
        for match in string.matches(of: regex) {
            let lower = match.range.lowerBound
            let upper = match.range.upperBound
            guard lower < upper else { continue }  // empty matches split nothing
            offset += scalars.distance(from: cursor, to: lower)
            let start = offset
            offset += scalars.distance(from: lower, to: upper)
            cursor = upper
            body(start..<offset)
        }
    }
}
