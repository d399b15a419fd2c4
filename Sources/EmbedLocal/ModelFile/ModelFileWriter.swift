import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes model files (see `ModelFile` and `Models/FORMAT.md`).
public enum ModelFileWriter {
    /// What was written.
    public struct Summary: Sendable, Hashable {
        /// The destination path.
        public let path: String
        /// The file's size in bytes.
        public let fileSize: Int
        /// The header checksum (the file's fingerprint), as `ModelFile.checksum` reports it.
        public let checksum: String
        /// The checksum of the tensor data, as `ModelFile.weightsChecksum` reports it.
        public let weightsChecksum: String
        /// How the weights were stored.
        public let storage: ModelFileStorage
        /// How many tensors the file holds.
        public let tensorCount: Int
    }

    /// Writes `metadata` and the tensors `names` of `tensors` (in that order) to `url`.
    ///
    /// The file is written next to its destination under a temporary name, flushed to disk,
    /// re-opened and fully verified (checksums included), and only then renamed over `url`; a
    /// failure at any step removes the temporary file, so an export never leaves a half-written
    /// or unreadable model behind, and an existing file at `url` is replaced only by a good one.
    ///
    /// - Parameters:
    ///   - metadata: a UTF-8 JSON object, stored byte for byte.
    ///   - tensors: where the weights come from (e.g. a safetensors checkpoint).
    ///   - names: the tensors to store — exactly those the model uses; each must exist in
    ///     `tensors` and appear once.
    ///   - storage: `.float32` (default, loaded without a copy), `.float16` (half the size) or
    ///     `.int8` (the tensors in `quantizing` as int8 with per-row scales, the rest fp32).
    ///   - quantizing: with `.int8` storage, the matrices to store as int8 (the linear layers'
    ///     weights and the word table); ignored otherwise.
    ///   - url: the destination file.
    /// - Throws: `ModelFileError` when the input is invalid (metadata not a JSON object, a name
    ///   missing or repeated, a weight not finite or out of fp16 range) or the file system fails.
    @discardableResult
    public static func write(
        metadata: Data, tensors: some TensorSource, names: [String], storage: ModelFileStorage = .float32,
        quantizing: Set<String> = [], to url: URL
    ) throws(ModelFileError) -> Summary {
        try validateMetadata(metadata)
        let plan = try layOut(
            metadataLength: metadata.count, tensors: tensors, names: names, storage: storage,
            quantizing: storage == .int8 ? quantizing : [])

        let destination = url.path(percentEncoded: false)
        let directory = url.deletingLastPathComponent().path(percentEncoded: false)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            .path(percentEncoded: false)

        var output = try OutputFile(creating: temporary, finalPath: destination)
        var keepTemporary = false
        defer {
            output.closeIfOpen()
            if !keepTemporary { unlink(temporary) }
        }

        // Header, metadata and table go out first with zero checksums; the header is rewritten
        // once the weights have been hashed.
        var prefix = plan.header.encoded
        prefix.append(contentsOf: metadata)
        prefix.append(contentsOf: repeatElement(0, count: Int(plan.header.tableOffset) - prefix.count))
        for entry in plan.entries { prefix.append(contentsOf: entry.encoded) }
        prefix.append(contentsOf: repeatElement(0, count: Int(plan.header.dataOffset) - prefix.count))
        try output.write(prefix)

        var hasher = XXHash64()
        var position = plan.header.dataOffset
        // The scales of the last int8 tensor written: its scale entry comes right after it.
        var scales: [Float] = []
        for entry in plan.entries {
            let padding = Int(entry.offset - position)
            if padding > 0 {
                let zeros = [UInt8](repeating: 0, count: padding)
                zeros.withUnsafeBytes { hasher.update($0) }
                try output.write(zeros)
            }
            if let quantized = plan.scalesOf[entry.name] {
                guard UInt64(scales.count) * 4 == entry.byteLength else {
                    throw .sourceTensorUnreadable(tensor: quantized, reason: "its scales were not computed before its scale entry")
                }
                let words = scales.map { $0.bitPattern.littleEndian }
                try words.withBytes { (bytes) throws(ModelFileError) in
                    hasher.update(bytes)
                    try output.write(bytes)
                }
            } else {
                scales = try writeTensor(entry, from: tensors, storage: storage, to: &output, hasher: &hasher)
            }
            position = entry.offset + entry.byteLength
        }

        var header = plan.header
        header.weightsChecksum = hasher.finalize()
        prefix.replaceSubrange(0..<ModelFileLayout.headerSize, with: header.encoded)
        header.headerChecksum = prefix.withUnsafeBytes {
            ModelFileLayout.headerChecksum($0, prefixLength: Int(header.dataOffset))
        }
        try output.write(header.encoded, at: 0)
        try output.synchronizeAndClose()

        // Read back through the real reader: what we rename into place is known to load.
        let written: ModelFile
        do {
            written = try ModelFile(path: temporary, verifyChecksum: true)
        } catch {
            throw .cannotWrite(path: destination, reason: "the written file failed verification: \(error.description)")
        }
        guard rename(temporary, destination) == 0 else {
            throw .cannotWrite(path: destination, reason: "cannot move the finished file into place: \(errorText())")
        }
        keepTemporary = true
        synchronizeDirectory(directory)
        return Summary(
            path: destination, fileSize: written.fileSize, checksum: written.checksum,
            weightsChecksum: written.weightsChecksum, storage: storage, tensorCount: written.tensors.count)
    }

    // MARK: Planning

    private struct Plan {
        var header: ModelFileHeader
        var entries: [ModelFileTableEntry]
        /// The int8 tensor each scale entry belongs to, by the scale entry's name.
        var scalesOf: [String: String] = [:]
    }

    private static func validateMetadata(_ metadata: Data) throws(ModelFileError) {
        if let problem = ModelFileLayout.metadataProblem(metadata) {
            throw .invalidMetadataInput(reason: problem)
        }
    }

    /// Computes every offset: header, metadata, table (8-aligned), data (64-aligned), each tensor
    /// 64-aligned in the order given.
    private static func layOut(
        metadataLength: Int, tensors: some TensorSource, names: [String], storage: ModelFileStorage,
        quantizing: Set<String>
    ) throws(ModelFileError) -> Plan {
        typealias Layout = ModelFileLayout
        var seen = Set<String>()
        var entries: [ModelFileTableEntry] = []
        var scalesOf: [String: String] = [:]
        for name in names {
            guard !name.isEmpty else { throw .invalidTensorName(name: name, reason: "is empty") }
            guard !ModelFileLayout.containsControlCharacter(name) else {
                throw .invalidTensorName(name: name, reason: "contains a control character")
            }
            guard name.utf8.count <= Int(UInt32.max) else { throw .invalidTensorName(name: name, reason: "is too long") }
            guard seen.insert(name).inserted else { throw .invalidTensorName(name: name, reason: "is listed twice") }
            guard let shape = tensors.shape(of: name) else { throw .sourceTensorMissing(tensor: name) }
            guard shape.count <= Layout.maximumRank, shape.allSatisfy({ $0 >= 0 }) else {
                throw .sourceTensorUnreadable(tensor: name, reason: "its shape \(shape) is not a valid shape of rank at most \(Layout.maximumRank)")
            }
            let dimensions = shape.map { UInt64($0) }
            let dataType: TensorDataType = quantizing.contains(name) ? .int8 : storage.dataType
            if dataType == .int8 && shape.count != 2 {
                throw .sourceTensorUnreadable(tensor: name, reason: "its shape \(shape) is not a matrix, which int8 storage needs")
            }
            guard let byteLength = Layout.byteLength(shape: dimensions, width: dataType.byteWidth) else {
                throw .sourceTensorUnreadable(tensor: name, reason: "its shape \(shape) is too large")
            }
            entries.append(ModelFileTableEntry(
                name: name, dataType: dataType, shape: dimensions, offset: 0, byteLength: byteLength))
            if dataType == .int8 {
                // The scales follow their tensor, one fp32 per row.
                let scaleName = name + Layout.scaleSuffix
                guard seen.insert(scaleName).inserted, !names.contains(scaleName) else {
                    throw .invalidTensorName(name: scaleName, reason: "is both a tensor and the scales of \(name)")
                }
                scalesOf[scaleName] = name
                entries.append(ModelFileTableEntry(
                    name: scaleName, dataType: .float32, shape: [dimensions[0]], offset: 0, byteLength: dimensions[0] * 4))
            }
        }

        var header = ModelFileHeader()
        header.flags = Layout.flags(for: storage)
        header.version = Layout.writtenVersion(for: storage)
        header.metadataOffset = UInt64(Layout.headerSize)
        header.metadataLength = UInt64(metadataLength)
        header.tableOffset = alignUp(header.metadataOffset + header.metadataLength, Layout.tableAlignment)
        header.tableLength = UInt64(entries.reduce(0) { $0 + $1.encoded.count })
        header.tensorCount = UInt64(entries.count)
        header.dataOffset = alignUp(header.tableOffset + header.tableLength, Layout.tensorAlignment)
        var position = header.dataOffset
        for index in entries.indices {
            position = alignUp(position, Layout.tensorAlignment)
            entries[index].offset = position
            position += entries[index].byteLength
        }
        header.dataLength = position - header.dataOffset
        header.fileLength = position
        return Plan(header: header, entries: entries, scalesOf: scalesOf)
    }

    private static func alignUp(_ value: UInt64, _ alignment: Int) -> UInt64 {
        // Sizes here come from tensors held in memory, far below UInt64.max.
        ModelFileLayout.align(value, to: alignment) ?? value
    }

    // MARK: Tensor data

    /// Elements converted per chunk, bounding the scratch memory of a conversion.
    private static let chunkElements = 1 << 16

    /// Writes one tensor's bytes: its elements in the entry's element type, or for an int8
    /// tensor its rows quantized by ``QuantizedTensor/quantize(row:into:)``, whose scales it
    /// returns for the scale entry that follows (empty for other tensors).
    private static func writeTensor(
        _ entry: ModelFileTableEntry, from source: some TensorSource, storage: ModelFileStorage,
        to output: inout OutputFile, hasher: inout XXHash64
    ) throws(ModelFileError) -> [Float] {
        let name = entry.name
        let buffer: TensorBuffer
        do {
            buffer = try source.floats(name)
        } catch {
            throw .sourceTensorUnreadable(tensor: name, reason: "\(error)")
        }
        let expectedShape = entry.shape.map { Int($0) }
        guard buffer.shape == expectedShape, buffer.count == expectedShape.reduce(1, *) else {
            throw .sourceTensorUnreadable(
                tensor: name,
                reason: "the source declared shape \(expectedShape) but produced \(buffer.count) elements of shape \(buffer.shape)")
        }
        func emit(_ bytes: UnsafeRawBufferPointer) throws(ModelFileError) {
            hasher.update(bytes)
            try output.write(bytes)
        }
        let elements = buffer.pointer
        if let bad = elements.firstIndex(where: { !$0.isFinite }) {
            throw .unrepresentableValue(tensor: name, index: bad, value: elements[bad], storage: storage)
        }
        if entry.dataType == .int8 {
            let columns = expectedShape[1]
            var row = [Int8](repeating: 0, count: columns)
            var scales: [Float] = []
            for index in 0..<expectedShape[0] {
                scales.append(row.withUnsafeMutableBufferPointer { values in
                    QuantizedTensor.quantize(row: UnsafeBufferPointer(rebasing: elements[(index * columns)..<((index + 1) * columns)]),
                                             into: values)
                })
                try row.withBytes { (bytes) throws(ModelFileError) in try emit(bytes) }
            }
            return scales
        }
        var halves: [UInt16] = []
        var start = 0
        while start < elements.count {
            let end = min(start + chunkElements, elements.count)
            let chunk = UnsafeBufferPointer(rebasing: elements[start..<end])
            if entry.dataType == .float16 {
                halves.removeAll(keepingCapacity: true)
                for (offset, value) in chunk.enumerated() {
                    guard let half = HalfPrecision.bits(from: value) else {
                        throw .unrepresentableValue(tensor: entry.name, index: start + offset, value: value, storage: storage)
                    }
                    halves.append(half.littleEndian)
                }
                try halves.withBytes { (bytes) throws(ModelFileError) in try emit(bytes) }
            } else {
                #if _endian(little)
                try emit(UnsafeRawBufferPointer(chunk))
                #else
                let words = chunk.map { $0.bitPattern.littleEndian }
                try words.withBytes { (bytes) throws(ModelFileError) in try emit(bytes) }
                #endif
            }
            start = end
        }
        return []
    }

    private static func synchronizeDirectory(_ directory: String) {
        // Best effort: makes the rename itself durable; a failure here loses nothing written.
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// The description of the current `errno`.
private func errorText() -> String { String(cString: strerror(errno)) }

/// A file being written with POSIX calls, so that partial writes and `EINTR` are handled and the
/// data can be flushed before the rename.
private struct OutputFile {
    private var descriptor: Int32
    /// Where the next `write(_:)` goes.
    private var position = 0
    private let path: String
    /// The destination the errors name, rather than the temporary file.
    private let finalPath: String

    init(creating path: String, finalPath: String) throws(ModelFileError) {
        self.path = path
        self.finalPath = finalPath
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .cannotWrite(path: finalPath, reason: "cannot create \(path): \(errorText())")
        }
    }

    /// Appends `bytes` at the current position.
    mutating func write(_ bytes: [UInt8]) throws(ModelFileError) {
        try bytes.withBytes { (raw) throws(ModelFileError) in try write(raw) }
    }

    /// Appends `bytes` at the current position.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(ModelFileError) {
        try write(bytes, at: position)
        position += bytes.count
    }

    /// Writes `bytes` at `offset` without moving the current position.
    mutating func write(_ bytes: [UInt8], at offset: Int) throws(ModelFileError) {
        try bytes.withBytes { (raw) throws(ModelFileError) in try write(raw, at: offset) }
    }

    /// Writes all of `bytes` at `offset`, retrying partial writes and `EINTR`.
    private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(ModelFileError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, base + done, bytes.count - done, off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: finalPath, reason: "writing \(path) failed: \(errorText())")
            }
            done += written
        }
    }

    mutating func synchronizeAndClose() throws(ModelFileError) {
        guard fsync(descriptor) == 0 else {
            throw .cannotWrite(path: finalPath, reason: "flushing \(path) to disk failed: \(errorText())")
        }
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else {
            throw .cannotWrite(path: finalPath, reason: "closing \(path) failed: \(errorText())")
        }
    }

    mutating func closeIfOpen() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }
}

extension Array {
    /// `withUnsafeBytes` for a body with a typed error, which `rethrows` would widen to `any Error`.
    fileprivate func withBytes(
        _ body: (UnsafeRawBufferPointer) throws(ModelFileError) -> Void
    ) throws(ModelFileError) {
        try withUnsafeBytes { raw in Result { () throws(ModelFileError) in try body(raw) } }.get()
    }
}
