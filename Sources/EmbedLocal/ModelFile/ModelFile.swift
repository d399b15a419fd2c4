import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A model exported to our flat binary format (`.embed`): one memory-mapped file holding a JSON
/// metadata document and every weight. See `Models/FORMAT.md` for the byte layout.
///
/// Opening a file validates all of it before returning — magic, version, every section bound,
/// every tensor table entry, the metadata JSON and both checksums — so a truncated, corrupted or
/// foreign file is rejected with a `ModelFileError` that says what is wrong, never a crash and
/// never garbage vectors later.
///
/// fp32 tensors are zero-copy views into the mapping; fp16 tensors are widened to fp32 once,
/// during `init`; int8 tensors are views too (``quantized(_:)``), their scales and values checked
/// during `init`.
public final class ModelFile: TensorSource {
    /// One tensor of the file, as its table entry describes it.
    public struct Tensor: Sendable, Hashable {
        /// The tensor's name (e.g. `encoder.layer.0.attention.self.query.weight`).
        public let name: String
        /// How the elements are stored in the file.
        public let dataType: TensorDataType
        /// The shape, row-major.
        public let shape: [Int]
        /// The absolute file offset of the first byte (a multiple of 64).
        public let offset: Int
        /// The stored size in bytes.
        public let byteLength: Int
    }

    /// The first eight bytes of every model file: `EMBEDMDL`.
    public static let magic: [UInt8] = ModelFileLayout.magic
    /// The newest format version this build reads, the one `ModelFileWriter` writes int8 files in
    /// (f32 and f16 files are written in version 2, which older builds read).
    public static let currentFormatVersion: UInt32 = ModelFileLayout.formatVersion

    /// The path the file was opened from.
    public let path: String
    /// The format version the file was written in.
    public let formatVersion: UInt32
    /// How the weights are stored.
    public let storage: ModelFileStorage
    /// The metadata section, byte for byte: a UTF-8 JSON object (model description, tokenizer,
    /// prompts, similarity, source — see `Models/FORMAT.md`).
    public let metadata: Data
    /// The file's size in bytes.
    public let fileSize: Int
    /// The header checksum as 16 lowercase hex digits. It covers the header — which records the
    /// weights checksum — the metadata and the tensor table, so it identifies the whole file's
    /// content and serves as a fingerprint (e.g. a cache key).
    public let checksum: String
    /// The checksum of the tensor data section alone, as 16 lowercase hex digits.
    public let weightsChecksum: String
    /// Whether the weights checksum was verified when the file was opened.
    public let weightsVerified: Bool
    /// Every tensor, in file order (an int8 tensor's scales included, as `NAME.scale`).
    public let tensors: [Tensor]

    private let tensorsByName: [String: Tensor]
    private let buffers: [String: TensorBuffer]
    private let quantizedTensors: [String: QuantizedTensor]
    /// Kept so that the views in `buffers` stay valid.
    private let mapping: MappedFile

    /// Maps the file at `path` and validates all of it.
    ///
    /// - Parameters:
    ///   - path: the `.embed` file.
    ///   - verifyChecksum: whether to hash every weight and compare with the recorded checksum.
    ///     The header, metadata and tensor table are always verified (they are small); skipping
    ///     the weights saves one pass over them at the price of not detecting a corrupted
    ///     weight.
    /// - Throws: `ModelFileError` naming the first problem found.
    public init(path: String, verifyChecksum: Bool = true) throws(ModelFileError) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        let bytes = mapping.bytes
        let header = try Self.validateHeader(bytes, path: path)
        // validateHeader refused the contradictory combination of flags.
        let storage = ModelFileLayout.storage(flags: header.flags) ?? .float32

        let recordedHeaderChecksum = header.headerChecksum
        let computedHeaderChecksum = ModelFileLayout.headerChecksum(bytes, prefixLength: Int(header.dataOffset))
        guard computedHeaderChecksum == recordedHeaderChecksum else {
            throw .headerChecksumMismatch(path: path, recorded: recordedHeaderChecksum, computed: computedHeaderChecksum)
        }

        let tensors = try Self.readTable(bytes, header: header, storage: storage, path: path)
        if storage == .int8 && !tensors.contains(where: { $0.dataType == .int8 }) {
            throw .invalidHeader(path: path, field: "flags", value: UInt64(header.flags),
                                 reason: "int8 storage is declared, but no tensor is stored as int8")
        }
        var tensorsByName: [String: Tensor] = [:]
        for tensor in tensors { tensorsByName[tensor.name] = tensor }

        let metadataRange = Int(header.metadataOffset)..<Int(header.metadataOffset + header.metadataLength)
        let metadata = Data(UnsafeRawBufferPointer(rebasing: bytes[metadataRange]))
        try Self.validateMetadata(metadata, path: path)

        let dataRange = Int(header.dataOffset)..<Int(header.dataOffset + header.dataLength)
        if verifyChecksum {
            let data = UnsafeRawBufferPointer(rebasing: bytes[dataRange])
            // A hint only: on a cold page cache it starts reading the whole section from disk at
            // once instead of page by page as the hash reaches it.
            if let base = data.baseAddress, data.count > 0 {
                Self.advise(base, count: data.count, MADV_WILLNEED)
            }
            let computed = XXHash64.hash(data)
            guard computed == header.weightsChecksum else {
                throw .weightsChecksumMismatch(path: path, recorded: header.weightsChecksum, computed: computed)
            }
            // Hashing mapped every page into this process. Unmap them again (they stay in the
            // page cache): the forward pass faults back what it reads, and the vocabulary table,
            // half the file, is only read a row per token in use. Peak RSS then counts the
            // weights a workload touches, not the whole file.
            if let base = data.baseAddress, data.count > 0 {
                Self.advise(base, count: data.count, MADV_DONTNEED)
            }
        }

        var buffers: [String: TensorBuffer] = [:]
        for tensor in tensors where tensor.dataType != .int8 {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[tensor.offset..<(tensor.offset + tensor.byteLength)])
            buffers[tensor.name] = Self.floats(of: tensor, raw: raw, mapping: mapping)
        }
        let quantizedTensors = try Self.bindQuantized(tensors, buffers: buffers, bytes: bytes, mapping: mapping, path: path)

        self.path = path
        self.formatVersion = header.version
        self.storage = storage
        self.metadata = metadata
        self.fileSize = bytes.count
        self.checksum = ModelFileError.hex64(recordedHeaderChecksum)
        self.weightsChecksum = ModelFileError.hex64(header.weightsChecksum)
        self.weightsVerified = verifyChecksum
        self.tensors = tensors
        self.tensorsByName = tensorsByName
        self.buffers = buffers
        self.quantizedTensors = quantizedTensors
        self.mapping = mapping
    }

    // MARK: TensorSource

    /// The names of the model's tensors, in file order: every tensor but the scales of int8
    /// ones, which belong to their tensor.
    public var tensorNames: [String] {
        tensors.map(\.name).filter { !isScale($0) }
    }

    /// Whether `name` is the scales of an int8 tensor.
    private func isScale(_ name: String) -> Bool {
        name.hasSuffix(ModelFileLayout.scaleSuffix)
            && quantizedTensors[String(name.dropLast(ModelFileLayout.scaleSuffix.count))] != nil
    }

    /// The shape of a tensor, or `nil` when the file has none by that name.
    public func shape(of name: String) -> [Int]? { tensorsByName[name]?.shape }

    /// A tensor's elements as fp32: a view into the mapping for fp32 storage, the buffer widened
    /// at load for fp16 storage. Either way no work is done here.
    public func floats(_ name: String) throws(ModelFileError) -> TensorBuffer {
        if let quantized = quantizedTensors[name] { return quantized.dequantized() }
        guard let buffer = buffers[name] else { throw .tensorNotFound(path: path, tensor: name) }
        return buffer
    }

    /// An int8 tensor with its scales, as views into the mapping; `nil` for other tensors.
    public func quantized(_ name: String) -> QuantizedTensor? { quantizedTensors[name] }

    // MARK: Matching a model

    /// Checks that the file holds exactly the tensors a model needs: each expected name present
    /// with the expected shape, and no tensor the model would not use (a sign that the file was
    /// exported from another architecture, or that the model description is wrong).
    ///
    /// - Throws: `ModelFileError.tensorsDoNotMatchModel` listing every missing, misshapen and
    ///   unused tensor at once.
    public func validate(expected: [(name: String, shape: [Int])]) throws(ModelFileError) {
        var missing: [String] = []
        var wrongShapes: [ModelFileError.ShapeMismatch] = []
        var expectedNames = Set<String>()
        for (name, shape) in expected where expectedNames.insert(name).inserted {
            guard let tensor = tensorsByName[name] else {
                missing.append(name)
                continue
            }
            if tensor.shape != shape {
                wrongShapes.append(.init(tensor: name, expected: shape, found: tensor.shape))
            }
        }
        let unused = tensorNames.filter { !expectedNames.contains($0) }
        guard missing.isEmpty, wrongShapes.isEmpty, unused.isEmpty else {
            throw .tensorsDoNotMatchModel(path: path, missing: missing, wrongShapes: wrongShapes, unused: unused)
        }
    }

    // MARK: Validation

    /// Checks the magic, version, flags and every section bound; returns the header with offsets
    /// proven to lie inside the file (so later `Int` conversions cannot trap).
    private static func validateHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws(ModelFileError) -> ModelFileHeader {
        typealias Layout = ModelFileLayout
        let size = bytes.count
        let magicLength = min(size, Layout.magic.count)
        guard bytes.prefix(magicLength).elementsEqual(Layout.magic.prefix(magicLength)) else {
            throw .notAModelFile(path: path, leadingBytes: Array(bytes.prefix(16)))
        }
        if size == 0 { throw .notAModelFile(path: path, leadingBytes: []) }
        // The version comes before the size check: a newer version may have a larger header.
        guard size >= Layout.Field.version + 4 else {
            throw .headerTruncated(path: path, size: size, headerSize: Layout.headerSize)
        }
        let version = bytes.littleEndianUInt32(at: Layout.Field.version)
        guard version >= 1 else {
            throw .invalidHeader(path: path, field: "format version", value: UInt64(version), reason: "versions start at 1")
        }
        guard version <= Layout.formatVersion else {
            throw .unsupportedVersion(path: path, found: version, supported: Layout.formatVersion)
        }
        guard size >= Layout.headerSize else {
            throw .headerTruncated(path: path, size: size, headerSize: Layout.headerSize)
        }
        let header = ModelFileHeader(reading: bytes)
        let knownFlags = Layout.knownFlags(version: version)
        guard header.flags & ~knownFlags == 0 else {
            throw .unsupportedFlags(path: path, flags: header.flags, known: knownFlags)
        }
        guard Layout.storage(flags: header.flags) != nil else {
            throw .invalidHeader(path: path, field: "flags", value: UInt64(header.flags),
                                 reason: "float16 and int8 storage exclude each other")
        }
        guard header.fileLength == UInt64(size) else {
            throw .sizeMismatch(path: path, actualSize: size, recordedSize: header.fileLength)
        }
        let fileSize = UInt64(size)

        func invalid(_ field: String, _ value: UInt64, _ reason: String) -> ModelFileError {
            .invalidHeader(path: path, field: field, value: value, reason: reason)
        }
        // Each section starts at or after the end of the previous one and ends inside the file;
        // every comparison is written so that it cannot overflow.
        guard header.metadataOffset >= UInt64(Layout.headerSize), header.metadataOffset <= fileSize else {
            throw invalid("metadata offset", header.metadataOffset, "it must lie between the header end (\(Layout.headerSize)) and the file end (\(size))")
        }
        guard header.metadataLength <= fileSize - header.metadataOffset else {
            throw invalid("metadata length", header.metadataLength, "only \(fileSize - header.metadataOffset) bytes follow the metadata offset")
        }
        let metadataEnd = header.metadataOffset + header.metadataLength
        guard header.tableOffset >= metadataEnd, header.tableOffset <= fileSize else {
            throw invalid("tensor table offset", header.tableOffset, "it must lie between the metadata end (\(metadataEnd)) and the file end (\(size))")
        }
        guard header.tableOffset % UInt64(Layout.tableAlignment) == 0 else {
            throw invalid("tensor table offset", header.tableOffset, "it must be a multiple of \(Layout.tableAlignment)")
        }
        guard header.tableLength <= fileSize - header.tableOffset else {
            throw invalid("tensor table length", header.tableLength, "only \(fileSize - header.tableOffset) bytes follow the table offset")
        }
        let tableEnd = header.tableOffset + header.tableLength
        guard header.tensorCount <= header.tableLength / UInt64(Layout.entryFixedSize) else {
            throw invalid("tensor count", header.tensorCount, "a \(header.tableLength)-byte table holds at most \(header.tableLength / UInt64(Layout.entryFixedSize)) entries")
        }
        guard header.dataOffset >= tableEnd, header.dataOffset <= fileSize else {
            throw invalid("data offset", header.dataOffset, "it must lie between the tensor table end (\(tableEnd)) and the file end (\(size))")
        }
        guard header.dataOffset % UInt64(Layout.tensorAlignment) == 0 else {
            throw invalid("data offset", header.dataOffset, "it must be a multiple of \(Layout.tensorAlignment)")
        }
        guard header.dataLength == fileSize - header.dataOffset else {
            throw invalid("data length", header.dataLength, "the data section runs from \(header.dataOffset) to the file end (\(size)), \(fileSize - header.dataOffset) bytes")
        }
        for offset in stride(from: Layout.Field.reserved, to: Layout.headerSize, by: 8) {
            let value = bytes.littleEndianUInt64(at: offset)
            guard value == 0 else { throw invalid("reserved header bytes \(offset)..<\(offset + 8)", value, "they must be zero") }
        }
        return header
    }

    /// Parses and checks every tensor table entry.
    private static func readTable(
        _ bytes: UnsafeRawBufferPointer, header: ModelFileHeader, storage: ModelFileStorage, path: String
    ) throws(ModelFileError) -> [Tensor] {
        typealias Layout = ModelFileLayout
        let table = UnsafeRawBufferPointer(rebasing: bytes[Int(header.tableOffset)..<Int(header.tableOffset + header.tableLength)])
        let dataStart = header.dataOffset
        let dataEnd = header.dataOffset + header.dataLength
        var cursor = 0
        var tensors: [Tensor] = []
        tensors.reserveCapacity(Int(header.tensorCount))  // bounded by tableLength / 32 above
        var names = Set<String>()

        for index in 0..<Int(header.tensorCount) {
            func invalid(_ reason: String, _ name: String? = nil) -> ModelFileError {
                .invalidTensorEntry(path: path, index: index, tensor: name, reason: reason)
            }
            guard table.count - cursor >= Layout.entryFixedSize else {
                throw invalid("starts at table byte \(cursor), but the \(table.count)-byte table ends before its fixed \(Layout.entryFixedSize) bytes")
            }
            let offset = table.littleEndianUInt64(at: cursor)
            let byteLength = table.littleEndianUInt64(at: cursor + 8)
            let typeCode = table.littleEndianUInt32(at: cursor + 16)
            let rank = table.littleEndianUInt32(at: cursor + 20)
            let nameLength = table.littleEndianUInt32(at: cursor + 24)
            let reserved = table.littleEndianUInt32(at: cursor + 28)
            guard reserved == 0 else { throw invalid("has non-zero reserved bytes (\(reserved))") }
            guard rank <= UInt32(Layout.maximumRank) else { throw invalid("has rank \(rank); the maximum is \(Layout.maximumRank)") }
            guard nameLength > 0 else { throw invalid("has an empty name") }
            let variableLength = UInt64(rank) * 8 + UInt64(nameLength)
            let remaining = UInt64(table.count - cursor - Layout.entryFixedSize)
            guard variableLength <= remaining else {
                throw invalid("needs \(variableLength) bytes for \(rank) dimensions and a \(nameLength)-byte name, but only \(remaining) bytes of the table remain")
            }
            var position = cursor + Layout.entryFixedSize
            var shape: [UInt64] = []
            for _ in 0..<Int(rank) {
                shape.append(table.littleEndianUInt64(at: position))
                position += 8
            }
            let nameBytes = UnsafeRawBufferPointer(rebasing: table[position..<(position + Int(nameLength))])
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw invalid("has a name that is not valid UTF-8")
            }
            guard !ModelFileLayout.containsControlCharacter(name) else {
                throw invalid("has a name with a control character: \(name.debugDescription)")
            }
            position += Int(nameLength)
            // Pad to the table alignment; the padding must be zero and inside the table.
            let entryEnd = (position + Layout.tableAlignment - 1) / Layout.tableAlignment * Layout.tableAlignment
            guard entryEnd <= table.count else { throw invalid("has its padding past the table end", name) }
            guard table[position..<entryEnd].allSatisfy({ $0 == 0 }) else { throw invalid("has non-zero padding", name) }
            cursor = entryEnd

            guard names.insert(name).inserted else { throw .duplicateTensor(path: path, tensor: name) }
            guard let dataType = Layout.dataType(forCode: typeCode) else {
                throw .unknownDataType(path: path, tensor: name, code: typeCode)
            }
            guard storage.allows(dataType) else {
                throw .storageMismatch(path: path, tensor: name, found: dataType, storage: storage)
            }
            let expectedBytes = Layout.byteLength(shape: shape, width: dataType.byteWidth)
            guard let expectedBytes, expectedBytes == byteLength else {
                // `.max` stands for "too large to count" in the message.
                throw .tensorSizeMismatch(
                    path: path, tensor: name, shape: shape, dataType: dataType,
                    expectedBytes: expectedBytes ?? .max, recordedBytes: byteLength)
            }
            guard offset % UInt64(Layout.tensorAlignment) == 0 else {
                throw .tensorMisaligned(path: path, tensor: name, offset: offset, alignment: Layout.tensorAlignment)
            }
            guard offset >= dataStart, offset <= dataEnd, byteLength <= dataEnd - offset else {
                throw .tensorOutOfBounds(
                    path: path, tensor: name, offset: offset, length: byteLength, dataStart: dataStart, dataEnd: dataEnd)
            }
            // Inside the file, so every value now fits an Int.
            tensors.append(Tensor(
                name: name, dataType: dataType, shape: shape.map { Int($0) }, offset: Int(offset),
                byteLength: Int(byteLength)))
        }
        guard cursor == table.count else {
            throw .invalidHeader(
                path: path, field: "tensor table length", value: header.tableLength,
                reason: "its \(header.tensorCount) entries take \(cursor) bytes")
        }

        // Sorted by start, each non-empty tensor must end before the next non-empty one starts.
        let byOffset = tensors.indices.filter { tensors[$0].byteLength > 0 }.sorted {
            (tensors[$0].offset, $0) < (tensors[$1].offset, $1)
        }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where tensors[previous].offset + tensors[previous].byteLength > tensors[next].offset {
            // Named in table order, so the message does not depend on which one starts first.
            let (first, second) = (min(previous, next), max(previous, next))
            throw .tensorsOverlap(path: path, first: tensors[first].name, second: tensors[second].name)
        }
        return tensors
    }

    /// Binds each int8 tensor to its scales, after checking both: the tensor is a matrix, its
    /// scales an fp32 vector with one finite, non-negative value per row, and no value is -128
    /// (the products' kernels rely on [-127, 127]).
    private static func bindQuantized(
        _ tensors: [Tensor], buffers: [String: TensorBuffer], bytes: UnsafeRawBufferPointer, mapping: MappedFile,
        path: String
    ) throws(ModelFileError) -> [String: QuantizedTensor] {
        var bound: [String: QuantizedTensor] = [:]
        for tensor in tensors where tensor.dataType == .int8 {
            func invalid(_ reason: String) -> ModelFileError {
                .invalidQuantization(path: path, tensor: tensor.name, reason: reason)
            }
            guard tensor.shape.count == 2 else { throw invalid("has shape \(tensor.shape); int8 tensors are matrices") }
            let (rows, columns) = (tensor.shape[0], tensor.shape[1])
            let scaleName = tensor.name + ModelFileLayout.scaleSuffix
            guard let scales = buffers[scaleName], scales.shape == [rows] else {
                throw invalid("has no fp32 scales of shape [\(rows)] (\(scaleName))")
            }
            if let bad = scales.pointer.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw invalid("has scale \(scales.pointer[bad]) for row \(bad); scales are finite and not negative")
            }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[tensor.offset..<(tensor.offset + tensor.byteLength)])
            // The scan maps the tensor's pages in; they leave again at once, so that opening a
            // file never holds all its int8 pages at the same time.
            defer { if let base = raw.baseAddress, !raw.isEmpty { advise(base, count: raw.count, MADV_DONTNEED) } }
            if let bad = raw.firstIndex(of: 0x80) {
                let index = bad - raw.startIndex
                throw invalid("holds -128 at row \(index / columns), column \(index % columns); values are in [-127, 127]")
            }
            guard let values = raw.baseAddress?.assumingMemoryBound(to: Int8.self), let scaleBase = scales.pointer.baseAddress else {
                continue  // an empty matrix: nothing to bind
            }
            bound[tensor.name] = QuantizedTensor(values: values, scales: scaleBase, rows: rows, columns: columns, owner: mapping)
        }
        return bound
    }

    /// Checks that the metadata is a UTF-8 JSON object.
    private static func validateMetadata(_ metadata: Data, path: String) throws(ModelFileError) {
        if let problem = ModelFileLayout.metadataProblem(metadata) {
            throw .invalidMetadata(path: path, reason: problem)
        }
    }

    /// The fp32 elements of a validated tensor.
    private static func floats(of tensor: Tensor, raw: UnsafeRawBufferPointer, mapping: MappedFile) -> TensorBuffer {
        let count = tensor.byteLength / tensor.dataType.byteWidth
        switch tensor.dataType {
        case .float32:
            #if _endian(little)
            // The offset is 64-aligned in a page-aligned mapping, so binding to Float is valid.
            let view = raw.baseAddress.map { UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Float.self), count: count) }
            return TensorBuffer(pointer: view ?? UnsafeBufferPointer(start: nil, count: 0), shape: tensor.shape, owner: mapping)
            #else
            let storage = WidenedFloats(count: count)
            storage.fill(fromLittleEndianFloat32: raw)
            return TensorBuffer(pointer: UnsafeBufferPointer(storage.pointer), shape: tensor.shape, owner: storage)
            #endif
        default:
            // Only float16 passes validation besides float32.
            let storage = WidenedFloats(count: count)
            storage.fill(fromLittleEndianFloat16: raw)
            return TensorBuffer(pointer: UnsafeBufferPointer(storage.pointer), shape: tensor.shape, owner: storage)
        }
    }

    /// Passes `advice` to madvise(2) for the pages covering `count` bytes from `base`.
    static func advise(_ base: UnsafeRawPointer, count: Int, _ advice: Int32) {
        // madvise wants a page-aligned start; the data section is 64-aligned only. Both advices
        // used here are hints on a read-only private mapping (never written, so MADV_DONTNEED
        // loses nothing: pages are read back from the file), and failure is harmless, so the
        // result is ignored.
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard pageSize > 0 else { return }
        let address = Int(bitPattern: base)
        let alignedStart = address & ~(pageSize - 1)
        _ = madvise(UnsafeMutableRawPointer(bitPattern: alignedStart), count + (address - alignedStart), advice)
    }
}

/// fp32 elements computed once from stored data (widened fp16), freed with the last reference.
final class WidenedFloats: @unchecked Sendable {
    // @unchecked: written only by a `fill` during ModelFile.init, before the buffer is shared;
    // read-only afterwards.
    let pointer: UnsafeMutableBufferPointer<Float>

    /// Allocates `count` elements; a `fill` initializes them (Float is trivial, so storing to
    /// fresh memory is initialization and no zeroing pass is needed).
    init(count: Int) {
        pointer = .allocate(capacity: count)
    }

    /// Widens `raw`, little-endian binary16 elements, one per element of `pointer`.
    func fill(fromLittleEndianFloat16 raw: UnsafeRawBufferPointer) {
        guard let destination = pointer.baseAddress else { return }
        let available = min(pointer.count, raw.count / 2)
        if let source = raw.baseAddress {
            for index in 0..<available {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
                destination[index] = HalfPrecision.float(fromBits: bits)
            }
        }
        (destination + available).initialize(repeating: 0, count: pointer.count - available)  // never, by validation
    }

    /// Copies `raw`, little-endian binary32 elements (for big-endian hosts).
    func fill(fromLittleEndianFloat32 raw: UnsafeRawBufferPointer) {
        guard let destination = pointer.baseAddress else { return }
        let available = min(pointer.count, raw.count / 4)
        if let source = raw.baseAddress {
            for index in 0..<available {
                let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
                destination[index] = Float(bitPattern: bits)
            }
        }
        (destination + available).initialize(repeating: 0, count: pointer.count - available)  // never, by validation
    }

    deinit { pointer.deallocate() }
}
