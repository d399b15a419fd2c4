/// Full lower-case mapping as Rust's `char::to_lowercase` does it in the `tokenizers` build the
/// tables were generated from (context-free: a capital sigma always becomes 'σ').
enum CaseMapping {
    /// Appends the lower-case mapping of `value`, which may be several scalars ('İ' → "i̇"), or
    /// `value` itself when lower-casing does not change it.
    @inline(__always)
    static func appendLowercase(_ value: UInt32, to output: inout [UInt32]) {
        if value < 0x80 {
            output.append((0x41...0x5A).contains(value) ? value | 0x20 : value)
            return
        }
        guard ScalarClass.of(value).has(.changesWhenLowercased),
            let position = UnicodeTables.find(value, in: UnicodeTables.lowercaseKeys)
        else {
            output.append(value)
            return
        }
        let start = Int(UnicodeTables.lowercaseOffsets[position])
        let end = Int(UnicodeTables.lowercaseOffsets[position + 1])
        output.append(contentsOf: UnicodeTables.lowercaseValues[start..<end])
    }
}
