import Foundation

/// Encodes vectors as OpenAI's `encoding_format: "base64"` does.
///
/// The official Python SDK asks for base64 whenever the caller does not choose a format, and
/// decodes it with `np.frombuffer(base64.b64decode(s), dtype="float32")`: the bytes must be
/// little-endian IEEE 754 float32, four per component, in standard padded base64.
enum Base64Vector {
    /// Returns the standard, padded base64 of the vector's little-endian float32 bytes.
    static func encode(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
