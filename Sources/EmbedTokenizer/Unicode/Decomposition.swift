/// Canonical decomposition (NFD) as Hugging Face `tokenizers` performs it.
///
/// `tokenizers` normalizes with the `unicode-normalization-alignments` crate, whose data is
/// Unicode 9.0: characters assigned later neither decompose nor reorder there. The mappings come
/// and combining classes come from ``UnicodeTables`` (generated from and checked against
/// `tokenizers` itself).
enum Decomposition {
    private static let hangulBase: UInt32 = 0xAC00
    private static let hangulCount: UInt32 = 11_172
    private static let leadingBase: UInt32 = 0x1100
    private static let vowelBase: UInt32 = 0x1161
    private static let trailingBase: UInt32 = 0x11A7
    private static let vowelCount: UInt32 = 21
    private static let trailingCount: UInt32 = 28

    /// Returns whether `value` is a precomposed Hangul syllable (decomposed algorithmically).
    @inline(__always)
    static func isHangulSyllable(_ value: UInt32) -> Bool {
        value &- hangulBase < hangulCount
    }

    /// Returns the position of `value` in ``UnicodeTables/decompositionKeys``, if it has a
    /// tabulated decomposition.
    static func index(of value: UInt32) -> Int? {
        UnicodeTables.find(value, in: UnicodeTables.decompositionKeys)
    }

    /// Appends the full canonical decomposition of `value` to `output` (or `value` itself when it
    /// has none), without reordering.
    static func append(_ value: UInt32, to output: inout [UInt32]) {
        if isHangulSyllable(value) {
            // Unicode §3.12: S = L·V·T arithmetic on the syllable index.
            let index = value - hangulBase
            output.append(leadingBase + index / (vowelCount * trailingCount))
            output.append(vowelBase + (index % (vowelCount * trailingCount)) / trailingCount)
            let trailing = index % trailingCount
            if trailing != 0 { output.append(trailingBase + trailing) }
        } else if let position = index(of: value) {
            let start = Int(UnicodeTables.decompositionOffsets[position])
            let end = Int(UnicodeTables.decompositionOffsets[position + 1])
            output.append(contentsOf: UnicodeTables.decompositionValues[start..<end])
        } else {
            output.append(value)
        }
    }

    /// Returns the canonical combining class `tokenizers` sees (0 for characters it does not
    /// know as combining, including those assigned after Unicode 9.0).
    @inline(__always)
    static func canonicalCombiningClass(of value: UInt32) -> UInt8 {
        guard ScalarClass.of(value).has(.combining),
            let position = UnicodeTables.find(value, in: UnicodeTables.combiningKeys)
        else { return 0 }
        return UnicodeTables.combiningClasses[position]
    }
}
