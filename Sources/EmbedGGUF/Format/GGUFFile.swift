import EmbedLocal

/// A GGUF file (versions 2 and 3, little-endian), memory-mapped: its metadata and the layout of
/// its tensors, every count, string and offset checked against the file's size before use.
///
/// The layout (ggml's `docs/gguf.md`): `GGUF`, a `UInt32` version, `UInt64` tensor and key
/// counts, the key–value pairs, the tensor infos (name, dimensions innermost first, ggml type,
/// offset into the data section), then the data section at the next multiple of
/// `general.alignment` (default 32). Nothing in an untrusted file is trusted: a count that could
/// not fit, a string that runs past the end, invalid UTF-8, a tensor whose bytes leave the file or
/// overlap another's, a duplicate key or tensor name — each is a ``GGUFError`` naming the file,
/// the byte offset and what is wrong.
public final class GGUFFile: Sendable {
    /// One tensor's entry.
    public struct Tensor: Sendable, Hashable {
        /// The name as the file spells it (`blk.0.attn_q.weight`).
        public let name: String
        /// The dimensions in ggml order: the innermost (row length) first.
        public let dimensions: [Int]
        /// The element type.
        public let type: GGMLType
        /// The absolute byte offset of the data in the file.
        public let offset: Int
        /// The data's size in bytes, for a supported type; `nil` otherwise.
        public let byteCount: Int?

        /// The shape row-major, as safetensors and our model files write it (outermost first).
        public var shape: [Int] { dimensions.reversed() }
        /// The number of elements.
        public var elementCount: Int { dimensions.reduce(1, *) }
    }

    /// The file.
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Every metadata key and its value.
    public let metadata: [String: GGUFValue]
    /// The keys in file order.
    public let metadataKeys: [String]
    /// Every tensor, in file order.
    public let tensors: [Tensor]
    /// The tensors by name.
    public let tensorsByName: [String: Tensor]
    /// The alignment of the data section.
    public let alignment: Int
    /// Where the data section starts.
    public let dataOffset: Int
    /// The mapped bytes.
    let file: MappedFile

    /// The most dimensions a tensor may have (ggml's `GGML_MAX_DIMS`).
    static let maxDimensions = 4
    /// The deepest nesting of arrays accepted (the format allows nesting; no converter nests).
    static let maxArrayDepth = 2

    /// Maps and reads a GGUF file.
    ///
    /// - Throws: ``GGUFError`` for anything that is not a well-formed little-endian GGUF v2/v3
    ///   file, or when the file cannot be opened.
    public convenience init(path: String) throws(GGUFError) {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch {
            throw GGUFError(path: path, .malformed("cannot read the file: \(error)"))
        }
        try self.init(mapped: mapped)
    }

    /// Reads a GGUF file from a mapping.
    init(mapped: MappedFile) throws(GGUFError) {
        file = mapped
        path = mapped.path
        var reader = Reader(bytes: mapped.bytes, path: mapped.path)
        let magic = try reader.bytes(4, what: "the magic number")
        guard magic.elementsEqual("GGUF".utf8) else {
            let printable = magic.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }
            throw GGUFError(path: path, offset: 0, .badMagic(found: "\"" + printable.joined() + "\""))
        }
        let version = try reader.uint32(what: "the version")
        guard version == 2 || version == 3 else { throw GGUFError(path: path, offset: 4, .unsupportedVersion(version)) }
        self.version = version
        // The smallest key-value pair is 13 bytes (an empty key, a type, one byte); the smallest
        // tensor info 29 bytes (an empty name, one dimension, a type, an offset).
        let tensorCount = try reader.count(what: "the tensor count", minimumSize: 29)
        let keyCount = try reader.count(what: "the metadata key count", minimumSize: 13)

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(keyCount)
        for index in 0..<keyCount {
            let start = reader.offset
            let key = try reader.string(what: "metadata key \(index)")
            let type = try reader.uint32(what: "the type of \(key)")
            let value = try reader.value(type: type, what: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw GGUFError(path: path, offset: start, .malformed("the metadata key \(key) appears twice"))
            }
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard case .unsigned(let raw) = value, raw > 0, raw <= 1 << 20, raw & (raw - 1) == 0 else {
                throw GGUFError(path: path, .malformed("general.alignment must be a power of two up to 1 MiB; it is \(value)"))
            }
            alignment = Int(raw)
        }
        self.alignment = alignment

        var infos: [(name: String, dimensions: [Int], type: GGMLType, offset: UInt64, at: Int)] = []
        infos.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            let start = reader.offset
            let name = try reader.string(what: "tensor name \(index)")
            let dimensionCount = try reader.uint32(what: "the dimension count of \(name)")
            guard (1...UInt32(Self.maxDimensions)).contains(dimensionCount) else {
                throw GGUFError(path: path, offset: start, .malformed("tensor \(name) has \(dimensionCount) dimensions; 1 to \(Self.maxDimensions) are allowed"))
            }
            var dimensions: [Int] = []
            for _ in 0..<dimensionCount {
                let dimension = try reader.uint64(what: "a dimension of \(name)")
                // No tensor of a file that fits a disk has a dimension of 2^40 elements.
                guard dimension >= 1, dimension < 1 << 40 else {
                    throw GGUFError(path: path, offset: start, .malformed("tensor \(name) has a dimension of \(dimension)"))
                }
                dimensions.append(Int(dimension))
            }
            let type = GGMLType(id: try reader.uint32(what: "the type of \(name)"))
            let offset = try reader.uint64(what: "the offset of \(name)")
            infos.append((name, dimensions, type, offset, start))
        }
        let dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        guard dataOffset <= mapped.count else {
            throw GGUFError(path: path, offset: reader.offset, .truncated(what: "the padding before the tensor data"))
        }
        self.dataOffset = dataOffset

        var tensors: [Tensor] = []
        var byName: [String: Tensor] = [:]
        var ranges: [(range: Range<Int>, name: String)] = []
        for info in infos {
            let (elements, overflow) = info.dimensions.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, elements < 1 << 40 else {
                throw GGUFError(path: path, offset: info.at, .malformed("tensor \(info.name) has \(info.dimensions) elements, too many"))
            }
            guard info.offset % UInt64(alignment) == 0, info.offset <= UInt64(mapped.count) else {
                throw GGUFError(path: path, offset: info.at, .outOfRange(
                    tensor: info.name, detail: "its data offset \(info.offset) is not a multiple of the alignment \(alignment) within the file"))
            }
            let absolute = dataOffset + Int(info.offset)
            var byteCount: Int?
            if let block = info.type.block {
                guard info.dimensions[0] % block.elements == 0 else {
                    throw GGUFError(path: path, offset: info.at, .malformed(
                        "tensor \(info.name): its rows of \(info.dimensions[0]) elements are not whole \(info.type) blocks of \(block.elements)"))
                }
                let size = elements / block.elements * block.bytes
                guard absolute <= mapped.count, size <= mapped.count - absolute else {
                    throw GGUFError(path: path, offset: info.at, .outOfRange(
                        tensor: info.name,
                        detail: "its \(size) bytes of \(info.type) data at byte \(absolute) run past the end of the file (\(mapped.count) bytes)"))
                }
                byteCount = size
                ranges.append((absolute..<(absolute + size), info.name))
            }
            let tensor = Tensor(name: info.name, dimensions: info.dimensions, type: info.type, offset: absolute, byteCount: byteCount)
            guard byName.updateValue(tensor, forKey: info.name) == nil else {
                throw GGUFError(path: path, offset: info.at, .malformed("the tensor name \(info.name) appears twice"))
            }
            tensors.append(tensor)
        }
        // Two tensors sharing bytes would let one corrupt the other's values unnoticed.
        ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.range.lowerBound < previous.range.upperBound && !next.range.isEmpty {
            throw GGUFError(path: path, .outOfRange(tensor: next.name, detail: "its data overlaps that of \(previous.name)"))
        }
        self.tensors = tensors
        tensorsByName = byName
    }

    /// The size of the file in bytes.
    public var byteCount: Int { file.count }

    /// `general.architecture`.
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// A metadata value by key.
    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// The raw bytes of a tensor of a supported type.
    func data(of tensor: Tensor) -> UnsafeRawBufferPointer? {
        guard let byteCount = tensor.byteCount else { return nil }
        return UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + byteCount)])
    }
}

/// Reads the header sequentially, never past the end of the mapping.
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int, what: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw GGUFError(path: path, offset: offset, .truncated(what: what)) }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, what: String) throws(GGUFError) -> T {
        let raw = try bytes(MemoryLayout<T>.size, what: what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func uint32(what: String) throws(GGUFError) -> UInt32 { try load(UInt32.self, what: what) }
    mutating func uint64(what: String) throws(GGUFError) -> UInt64 { try load(UInt64.self, what: what) }

    /// A `UInt64` count of items each at least `minimumSize` bytes long, checked against what is
    /// left of the file.
    mutating func count(what: String, minimumSize: Int) throws(GGUFError) -> Int {
        let start = offset
        let count = try uint64(what: what)
        guard count <= UInt64(remaining / max(1, minimumSize)) else {
            throw GGUFError(path: path, offset: start, .absurdCount(what: what, count: count))
        }
        return Int(count)
    }

    mutating func string(what: String) throws(GGUFError) -> String {
        let length = try count(what: "the length of \(what)", minimumSize: 1)
        let start = offset
        let raw = try bytes(length, what: what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw GGUFError(path: path, offset: start, .malformed("\(what) is not valid UTF-8"))
        }
        return text
    }

    /// The smallest encoded size of a value of `type`, for bounding array counts.
    static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: nil
        }
    }

    mutating func value(type: UInt32, what: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let start = offset
        switch type {
        case 0: return .unsigned(UInt64(try load(UInt8.self, what: what)))
        case 1: return .signed(Int64(try load(Int8.self, what: what)))
        case 2: return .unsigned(UInt64(try load(UInt16.self, what: what)))
        case 3: return .signed(Int64(try load(Int16.self, what: what)))
        case 4: return .unsigned(UInt64(try load(UInt32.self, what: what)))
        case 5: return .signed(Int64(try load(Int32.self, what: what)))
        case 6: return .float(Double(Float(bitPattern: try load(UInt32.self, what: what))))
        case 7:
            let raw = try load(UInt8.self, what: what)
            guard raw <= 1 else { throw GGUFError(path: path, offset: start, .malformed("\(what) is a BOOL of value \(raw)")) }
            return .bool(raw == 1)
        case 8: return .string(try string(what: what))
        case 9:
            guard depth < GGUFFile.maxArrayDepth else {
                throw GGUFError(path: path, offset: start, .malformed("\(what) nests arrays deeper than \(GGUFFile.maxArrayDepth)"))
            }
            let elementType = try uint32(what: "the element type of \(what)")
            guard let size = Self.minimumSize(of: elementType) else {
                throw GGUFError(path: path, offset: start, .malformed("\(what) is an array of unknown value type \(elementType)"))
            }
            let count = try count(what: "the length of \(what)", minimumSize: size)
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try value(type: elementType, what: what, depth: depth + 1)) }
            return .array(values)
        case 10: return .unsigned(try load(UInt64.self, what: what))
        case 11: return .signed(try load(Int64.self, what: what))
        case 12: return .float(Double(bitPattern: try load(UInt64.self, what: what)))
        default: throw GGUFError(path: path, offset: start, .malformed("\(what) has unknown value type \(type)"))
        }
    }
}
