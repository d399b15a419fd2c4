/// Why a safetensors file could not be opened or a tensor in it could not be read.
///
/// Every error names the file and, where one is involved, the tensor, so a corrupt download is
/// easy to find: `model.safetensors: tensor "encoder.layer.3.output.dense.weight": …`.
public struct SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The file could not be memory-mapped.
        case cannotMap(MappedFileError)
        /// The file is shorter than the 8-byte header length.
        case fileTooSmall(size: Int)
        /// The header length exceeds the 100 MB limit every safetensors reader enforces.
        case headerTooLarge(declared: UInt64, limit: Int)
        /// The header length points past the end of the file.
        case headerBeyondFile(declared: UInt64, fileSize: Int)
        /// The header is not a UTF-8 JSON object.
        case headerNotJSONObject(detail: String)
        /// A tensor entry lacks a field or has one of the wrong type.
        case invalidEntry(detail: String)
        /// The dtype string is not one safetensors defines.
        case unknownDataType(String)
        /// A shape has a negative dimension or its element count overflows.
        case invalidShape([Int])
        /// `data_offsets` are not `[begin, end]` with `begin <= end`.
        case invalidOffsets([Int])
        /// The byte range a tensor's offsets describe differs from what its dtype and shape need.
        case byteSizeMismatch(expected: Int, found: Int)
        /// A tensor's bytes lie (partly) outside the data buffer.
        case offsetsOutOfRange(begin: Int, end: Int, bufferSize: Int)
        /// Two tensors share bytes.
        case overlappingTensors(other: String)
        /// Bytes of the data buffer belong to no tensor (a hole or trailing garbage).
        case incompleteBuffer(coveredUpTo: Int, bufferSize: Int)
        /// No tensor of that name exists.
        case missingTensor
        /// The tensor's dtype cannot be converted to fp32.
        case notConvertibleToFloat32(dataType: String)
    }

    /// The file the error is about.
    public let path: String
    /// The tensor the error is about, when there is one.
    public let tensor: String?
    /// What is wrong.
    public let reason: Reason

    /// Creates an error about `path` (and `tensor`, if any).
    public init(path: String, tensor: String? = nil, reason: Reason) {
        self.path = path
        self.tensor = tensor
        self.reason = reason
    }

    /// A one-line explanation naming the file, tensor or sequence involved.
    public var description: String {
        let place = tensor.map { "\(path): tensor \"\($0)\"" } ?? path
        let detail: String =
            switch reason {
            case .cannotMap(let error): error.description
            case .fileTooSmall(let size):
                "the file has \(size) bytes, fewer than the 8-byte header length, so it is not a safetensors file."
            case .headerTooLarge(let declared, let limit):
                "the header claims \(declared) bytes, more than the \(limit)-byte limit; the file is corrupt or not safetensors."
            case .headerBeyondFile(let declared, let fileSize):
                "the header claims \(declared) bytes but the file has only \(fileSize) bytes; the file is truncated or not safetensors."
            case .headerNotJSONObject(let detail): "the header is not a JSON object: \(detail)"
            case .invalidEntry(let detail): "invalid header entry: \(detail)"
            case .unknownDataType(let name): "unknown dtype \"\(name)\"."
            case .invalidShape(let shape): "invalid shape \(shape)."
            case .invalidOffsets(let offsets): "data_offsets \(offsets) are not [begin, end] with 0 <= begin <= end."
            case .byteSizeMismatch(let expected, let found):
                "its dtype and shape need \(expected) bytes but data_offsets span \(found) bytes."
            case .offsetsOutOfRange(let begin, let end, let bufferSize):
                "bytes \(begin)..<\(end) lie outside the \(bufferSize)-byte data buffer; the file is truncated or corrupt."
            case .overlappingTensors(let other): "its bytes overlap those of tensor \"\(other)\"."
            case .incompleteBuffer(let coveredUpTo, let bufferSize):
                "the tensors cover bytes 0..<\(coveredUpTo) of the \(bufferSize)-byte data buffer contiguously; the rest belongs to no tensor."
            case .missingTensor: "no such tensor."
            case .notConvertibleToFloat32(let dataType): "dtype \(dataType) cannot be read as fp32."
            }
        return "\(place): \(detail)"
    }
}
