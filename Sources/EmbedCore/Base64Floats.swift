#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Vectors as OpenAI's `encoding_format: "base64"` carries them: standard, padded base64 of the
/// components as little-endian IEEE 754 float32, four bytes each.
///
/// The server writes them (the official Python SDK asks for base64 whenever the caller does not
/// choose a format, and reads it with `np.frombuffer(base64.b64decode(s), dtype="float32")`);
/// the OpenAI-compatible providers read them.
package enum Base64Floats {
    /// The floats in `text`, or `nil` when it is not base64 or its length is not a multiple of 4.
    package static func decode(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            // loadUnaligned: Data's storage carries no alignment guarantee for Float.
            (0..<count).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    /// The standard, padded base64 of `vector`'s little-endian float32 bytes.
    package static func encode(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
