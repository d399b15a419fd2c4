/// Writes JSON text straight into bytes, for output that is mostly numbers: the server's
/// embedding responses and `embed encode`'s lines.
///
/// `JSONEncoder` boxes every float of a vector; writing Swift's shortest round-trip
/// representation directly gives the same numbers after parsing, without the boxing. A
/// non-finite float, which JSON cannot spell, is written as `null` (the server checks vectors
/// before writing them, so its responses never contain one).
package struct JSONWriter: Sendable {
    /// The UTF-8 text written so far.
    package private(set) var bytes: [UInt8] = []

    /// Creates an empty writer with room for `capacity` bytes.
    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends raw JSON text (punctuation, keys written as literals).
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a JSON string literal, escaping as RFC 8259 requires.
    package mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case ..<0x20:
                // Other control characters have no short escape.
                raw("\\u00")
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0x0F))
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `null` or a JSON string.
    package mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    /// Appends an integer.
    package mutating func integer(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends an array of integers.
    package mutating func integers(_ values: some Sequence<some BinaryInteger>) {
        bytes.append(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            integer(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Appends `true` or `false`.
    package mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// Appends a float in its shortest round-trip form, or `null` when it is not finite.
    package mutating func float(_ value: Float) {
        // `Float.description` is the shortest representation that reads back to the same Float,
        // and its spellings ("0.1", "1e-05", "-3.4028235e+38") are all valid JSON numbers.
        if value.isFinite { bytes.append(contentsOf: value.description.utf8) } else { raw("null") }
    }

    /// Appends an array of floats.
    package mutating func floats(_ values: [Float]) {
        bytes.append(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            float(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
