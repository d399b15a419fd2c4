import Foundation

/// The byte layout of a model file, shared by the writer and the reader. `Models/FORMAT.md`
/// documents the same layout for third-party readers; keep the two in step.
package enum ModelFileLayout {
    /// The first eight bytes of every model file.
    package static let magic: [UInt8] = Array("EMBEDMDL".utf8)
    /// The newest format version this build reads.
    package static let formatVersion: UInt32 = 3
    /// The first version with int8 storage (flag bit 1, element type 3, `.scale` tensors).
    package static let int8Version: UInt32 = 3

    /// The version a file of `storage` is written in: the oldest that can hold it, so that a
    /// build of version 2 keeps reading the f32 and f16 files of this one.
    package static func writtenVersion(for storage: ModelFileStorage) -> UInt32 {
        storage == .int8 ? int8Version : 2
    }

    /// The flags a file of `version` may set.
    package static func knownFlags(version: UInt32) -> UInt32 {
        version >= int8Version ? knownFlags : float16Flag
    }
    /// The fixed size of the header.
    package static let headerSize = 128
    /// Tensor data offsets are multiples of this, so any element type (and SIMD loads, and cache
    /// lines) is aligned in a page-aligned mapping.
    package static let tensorAlignment = 64
    /// The tensor table starts at, and each entry is padded to, a multiple of this.
    package static let tableAlignment = 8
    /// The fixed part of a tensor table entry, before its dimensions and name.
    package static let entryFixedSize = 32
    /// The largest rank a tensor may have.
    package static let maximumRank = 8

    /// Header flag: every tensor is stored as binary16.
    package static let float16Flag: UInt32 = 1 << 0
    /// Header flag: linear weights and the word table are int8 with per-row scales, the rest fp32.
    package static let int8Flag: UInt32 = 1 << 1
    /// Every flag this build understands.
    package static let knownFlags: UInt32 = float16Flag | int8Flag
    /// The name of an int8 tensor's scales is the tensor's name followed by this: one fp32 per
    /// row, `value = scale[row] · q`.
    package static let scaleSuffix = ".scale"

    /// The storage a header's flags declare, or `nil` for a contradictory combination.
    package static func storage(flags: UInt32) -> ModelFileStorage? {
        switch (flags & float16Flag != 0, flags & int8Flag != 0) {
        case (false, false): .float32
        case (true, false): .float16
        case (false, true): .int8
        case (true, true): nil
        }
    }

    /// The header flags of a storage.
    package static func flags(for storage: ModelFileStorage) -> UInt32 {
        switch storage {
        case .float32: 0
        case .float16: float16Flag
        case .int8: int8Flag
        }
    }

    /// Byte offsets of the header fields.
    package enum Field {
        package static let magic = 0
        package static let version = 8
        package static let flags = 12
        package static let headerChecksum = 16
        package static let weightsChecksum = 24
        package static let fileLength = 32
        package static let metadataOffset = 40
        package static let metadataLength = 48
        package static let tableOffset = 56
        package static let tableLength = 64
        package static let tensorCount = 72
        package static let dataOffset = 80
        package static let dataLength = 88
        package static let reserved = 96
    }

    /// Element type codes of the tensor table.
    package static func code(for dataType: TensorDataType) -> UInt32? {
        switch dataType {
        case .float32: 1
        case .float16: 2
        case .int8: 3
        default: nil
        }
    }

    /// The element type of a tensor table code, or `nil` for an unknown code.
    package static func dataType(forCode code: UInt32) -> TensorDataType? {
        switch code {
        case 1: .float32
        case 2: .float16
        case 3: .int8
        default: nil
        }
    }

    /// Why `metadata` is not a UTF-8 JSON object, or `nil` when it is one. Shared by the writer
    /// (which refuses such input) and the reader (which refuses such a file).
    package static func metadataProblem(_ metadata: Data) -> String? {
        guard String(validating: metadata, as: UTF8.self) != nil else { return "it is not valid UTF-8" }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: metadata)
        } catch {
            // Foundation's own description is generic; the position is in the debug description.
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return "it is not valid JSON" + (detail.map { ": \($0)" } ?? "")
        }
        guard object is [String: Any] else { return "its top-level JSON value is not an object" }
        return nil
    }

    /// Whether a tensor name holds a C0 control character or DEL, which valid names never do:
    /// rejecting them means a name cannot silently absorb its zero padding.
    package static func containsControlCharacter(_ name: String) -> Bool {
        name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// The byte length of a tensor of `shape` with elements of `width` bytes, or `nil` when the
    /// shape is too large: the product of its non-zero dimensions times `width` must fit in 63
    /// bits, so that no product of dimensions a consumer computes can overflow an `Int` — even
    /// for an empty tensor, whose other dimensions would otherwise be unbounded.
    package static func byteLength(shape: [UInt64], width: Int) -> UInt64? {
        var nominal = UInt64(width)
        var isEmpty = false
        for dimension in shape {
            if dimension == 0 {
                isEmpty = true
                continue
            }
            let (product, overflow) = nominal.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= UInt64(Int64.max) else { return nil }
            nominal = product
        }
        return isEmpty ? 0 : nominal
    }

    /// Rounds `value` up to a multiple of `alignment` (a power of two); `nil` on overflow.
    package static func align(_ value: UInt64, to alignment: Int) -> UInt64? {
        let mask = UInt64(alignment - 1)
        let (sum, overflow) = value.addingReportingOverflow(mask)
        return overflow ? nil : sum & ~mask
    }

    /// The header checksum: XXH64 (seed 0) of bytes `0..<prefixLength` (the header, metadata and
    /// tensor table, up to the data section) with the eight bytes of the checksum field itself
    /// taken as zeros.
    ///
    /// - Precondition: `Field.headerChecksum + 8 <= prefixLength <= bytes.count`.
    package static func headerChecksum(_ bytes: UnsafeRawBufferPointer, prefixLength: Int) -> UInt64 {
        var hasher = XXHash64()
        hasher.update(UnsafeRawBufferPointer(rebasing: bytes[0..<Field.headerChecksum]))
        hasher.updateZeros(count: 8)
        hasher.update(UnsafeRawBufferPointer(rebasing: bytes[(Field.headerChecksum + 8)..<prefixLength]))
        return hasher.finalize()
    }
}

/// The fixed-size header, as numbers.
struct ModelFileHeader: Equatable {
    var version: UInt32 = ModelFileLayout.formatVersion
    var flags: UInt32 = 0
    var headerChecksum: UInt64 = 0
    var weightsChecksum: UInt64 = 0
    var fileLength: UInt64 = 0
    var metadataOffset: UInt64 = 0
    var metadataLength: UInt64 = 0
    var tableOffset: UInt64 = 0
    var tableLength: UInt64 = 0
    var tensorCount: UInt64 = 0
    var dataOffset: UInt64 = 0
    var dataLength: UInt64 = 0

    /// Reads the header fields (without validating them) from the first
    /// `ModelFileLayout.headerSize` bytes.
    ///
    /// - Precondition: `bytes.count >= ModelFileLayout.headerSize`.
    init(reading bytes: UnsafeRawBufferPointer) {
        typealias Field = ModelFileLayout.Field
        version = bytes.littleEndianUInt32(at: Field.version)
        flags = bytes.littleEndianUInt32(at: Field.flags)
        headerChecksum = bytes.littleEndianUInt64(at: Field.headerChecksum)
        weightsChecksum = bytes.littleEndianUInt64(at: Field.weightsChecksum)
        fileLength = bytes.littleEndianUInt64(at: Field.fileLength)
        metadataOffset = bytes.littleEndianUInt64(at: Field.metadataOffset)
        metadataLength = bytes.littleEndianUInt64(at: Field.metadataLength)
        tableOffset = bytes.littleEndianUInt64(at: Field.tableOffset)
        tableLength = bytes.littleEndianUInt64(at: Field.tableLength)
        tensorCount = bytes.littleEndianUInt64(at: Field.tensorCount)
        dataOffset = bytes.littleEndianUInt64(at: Field.dataOffset)
        dataLength = bytes.littleEndianUInt64(at: Field.dataLength)
    }

    init() {}

    /// The header's `ModelFileLayout.headerSize` bytes (reserved bytes zero).
    var encoded: [UInt8] {
        var bytes = ModelFileLayout.magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(flags)
        for value in [
            headerChecksum, weightsChecksum, fileLength, metadataOffset, metadataLength, tableOffset, tableLength,
            tensorCount, dataOffset, dataLength,
        ] {
            bytes.appendLittleEndian(value)
        }
        bytes.append(contentsOf: repeatElement(0, count: ModelFileLayout.headerSize - bytes.count))
        return bytes
    }
}

/// One entry of the tensor table.
struct ModelFileTableEntry: Equatable {
    var name: String
    var dataType: TensorDataType
    var shape: [UInt64]
    /// Absolute file offset of the first byte.
    var offset: UInt64
    var byteLength: UInt64

    /// The entry's bytes, padded with zeros to `ModelFileLayout.tableAlignment`.
    ///
    /// - Precondition: `dataType` has a code and `shape.count <= ModelFileLayout.maximumRank`.
    var encoded: [UInt8] {
        let nameBytes = Array(name.utf8)
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(offset)
        bytes.appendLittleEndian(byteLength)
        bytes.appendLittleEndian(ModelFileLayout.code(for: dataType) ?? 0)
        bytes.appendLittleEndian(UInt32(shape.count))
        bytes.appendLittleEndian(UInt32(nameBytes.count))
        bytes.appendLittleEndian(UInt32(0))  // reserved
        for dimension in shape { bytes.appendLittleEndian(dimension) }
        bytes.append(contentsOf: nameBytes)
        let padded = (bytes.count + ModelFileLayout.tableAlignment - 1) / ModelFileLayout.tableAlignment
            * ModelFileLayout.tableAlignment
        bytes.append(contentsOf: repeatElement(0, count: padded - bytes.count))
        return bytes
    }
}

extension UnsafeRawBufferPointer {
    /// A little-endian `UInt64` at any offset. Callers check bounds first.
    @inline(__always)
    func littleEndianUInt64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A little-endian `UInt32` at any offset. Callers check bounds first.
    @inline(__always)
    func littleEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

}
