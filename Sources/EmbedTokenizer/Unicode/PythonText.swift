/// Python's `str.strip()` and `str.lower()`, which sentence-transformers applies to every text
/// before the tokenizer sees it.
enum PythonText {
    /// Fills `input` with the scalars of `text` as sentence-transformers hands it to a tokenizer —
    /// `str.strip()` first when `stripping`, `str.lower()` when `lowercasing` — and returns the
    /// range of `input` to tokenize.
    static func prepare(_ text: String, into input: inout [UInt32], stripping: Bool, lowercasing: Bool) -> Range<Int> {
        input.removeAll(keepingCapacity: true)
        for scalar in text.unicodeScalars { input.append(scalar.value) }
        let range = stripping ? strippedRange(of: input) : 0..<input.count
        guard lowercasing else { return range }
        input = lowercased(input[range])
        return 0..<input.count
    }

    /// Returns whether Python's `str.isspace()` holds for the scalar: Unicode White_Space plus
    /// U+001C…U+001F (bidirectional class B or S), which Python also strips.
    @inline(__always)
    static func isSpace(_ value: UInt32) -> Bool {
        (0x1C...0x1F).contains(value) || ScalarClass.isWhitespace(value)
    }

    /// Returns the range of `scalars` left after Python's `str.strip()`.
    static func strippedRange(of scalars: [UInt32]) -> Range<Int> {
        var start = 0
        var end = scalars.count
        while start < end, isSpace(scalars[start]) { start += 1 }
        while end > start, isSpace(scalars[end - 1]) { end -= 1 }
        return start..<end
    }

    /// Returns `scalars` lower-cased as Python's `str.lower()` does: the full Unicode lower-case
    /// mapping of each scalar (so 'İ' becomes "i̇", two scalars), and the one context rule Python
    /// implements, a capital sigma at the end of a word becoming 'ς'. (The mappings are those of
    /// ``CaseMapping``; Python's own Unicode version may lag for characters added recently.)
    static func lowercased(_ scalars: ArraySlice<UInt32>) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(scalars.count)
        for index in scalars.indices {
            let value = scalars[index]
            if value == 0x03A3 {
                output.append(isFinalSigma(at: index, in: scalars) ? 0x03C2 : 0x03C3)
            } else {
                CaseMapping.appendLowercase(value, to: &output)
            }
        }
        return output
    }

    /// CPython's `handle_capital_sigma`: Final_Sigma holds when a cased letter precedes (skipping
    /// case-ignorable characters) and no cased letter follows (skipping them too).
    private static func isFinalSigma(at index: Int, in scalars: ArraySlice<UInt32>) -> Bool {
        var before = index
        var precededByCased = false
        while before > scalars.startIndex {
            before -= 1
            guard let scalar = Unicode.Scalar(scalars[before]) else { break }
            if scalar.properties.isCaseIgnorable { continue }
            precededByCased = scalar.properties.isCased
            break
        }
        guard precededByCased else { return false }
        var after = index + 1
        while after < scalars.endIndex {
            guard let scalar = Unicode.Scalar(scalars[after]) else { return true }
            if !scalar.properties.isCaseIgnorable { return !scalar.properties.isCased }
            after += 1
        }
        return true
    }
}
