/// Hugging Face's `BertNormalizer` (`normalizers/bert.rs`) over Unicode scalar values.
///
/// Its passes run in the same order as upstream: clean text, pad CJK ideographs with spaces,
/// strip accents (NFD, then drop non-spacing marks), lower-case (character by character).
struct BertNormalizer: Sendable {
    let cleanText: Bool
    let handleChineseCharacters: Bool
    let stripAccents: Bool
    let lowercase: Bool

    init(_ options: TokenizerConfiguration.Normalization) {
        cleanText = options.cleanText
        handleChineseCharacters = options.handleChineseCharacters
        stripAccents = options.stripsAccents
        lowercase = options.lowercase
    }

    /// Replaces `output` with the normalized form of `input`.
    ///
    /// - Parameter decomposed: Scratch space for the NFD pass, reused across calls.
    func normalize(_ input: ArraySlice<UInt32>, into output: inout [UInt32], decomposed: inout [UInt32]) {
        ScalarClass.table.withUnsafeBufferPointer { table in
            normalize(input, into: &output, decomposed: &decomposed, table: table)
        }
    }

    private func normalize(
        _ input: ArraySlice<UInt32>, into output: inout [UInt32], decomposed: inout [UInt32],
        table: UnsafeBufferPointer<UInt8>
    ) {
        output.removeAll(keepingCapacity: true)
        if !stripAccents {
            for value in input {
                appendCleaned(value, to: &output, lowercasing: lowercase, table: table)
            }
            return
        }
        // Accent stripping needs the whole NFD string first: canonical reordering may move a mark
        // past its neighbours before the non-spacing marks are dropped and the rest lower-cased.
        decomposed.removeAll(keepingCapacity: true)
        for value in input {
            appendCleaned(value, to: &decomposed, lowercasing: false, table: table)
        }
        Self.putInCanonicalOrder(&decomposed, table: table)
        for value in decomposed {
            if value < 0x80 {
                output.append(lowercase ? Self.asciiLowercase(value) : value)
                continue
            }
            let classes = ScalarClass.of(value, in: table)
            if classes.has(.nonspacingMark) { continue }
            if lowercase, classes.has(.changesWhenLowercased) {
                CaseMapping.appendLowercase(value, to: &output)
            } else {
                output.append(value)
            }
        }
    }

    /// Clean text and CJK padding for one scalar, then either lower-casing (when accents are kept)
    /// or canonical decomposition (when they are stripped; the reordering follows over the whole
    /// string).
    @inline(__always)
    private func appendCleaned(
        _ value: UInt32, to output: inout [UInt32], lowercasing: Bool, table: UnsafeBufferPointer<UInt8>
    ) {
        if value < 0x80 {
            // ASCII: controls other than \t \n \r are dropped; \t \n \v \f \r would become spaces,
            // but \v and \f are controls and are dropped first.
            if cleanText {
                if value < 0x20 || value == 0x7F {
                    if value == 0x09 || value == 0x0A || value == 0x0D { output.append(0x20) }
                    return
                }
            }
            output.append(lowercasing ? Self.asciiLowercase(value) : value)
            return
        }
        let classes = ScalarClass.of(value, in: table)
        var value = value
        if cleanText {
            if classes.has(.removedByCleanup) { return }
            if classes.has(.whitespace) { value = 0x20 }
        }
        let isPadded = handleChineseCharacters && classes.has(.chinese)
        if isPadded { output.append(0x20) }
        defer { if isPadded { output.append(0x20) } }
        // CJK compatibility ideographs (U+F900…) still decompose after padding.
        if stripAccents, classes.has(.decomposes) {
            Decomposition.append(value, to: &output)
        } else if lowercasing, classes.has(.changesWhenLowercased) {
            CaseMapping.appendLowercase(value, to: &output)
        } else {
            output.append(value)
        }
    }

    /// The canonical ordering of NFD: each run of characters with a non-zero combining class is
    /// sorted stably by class. Sorting whole runs keeps adversarial input (thousands of marks of
    /// alternating classes) at O(n log n), where insertion would be quadratic.
    static func putInCanonicalOrder(_ scalars: inout [UInt32], table: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var index = 0
        let count = scalars.count
        while index <= count {
            let isMark = index < count && ScalarClass.of(scalars[index], in: table).has(.combining)
            if isMark {
                index += 1
                continue
            }
            if index - runStart > 1 {
                // Sort (class, position) pairs: stable by construction.
                let run = (runStart..<index).map { position in
                    (Decomposition.canonicalCombiningClass(of: scalars[position]), position, scalars[position])
                }
                let sorted = run.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
                for (offset, element) in sorted.enumerated() { scalars[runStart + offset] = element.2 }
            }
            index += 1
            runStart = index
        }
    }

    @inline(__always)
    static func asciiLowercase(_ value: UInt32) -> UInt32 {
        (0x41...0x5A).contains(value) ? value | 0x20 : value
    }
}
