import Crypto
import Foundation

/// The binary layout of one cache entry file (little-endian):
///
/// | bytes | content |
/// | --- | --- |
/// | 8 | magic `EMBVEC01` |
/// | 32 | the entry's SHA-256 name (key and text), so a file copied to the wrong place is caught |
/// | 4 | `d`, the number of components (≥ 1) |
/// | 4·d | the components, IEEE 754 binary32 |
/// | 8 | the first 8 bytes of the SHA-256 of everything above |
///
/// A file of any other length, with another magic or name, a wrong checksum or a non-finite
/// component is rejected.
enum VectorCacheEntry {
    static let magic = Array("EMBVEC01".utf8)
    private static let headerSize = 8 + 32 + 4
    private static let checksumSize = 8

    /// Returns the file contents for `vector`.
    static func encode(_ vector: [Float], name: [UInt8]) -> Data {
        var bytes = magic + name
        bytes.reserveCapacity(headerSize + 4 * vector.count + checksumSize)
        append(UInt32(vector.count), to: &bytes)
        for component in vector { append(component.bitPattern, to: &bytes) }
        bytes += SHA256.hash(data: bytes).prefix(checksumSize)
        return Data(bytes)
    }

    /// Returns the vector stored in `data`, or why it cannot be used.
    static func decode(_ data: Data, name: [UInt8]) -> Result<[Float], DecodeFailure> {
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize + 4 + checksumSize else {
            return .failure(DecodeFailure("the file is \(bytes.count) bytes, too short for an entry"))
        }
        guard Array(bytes[0..<8]) == magic else { return .failure(DecodeFailure("it does not start with EMBVEC01")) }
        guard Array(bytes[8..<40]) == name else { return .failure(DecodeFailure("it belongs to another text or key")) }
        let count = Int(readUInt32(bytes, at: 40))
        let expectedSize = headerSize + 4 * count + checksumSize
        guard count >= 1, bytes.count == expectedSize else {
            return .failure(DecodeFailure("it is \(bytes.count) bytes, but a \(count)-component entry has \(expectedSize)"))
        }
        let body = bytes[0..<(expectedSize - checksumSize)]
        guard SHA256.hash(data: body).prefix(checksumSize).elementsEqual(bytes[(expectedSize - checksumSize)...]) else {
            return .failure(DecodeFailure("its checksum does not match its contents"))
        }
        var vector: [Float] = []
        vector.reserveCapacity(count)
        for index in 0..<count {
            let component = Float(bitPattern: readUInt32(bytes, at: headerSize + 4 * index))
            guard component.isFinite else { return .failure(DecodeFailure("component \(index) is not finite")) }
            vector.append(component)
        }
        return .success(vector)
    }

    struct DecodeFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }
}
