import Foundation
import Hummingbird

/// Writes JSON straight into a `ByteBuffer`.
///
/// Embedding responses are mostly floats: a 64-text batch of 384-d vectors is ~25k numbers, and
/// `JSONEncoder` boxes each one. Writing Swift's shortest round-trip representation directly is
/// several times faster and gives identical numbers after parsing. Callers check vectors for
/// NaN and infinities first (JSON has no spelling for them).
struct JSONWriter {
    private(set) var buffer: ByteBuffer

    init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends raw JSON text (punctuation, keys written as literals).
    mutating func raw(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    /// Appends a JSON string literal, escaping as RFC 8259 requires.
    mutating func string(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var pendingStart = value.utf8.startIndex
        let utf8 = value.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            let escape: StaticString? =
                switch byte {
                case UInt8(ascii: "\""): "\\\""
                case UInt8(ascii: "\\"): "\\\\"
                case 0x0A: "\\n"
                case 0x0D: "\\r"
                case 0x09: "\\t"
                case 0x08: "\\b"
                case 0x0C: "\\f"
                default: nil
                }
            if escape != nil || byte < 0x20 {
                buffer.writeBytes(utf8[pendingStart..<index])
                if let escape {
                    buffer.writeStaticString(escape)
                } else {
                    // Other control characters have no short escape.
                    buffer.writeString("\\u00")
                    buffer.writeInteger(Self.hexDigit(byte >> 4))
                    buffer.writeInteger(Self.hexDigit(byte & 0x0F))
                }
                pendingStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        buffer.writeBytes(utf8[pendingStart..<utf8.endIndex])
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Appends `null` or a JSON string.
    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    /// Appends an integer.
    mutating func integer(_ value: some BinaryInteger) {
        buffer.writeString(String(value))
    }

    /// Appends `true` or `false`.
    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// Appends a finite float in its shortest round-trip form.
    mutating func float(_ value: Float) {
        // `Float.description` is the shortest representation that reads back to the same Float,
        // and its spellings ("0.1", "1e-05", "-3.4028235e+38") are all valid JSON numbers.
        buffer.writeString(value.description)
    }

    /// Appends an array of finite floats.
    mutating func floats(_ values: [Float]) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            float(value)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension Response {
    /// A JSON response with the given status and body; `Content-Type` is `application/json`
    /// unless `headers` sets another.
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: writer.buffer))
    }
}

extension HTTPFields {
    /// Sets a header whose name is not one of HTTPTypes' predefined ones. Names are literals
    /// in this module, so the failable lookup only guards against typos.
    mutating func setCustom(_ name: String, _ value: String) {
        if let name = HTTPFields.Element.Name(name) { self[name] = value }
    }
}
