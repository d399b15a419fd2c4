#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EmbedCore

/// A memory-mapped `.safetensors` file, validated as strictly as Hugging Face's reference reader.
///
/// The layout (huggingface/safetensors `README.md`, `safetensors/src/tensor.rs`): an unsigned
/// little-endian `u64` header length *N*, then *N* bytes of a UTF-8 JSON object mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`, then the data buffer.
/// Offsets are relative to the buffer; the tensors must tile it exactly, with no holes and no
/// overlaps. An optional `__metadata__` entry is ignored.
///
/// fp32 tensors stored at a 4-byte-aligned file offset are returned as views into the mapping, so
/// opening a 90 MB model costs no copy; fp16, bf16 and fp64 tensors are converted once per call.
public struct SafetensorsFile: TensorSource {
    /// One tensor's header entry, validated.
    struct Entry: Sendable, Hashable {
        var dataType: TensorDataType
        var shape: [Int]
        /// Byte range inside the data buffer.
        var begin: Int
        var end: Int
    }

    /// Readers reject headers above this size (`MAX_HEADER_SIZE` in the reference reader).
    public static let maximumHeaderSize = 100_000_000

    /// The path the file was opened from.
    public var path: String { file.path }

    private let file: MappedFile
    private let entries: [String: Entry]
    /// File offset of the data buffer: 8 + header length.
    private let dataStart: Int

    /// Opens and validates the safetensors file at `url`.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (and tensor) and what is wrong.
    public init(url: URL) throws(SafetensorsError) {
        try self.init(path: url.path)
    }

    /// Opens and validates the safetensors file at `path`.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (and tensor) and what is wrong.
    public init(path: String) throws(SafetensorsError) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw SafetensorsError(path: path, reason: .cannotMap(error))
        }
        guard file.count >= 8 else { throw SafetensorsError(path: path, reason: .fileTooSmall(size: file.count)) }
        let declared = file.uint64(at: 0)
        guard declared <= UInt64(Self.maximumHeaderSize) else {
            throw SafetensorsError(path: path, reason: .headerTooLarge(declared: declared, limit: Self.maximumHeaderSize))
        }
        let headerSize = Int(declared)
        guard 8 + headerSize <= file.count else {
            throw SafetensorsError(path: path, reason: .headerBeyondFile(declared: declared, fileSize: file.count))
        }
        let bufferSize = file.count - 8 - headerSize
        let entries = try Self.parseHeader(
            UnsafeRawBufferPointer(rebasing: file.bytes[8..<(8 + headerSize)]), path: path)
        try Self.validate(entries, bufferSize: bufferSize, path: path)
        self.file = file
        self.entries = entries
        self.dataStart = 8 + headerSize
    }

    // MARK: TensorSource

    /// The names of every tensor in the file, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// Returns the shape of a tensor, or `nil` when the file has no tensor by that name.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// Returns the safetensors dtype string of a tensor (`"F32"`, `"BF16"`…), or `nil` when the
    /// file has no tensor by that name.
    public func dataTypeName(of name: String) -> String? { entries[name]?.dataType.rawValue }

    /// Returns a tensor's elements as fp32, row-major.
    ///
    /// - Returns: A view into the mapping for 4-byte-aligned fp32 data; a converted copy for
    ///   unaligned fp32, fp16, bf16 and fp64 data.
    /// - Throws: ``SafetensorsError`` when the tensor is missing or its dtype is not a float type.
    public func floats(_ name: String) throws(SafetensorsError) -> TensorBuffer {
        guard let entry = entries[name] else { throw SafetensorsError(path: path, tensor: name, reason: .missingTensor) }
        let count = entry.shape.reduce(1, *)
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
        switch entry.dataType {
        case .float32:
            // The file is mapped read-only and `file` (the owner) keeps the mapping alive.
            return TensorBuffer.float32(bytes, count: count, shape: entry.shape, owner: file)
        case .float16:
            return TensorBuffer(array: TensorBuffer.converting(bytes, count: count, as: UInt16.self, HalfPrecision.float(fromBits:)),
                                shape: entry.shape)
        case .bfloat16:
            return TensorBuffer(array: TensorBuffer.converting(bytes, count: count, as: UInt16.self) {
                Float(bitPattern: UInt32($0) << 16)
            }, shape: entry.shape)
        case .float64:
            return TensorBuffer(array: TensorBuffer.converting(bytes, count: count, as: UInt64.self) {
                Float(Double(bitPattern: $0))
            }, shape: entry.shape)
        default:
            throw SafetensorsError(path: path, tensor: name, reason: .notConvertibleToFloat32(dataType: entry.dataType.rawValue))
        }
    }

    // MARK: Conversion

    /// Reads `count` little-endian integers of type `Bits` at any alignment and maps each to a float.
    // MARK: Header validation

    /// Decodes the header JSON into validated entries (dtype known, shape and offsets sane, byte
    /// size consistent); buffer-level checks follow in ``validate(_:bufferSize:path:)``.
    private static func parseHeader(_ header: UnsafeRawBufferPointer, path: String) throws(SafetensorsError) -> [String: Entry] {
        guard header.first == UInt8(ascii: "{") else {
            let start = header.first.map { "it starts with byte 0x\(String($0, radix: 16))" } ?? "it is empty"
            throw SafetensorsError(path: path, reason: .headerNotJSONObject(detail: "\(start), not \"{\"."))
        }
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: Data(header))
        } catch let error as SafetensorsError {
            throw SafetensorsError(path: path, tensor: error.tensor, reason: error.reason)
        } catch {
            throw SafetensorsError(path: path, reason: .headerNotJSONObject(detail: DecodingProblem.describe(error, document: "it")))
        }
        var entries: [String: Entry] = [:]
        for (name, rawEntry) in raw.tensors {
            guard let dataType = TensorDataType(rawValue: rawEntry.dtype) else {
                throw SafetensorsError(path: path, tensor: name, reason: .unknownDataType(rawEntry.dtype))
            }
            var elements = 1
            for dimension in rawEntry.shape {
                guard dimension >= 0 else { throw SafetensorsError(path: path, tensor: name, reason: .invalidShape(rawEntry.shape)) }
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw SafetensorsError(path: path, tensor: name, reason: .invalidShape(rawEntry.shape)) }
                elements = product
            }
            let offsets = rawEntry.dataOffsets
            guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw SafetensorsError(path: path, tensor: name, reason: .invalidOffsets(offsets))
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: dataType.bitWidth)
            let found = offsets[1] - offsets[0]
            guard !overflow, bits % 8 == 0 else {
                throw SafetensorsError(path: path, tensor: name, reason: .invalidShape(rawEntry.shape))
            }
            guard bits / 8 == found else {
                throw SafetensorsError(path: path, tensor: name, reason: .byteSizeMismatch(expected: bits / 8, found: found))
            }
            entries[name] = Entry(dataType: dataType, shape: rawEntry.shape, begin: offsets[0], end: offsets[1])
        }
        return entries
    }

    /// Checks that the tensors tile the data buffer exactly: inside it, no overlaps, no holes.
    private static func validate(_ entries: [String: Entry], bufferSize: Int, path: String) throws(SafetensorsError) {
        let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        for (name, entry) in ordered where entry.end > bufferSize {
            throw SafetensorsError(path: path, tensor: name,
                                   reason: .offsetsOutOfRange(begin: entry.begin, end: entry.end, bufferSize: bufferSize))
        }
        var covered = 0
        var previous: String?
        for (name, entry) in ordered {
            if entry.begin < covered, let previous {
                throw SafetensorsError(path: path, tensor: name, reason: .overlappingTensors(other: previous))
            }
            guard entry.begin == covered else {
                throw SafetensorsError(path: path, reason: .incompleteBuffer(coveredUpTo: covered, bufferSize: bufferSize))
            }
            covered = entry.end
            previous = name
        }
        guard covered == bufferSize else {
            throw SafetensorsError(path: path, reason: .incompleteBuffer(coveredUpTo: covered, bufferSize: bufferSize))
        }
    }
}

// MARK: - Header JSON

/// The header object: tensor entries by name, with `__metadata__` skipped.
private struct RawHeader: Decodable {
    var tensors: [String: RawEntry] = [:]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys where key.stringValue != "__metadata__" {
            do {
                tensors[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
            } catch {
                // Re-thrown with the tensor's name so the message says which entry is broken; the
                // path in the message starts inside the entry.
                let detail = DecodingProblem(error).map { $0.droppingLeadingSteps(1).description(document: "the entry") } ?? "\(error)"
                throw SafetensorsError(path: "", tensor: key.stringValue, reason: .invalidEntry(detail: detail))
            }
        }
    }
}

private struct RawEntry: Decodable {
    var dtype: String
    var shape: [Int]
    var dataOffsets: [Int]

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }
}
