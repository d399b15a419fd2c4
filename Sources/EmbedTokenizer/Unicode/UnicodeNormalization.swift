/// Unicode's normalization forms as Hugging Face `tokenizers` computes them (the
/// `unicode-normalization-alignments` crate), over scalar values.
///
/// Written out rather than taken from Foundation, whose Linux implementation mis-composes
/// supplementary-plane characters and some Hangul jamo, and whose Unicode version is not the
/// library's (see `make_normalization_tables.py`). The data is ``UnicodeTables`` (canonical
/// decompositions, combining classes) and ``NormalizationTables`` (compatibility decompositions,
/// compositions), both read from `tokenizers`.
enum UnicodeNormalization {
    /// Replaces `text` with its normalization form `form`, using `spare` as the other buffer.
    static func normalize(_ text: inout [UInt32], form: UnicodeForm, spare: inout [UInt32]) {
        let compatibility = form == .nfkc || form == .nfkd
        spare.removeAll(keepingCapacity: true)
        ScalarClass.table.withUnsafeBufferPointer { table in
            for value in text {
                if value < 0xA0 {
                    spare.append(value)
                } else if Decomposition.isHangulSyllable(value) {
                    Decomposition.append(value, to: &spare)
                } else if compatibility {
                    appendCompatibilityDecomposition(value, to: &spare)
                } else if ScalarClass.of(value, in: table).has(.decomposes) {
                    Decomposition.append(value, to: &spare)
                } else {
                    spare.append(value)
                }
            }
            BertNormalizer.putInCanonicalOrder(&spare, table: table)
        }
        if form == .nfc || form == .nfkc { compose(&spare) }
        swap(&text, &spare)
    }

    private static func appendCompatibilityDecomposition(_ value: UInt32, to output: inout [UInt32]) {
        guard let position = UnicodeTables.find(value, in: NormalizationTables.compatibilityKeys) else {
            output.append(value)
            return
        }
        let start = Int(NormalizationTables.compatibilityOffsets[position])
        let end = Int(NormalizationTables.compatibilityOffsets[position + 1])
        output.append(contentsOf: NormalizationTables.compatibilityValues[start..<end])
    }

    /// Canonical composition pairs, `first << 32 | second` → composite.
    private static let compositions: [UInt64: UInt32] = {
        var map: [UInt64: UInt32] = [:]
        let triples = NormalizationTables.compositions
        for index in stride(from: 0, to: triples.count, by: 3) {
            map[UInt64(triples[index]) << 32 | UInt64(triples[index + 1])] = triples[index + 2]
        }
        return map
    }()

    private static let leadingBase: UInt32 = 0x1100
    private static let vowelBase: UInt32 = 0x1161
    private static let trailingBase: UInt32 = 0x11A7
    private static let syllableBase: UInt32 = 0xAC00

    /// The composite of a starter and the character after it, if they compose.
    private static func compose(_ first: UInt32, _ second: UInt32) -> UInt32? {
        // Hangul: L + V → LV, LV + T → LVT (Unicode §3.12).
        if first &- leadingBase < 19, second &- vowelBase < 21 {
            return syllableBase + ((first - leadingBase) * 21 + (second - vowelBase)) * 28
        }
        if Decomposition.isHangulSyllable(first), (first - syllableBase) % 28 == 0, second &- trailingBase &- 1 < 27 {
            return first + (second - trailingBase)
        }
        return compositions[UInt64(first) << 32 | UInt64(second)]
    }

    /// The canonical composition of a decomposed, canonically ordered text: each character joins
    /// the last starter unless a character between them has class 0 or a class not below its own.
    private static func compose(_ text: inout [UInt32]) {
        var output = 0
        var starter = -1
        var lastClass: UInt8 = 0
        for index in text.indices {
            let value = text[index]
            let combiningClass = Decomposition.canonicalCombiningClass(of: value)
            if starter >= 0 {
                let adjacent = output - 1 == starter
                if adjacent || (lastClass != 0 && lastClass < combiningClass),
                    let composite = compose(text[starter], value)
                {
                    text[starter] = composite
                    continue
                }
            }
            if combiningClass == 0 { starter = output }
            lastClass = combiningClass
            text[output] = value
            output += 1
        }
        text.removeSubrange(output...)
    }
}
