import Foundation

/// Decodes OpenAI's `encoding_format: "base64"` vectors: standard base64 of little-endian
/// IEEE-754 float32 values, 4 bytes per dimension.
enum Base64Floats {
    /// The floats in `text`, or `nil` when it is not base64 or its length is not a multiple of 4.
    static func decode(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            // loadUnaligned: Data's storage carries no alignment guarantee for Float.
            (0..<count).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    /// The base64 text of `vector` as little-endian float32 (used by tests and fake servers).
    static func encode(_ vector: [Float]) -> String {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data.base64EncodedString()
    }
}
