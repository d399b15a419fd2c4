import Foundation

/// SentencePiece's precompiled normalization rules (`precompiled_charsmap`), applied as Hugging
/// Face `tokenizers` applies them (`normalizers/precompiled.rs` with the `spm_precompiled` crate).
///
/// The blob is a little-endian `u32` byte size of a darts-clone double-array trie, the trie's
/// `u32` units, then a pool of NUL-terminated UTF-8 replacements; the trie maps the UTF-8 bytes of
/// a source string to the pool offset of its replacement.
///
/// Upstream walks the text grapheme by grapheme. A grapheme of fewer than six UTF-8 bytes is
/// looked up whole; if no rule starts it, or it is longer, each of its characters is looked up
/// alone. A lookup takes the *first* (shortest) rule that is a prefix of what it is given and
/// replaces all of it, which can drop a trailing combining mark: that is what the reference
/// tokenizers do, so it is what this does.
struct CharsMap: Sendable {
    private let units: [UInt32]
    private let pool: [UInt8]
    /// The replacement of each ASCII byte looked up alone (pool start, or -1 for none), so that
    /// plain text never walks the trie.
    private let asciiReplacement: [Int32]

    /// Decodes the base64 text of `precompiled_charsmap`.
    ///
    /// - Throws: ``TokenizerError`` naming `location` and `path` when the base64 or the sizes are
    ///   wrong or the pool is not UTF-8.
    init(base64: String, path: String, location: String) throws(TokenizerError) {
        guard let data = Data(base64Encoded: base64) else {
            throw .malformedJSON(path, reason: "\"\(location)\" is not valid base64 (Precompiled normalizer).")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else {
            throw .malformedJSON(path, reason: "\"\(location)\" is too short to hold a trie size (Precompiled normalizer).")
        }
        let trieSize = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard trieSize >= 4, trieSize % 4 == 0, trieSize <= bytes.count - 4 else {
            throw .malformedJSON(
                path,
                reason: "\"\(location)\" declares a trie of \(trieSize) bytes in a blob of \(bytes.count); the "
                    + "size must be a positive multiple of 4 that fits (Precompiled normalizer).")
        }
        var units: [UInt32] = []
        units.reserveCapacity(trieSize / 4)
        for offset in stride(from: 4, to: 4 + trieSize, by: 4) {
            units.append(
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                    | UInt32(bytes[offset + 3]) << 24)
        }
        let pool = Array(bytes[(4 + trieSize)...])
        guard String(validating: pool, as: UTF8.self) != nil else {
            throw .malformedJSON(
                path, reason: "\"\(location)\" has replacement strings that are not UTF-8 (Precompiled normalizer).")
        }
        self.units = units
        self.pool = pool
        var ascii = [Int32](repeating: -1, count: 128)
        for byte in 1..<128 {
            ascii[byte] = Self.firstMatch(units: units, key: [UInt8(byte)]).map(Int32.init) ?? -1
        }
        asciiReplacement = ascii
    }

    // darts-clone unit fields.
    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }

    /// The pool offset of the shortest rule that is a prefix of `key`, as `common_prefix_search`
    /// then `results[0]` finds it. A unit index outside the trie (a malformed blob) ends the walk.
    private static func firstMatch(units: [UInt32], key: some Collection<UInt8>) -> Int? {
        guard let root = units.first else { return nil }
        var node = offset(root)
        for byte in key {
            if byte == 0 { return nil }
            node ^= Int(byte)
            guard node < units.count else { return nil }
            let unit = units[node]
            guard label(unit) == UInt32(byte) else { return nil }
            node ^= offset(unit)
            if hasLeaf(unit) {
                guard node < units.count else { return nil }
                return value(units[node])
            }
        }
        return nil
    }

    /// Appends the replacement at pool offset `start` (up to its NUL) as scalars.
    private func appendReplacement(at start: Int, to output: inout [UInt32]) {
        guard start < pool.count else { return }
        var end = start
        while end < pool.count, pool[end] != 0 { end += 1 }
        // An offset inside a character (never in real blobs) decodes with replacement characters
        // instead of failing.
        for scalar in String(decoding: pool[start..<end], as: UTF8.self).unicodeScalars {
            output.append(scalar.value)
        }
    }

    /// Writes the normalized form of `text` to `output`.
    func normalize(_ text: [UInt32], into output: inout [UInt32], bytes: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var index = 0
        let count = text.count
        while index < count {
            let value = text[index]
            // Two ASCII characters (other than CR LF) always have a grapheme boundary between them.
            if value < 0x80, index + 1 == count || (text[index + 1] < 0x80 && !(value == 0x0D && text[index + 1] == 0x0A)) {
                let replacement = asciiReplacement[Int(value)]
                if replacement >= 0 { appendReplacement(at: Int(replacement), to: &output) } else { output.append(value) }
                index += 1
                continue
            }
            // Otherwise segment the run up to the next such safe boundary with Swift's grapheme rules.
            var end = index + 1
            while end < count, !(text[end] < 0x80 && text[end - 1] < 0x80 && !(text[end - 1] == 0x0D && text[end] == 0x0A)) {
                end += 1
            }
            normalizeGraphemes(text[index..<end], into: &output, bytes: &bytes)
            index = end
        }
    }

    private func normalizeGraphemes(_ run: ArraySlice<UInt32>, into output: inout [UInt32], bytes: inout [UInt8]) {
        var view = String.UnicodeScalarView()
        for value in run { if let scalar = Unicode.Scalar(value) { view.append(scalar) } }
        for grapheme in String(view) {
            let scalars = grapheme.unicodeScalars
            bytes.removeAll(keepingCapacity: true)
            for scalar in scalars { UTF8Bytes.append(scalar.value, to: &bytes) }
            if bytes.count < 6, let start = Self.firstMatch(units: units, key: bytes) {
                appendReplacement(at: start, to: &output)
                continue
            }
            for scalar in scalars {
                bytes.removeAll(keepingCapacity: true)
                UTF8Bytes.append(scalar.value, to: &bytes)
                if let start = Self.firstMatch(units: units, key: bytes) {
                    appendReplacement(at: start, to: &output)
                } else {
                    output.append(scalar.value)
                }
            }
        }
    }
}
