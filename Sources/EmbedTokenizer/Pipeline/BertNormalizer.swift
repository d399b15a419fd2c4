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
        // across its neighbours before the marks are dropped.
        decomposed.removeAll(keepingCapacity: true)
        for value in input {
            appendCleaned(value, to: &decomposed, lowercasing: false, table: table)
        }
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
    /// or canonical decomposition with reordering (when they are stripped).
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
        if stripAccents {
            if classes.has(.decomposes) {
                let start = output.count
                Decomposition.append(value, to: &output)
                // The decomposition itself is in canonical order; its first mark may still have
                // to move before earlier marks of higher class.
                for index in start..<output.count {
                    Self.reorderMark(at: index, in: &output)
                }
            } else {
                output.append(value)
                if classes.has(.combining) { Self.reorderMark(at: output.count - 1, in: &output) }
            }
        } else if lowercasing, classes.has(.changesWhenLowercased) {
            CaseMapping.appendLowercase(value, to: &output)
        } else {
            output.append(value)
        }
    }

    /// Moves the mark at `index` left past marks of a higher combining class (the canonical
    /// ordering algorithm, done as an insertion sort while the string is built).
    @inline(__always)
    private static func reorderMark(at index: Int, in output: inout [UInt32]) {
        let value = output[index]
        let combiningClass = Decomposition.canonicalCombiningClass(of: value)
        guard combiningClass != 0 else { return }
        var position = index
        while position > 0 {
            let previous = output[position - 1]
            guard Decomposition.canonicalCombiningClass(of: previous) > combiningClass else { break }
            output[position] = previous
            position -= 1
        }
        output[position] = value
    }

    @inline(__always)
    static func asciiLowercase(_ value: UInt32) -> UInt32 {
        (0x41...0x5A).contains(value) ? value | 0x20 : value
    }
}
