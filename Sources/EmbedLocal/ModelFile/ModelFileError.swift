/// Why a model file could not be written, opened or matched against a model.
///
/// Every case names the file and, where there is one, the section, field or tensor at fault, with
/// the expected and the found values, so the message alone says what is wrong and where.
public enum ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    // MARK: Opening

    /// The file could not be opened or mapped (missing, unreadable, a directory, …).
    case unreadable(path: String, reason: String)
    /// The file does not start with the model file magic; `leadingBytes` are its first bytes
    /// (empty for an empty file).
    case notAModelFile(path: String, leadingBytes: [UInt8])
    /// The file starts like a model file but ends before its fixed-size header does.
    case headerTruncated(path: String, size: Int, headerSize: Int)
    /// The file's size differs from the size its header records: truncated, or bytes appended.
    case sizeMismatch(path: String, actualSize: Int, recordedSize: UInt64)
    /// The file was written in a format version this build cannot read.
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    /// The header sets flag bits this build does not know (a feature of a newer writer).
    case unsupportedFlags(path: String, flags: UInt32, known: UInt32)
    /// A header field holds an impossible value (a section outside the file, a misaligned
    /// offset, a non-zero reserved byte, …).
    case invalidHeader(path: String, field: String, value: UInt64, reason: String)
    /// The checksum over the header, metadata and tensor table does not match: those bytes are
    /// corrupt.
    case headerChecksumMismatch(path: String, recorded: UInt64, computed: UInt64)
    /// The checksum over the tensor data does not match: the weights are corrupt.
    case weightsChecksumMismatch(path: String, recorded: UInt64, computed: UInt64)
    /// The metadata section is not a UTF-8 JSON object.
    case invalidMetadata(path: String, reason: String)
    /// Entry `index` of the tensor table (named `tensor` when its name could be read) is
    /// malformed.
    case invalidTensorEntry(path: String, index: Int, tensor: String?, reason: String)
    /// Two entries of the tensor table have the same name.
    case duplicateTensor(path: String, tensor: String)
    /// A tensor's element type code is not one this build knows.
    case unknownDataType(path: String, tensor: String, code: UInt32)
    /// A tensor's element type differs from the storage the header declares.
    case storageMismatch(path: String, tensor: String, found: TensorDataType, storage: ModelFileStorage)
    /// A tensor's byte length is not its element count times its element width.
    case tensorSizeMismatch(
        path: String, tensor: String, shape: [UInt64], dataType: TensorDataType, expectedBytes: UInt64,
        recordedBytes: UInt64)
    /// A tensor's bytes are not inside the data section.
    case tensorOutOfBounds(path: String, tensor: String, offset: UInt64, length: UInt64, dataStart: UInt64, dataEnd: UInt64)
    /// A tensor's offset is not a multiple of the required alignment.
    case tensorMisaligned(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// Two tensors share bytes.
    case tensorsOverlap(path: String, first: String, second: String)
    /// An int8 tensor or its scales break the rules of int8 storage: no scales, scales of the
    /// wrong shape or type, a scale negative or not finite, a value of -128.
    case invalidQuantization(path: String, tensor: String, reason: String)

    // MARK: Using

    /// A tensor was asked for by a name the file does not hold.
    case tensorNotFound(path: String, tensor: String)
    /// The file's tensors are not exactly the ones the model needs: some missing, some with
    /// another shape, or some the model would never use.
    case tensorsDoNotMatchModel(path: String, missing: [String], wrongShapes: [ShapeMismatch], unused: [String])

    // MARK: Writing

    /// The metadata handed to the writer is not a UTF-8 JSON object.
    case invalidMetadataInput(reason: String)
    /// A tensor name handed to the writer is empty or listed twice.
    case invalidTensorName(name: String, reason: String)
    /// The source holds no tensor by this name.
    case sourceTensorMissing(tensor: String)
    /// The source failed to produce the tensor, or produced one inconsistent with its shape.
    case sourceTensorUnreadable(tensor: String, reason: String)
    /// A weight cannot be stored: not finite, or beyond the range of the requested storage.
    case unrepresentableValue(tensor: String, index: Int, value: Float, storage: ModelFileStorage)
    /// The file system refused an operation while writing `path`.
    case cannotWrite(path: String, reason: String)

    /// A tensor whose shape differs from the one the model expects.
    public struct ShapeMismatch: Sendable, Hashable, CustomStringConvertible {
        /// The tensor's name.
        public let tensor: String
        /// The shape the model needs.
        public let expected: [Int]
        /// The shape the file holds.
        public let found: [Int]

        /// Creates a record of one shape mismatch.
        public init(tensor: String, expected: [Int], found: [Int]) {
            self.tensor = tensor
            self.expected = expected
            self.found = found
        }

        /// `name is [found], expected [expected]`.
        public var description: String { "\(tensor) is \(found), expected \(expected)" }
    }

    /// What is wrong and where, in one or two sentences for a person.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "Cannot read model file \(path): \(reason)"
        case .notAModelFile(let path, let leadingBytes):
            if leadingBytes.isEmpty { return "\(path) is empty, not an embed model file." }
            return "\(path) is not an embed model file (magic \(Self.describe(leadingBytes.prefix(8))), "
                + "expected \(Self.describe(ModelFileLayout.magic)))\(Self.hint(for: leadingBytes))."
        case .headerTruncated(let path, let size, let headerSize):
            return "\(path) is truncated: it is \(size) bytes, shorter than the \(headerSize)-byte model file header."
        case .sizeMismatch(let path, let actual, let recorded):
            let what = UInt64(actual) < recorded ? "truncated" : "longer than written (bytes were appended)"
            return "\(path) is \(what): it is \(actual) bytes, but its header records \(recorded)."
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): model file format version \(found) is newer than this build supports "
                + "(\(supported)); update embed, or re-export the model with this version."
        case .unsupportedFlags(let path, let flags, let known):
            return "\(path) sets header flags \(Self.hex32(flags)) but this build only knows \(Self.hex32(known)); "
                + "it was written by a newer version of embed."
        case .invalidHeader(let path, let field, let value, let reason):
            return "\(path) has a corrupt header: \(field) is \(value), but \(reason)."
        case .headerChecksumMismatch(let path, let recorded, let computed):
            return "\(path) is corrupt: the checksum of its header, metadata and tensor table is "
                + "\(Self.hex64(computed)), but \(Self.hex64(recorded)) was recorded."
        case .weightsChecksumMismatch(let path, let recorded, let computed):
            return "\(path) is corrupt: the checksum of its weights is \(Self.hex64(computed)), "
                + "but \(Self.hex64(recorded)) was recorded; download or export the model again."
        case .invalidMetadata(let path, let reason):
            return "\(path) has invalid metadata: \(reason)."
        case .invalidTensorEntry(let path, let index, let tensor, let reason):
            let name = tensor.map { " (\($0))" } ?? ""
            return "\(path) has a corrupt tensor table: entry \(index)\(name) \(reason)."
        case .duplicateTensor(let path, let tensor):
            return "\(path) lists tensor \(tensor) more than once."
        case .unknownDataType(let path, let tensor, let code):
            return "\(path): tensor \(tensor) has unknown element type code \(code)."
        case .invalidQuantization(let path, let tensor, let reason):
            return "\(path) is corrupt: the int8 tensor \(tensor) \(reason); export the model again."
        case .storageMismatch(let path, let tensor, let found, let storage):
            return "\(path): tensor \(tensor) is stored as \(found.rawValue), but the header declares \(storage) storage."
        case .tensorSizeMismatch(let path, let tensor, let shape, let dataType, let expected, let recorded):
            let needs = expected == .max ? "is too large to address" : "needs \(expected) bytes"
            return "\(path): tensor \(tensor) of shape \(shape) in \(dataType.rawValue) \(needs), "
                + "but its table entry records \(recorded) bytes."
        case .tensorOutOfBounds(let path, let tensor, let offset, let length, let start, let end):
            return "\(path): tensor \(tensor) spans bytes \(offset)..<\(offset.addingReportingOverflow(length).partialValue) "
                + "(\(length) bytes from \(offset)), outside the data section \(start)..<\(end)."
        case .tensorMisaligned(let path, let tensor, let offset, let alignment):
            return "\(path): tensor \(tensor) starts at byte \(offset), which is not a multiple of \(alignment)."
        case .tensorsOverlap(let path, let first, let second):
            return "\(path): tensors \(first) and \(second) overlap."
        case .tensorNotFound(let path, let tensor):
            return "\(path) holds no tensor named \(tensor)."
        case .tensorsDoNotMatchModel(let path, let missing, let wrongShapes, let unused):
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.joined(separator: ", "))") }
            if !wrongShapes.isEmpty {
                problems.append("wrong shape: \(wrongShapes.map(\.description).joined(separator: "; "))")
            }
            if !unused.isEmpty { problems.append("not used by the model: \(unused.joined(separator: ", "))") }
            return "\(path) does not hold the tensors its model needs: \(problems.joined(separator: "; "))."
        case .invalidMetadataInput(let reason):
            return "Cannot write a model file: the metadata must be a UTF-8 JSON object, but \(reason)."
        case .invalidTensorName(let name, let reason):
            return "Cannot write a model file: tensor name \"\(name)\" \(reason)."
        case .sourceTensorMissing(let tensor):
            return "Cannot write a model file: the source has no tensor named \(tensor)."
        case .sourceTensorUnreadable(let tensor, let reason):
            return "Cannot write a model file: tensor \(tensor) cannot be read: \(reason)"
        case .unrepresentableValue(let tensor, let index, let value, let storage):
            let why = value.isFinite ? "outside the \(storage) range (±\(HalfPrecision.largestFinite))" : "not finite"
            return "Cannot write a model file: element \(index) of tensor \(tensor) is \(value), \(why)."
        case .cannotWrite(let path, let reason):
            return "Cannot write model file \(path): \(reason)"
        }
    }

    /// Hex bytes, plus their printable ASCII, e.g. `7B 0A 20 20 ("{\n  ")`.
    private static func describe(_ bytes: some Collection<UInt8>) -> String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let text = bytes.map { byte -> String in
            switch byte {
            case 0x0A: "\\n"
            case 0x0D: "\\r"
            case 0x09: "\\t"
            case 0x20...0x7E: String(UnicodeScalar(byte))
            default: "."
            }
        }.joined()
        return "\(hex) \"\(text)\""
    }

    /// A guess at what the foreign file is, to point the user at the right command.
    private static func hint(for bytes: [UInt8]) -> String {
        let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return "; it looks like a JSON file"
        }
        // safetensors: an 8-byte little-endian header length, then the JSON header.
        if bytes.count > 8, bytes[8] == UInt8(ascii: "{") {
            return "; it looks like a safetensors file: export the model folder with `embed convert`"
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "; it looks like a zip archive (a PyTorch checkpoint?)" }
        if bytes.starts(with: Array("GGUF".utf8)) {
            return "; it is a GGUF file (llama.cpp, Ollama, LM Studio): convert it once with `embed convert FILE OUT.embed` (`embed info FILE` shows what that writes)"
        }
        return ""
    }

    static func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
