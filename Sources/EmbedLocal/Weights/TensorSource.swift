/// The element types a tensor may be stored in.
public enum TensorDataType: String, Sendable, Hashable, Codable {
    /// IEEE 754 binary32.
    case float32 = "F32"
    /// IEEE 754 binary16; widened to `float32` when loaded.
    case float16 = "F16"
    /// bfloat16; widened to `float32` when loaded.
    case bfloat16 = "BF16"
    /// Signed 64-bit integers (e.g. `position_ids` buffers, which are ignored).
    case int64 = "I64"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float32: 4
        case .float16, .bfloat16: 2
        case .int64: 8
        }
    }
}

/// Anything that can hand out named fp32 tensors: a safetensors file, an exported model file.
///
/// The BERT forward pass reads its weights through this protocol only, so it does not care
/// whether they come from a Hugging Face checkpoint or from our flat binary.
public protocol TensorSource: Sendable {
    /// The names of every tensor the source holds.
    var tensorNames: [String] { get }

    /// Returns the shape of a tensor, or `nil` when the source has no tensor by that name.
    func shape(of name: String) -> [Int]?

    /// Returns a tensor's elements as fp32, row-major.
    ///
    /// Sources that store fp32 little-endian data at a 4-byte-aligned offset return a view of
    /// their mapping (no copy); others convert once.
    ///
    /// - Throws: when the tensor is missing or its data cannot be read as fp32.
    func floats(_ name: String) throws -> TensorBuffer
}

/// A read-only fp32 tensor: a view into a mapped file or into storage of its own, kept alive by
/// `owner`.
public struct TensorBuffer: @unchecked Sendable {
    // @unchecked: the pointer is only read, and it stays valid for as long as `owner` (the mapped
    // file or the owned allocation) is alive, which this struct guarantees by holding it.

    /// The elements.
    public let pointer: UnsafeBufferPointer<Float>
    /// The shape, row-major.
    public let shape: [Int]
    private let owner: AnyObject

    /// Creates a view into memory owned by `owner`.
    public init(pointer: UnsafeBufferPointer<Float>, shape: [Int], owner: AnyObject) {
        self.pointer = pointer
        self.shape = shape
        self.owner = owner
    }

    /// Creates a buffer holding a copy of `array` (used for converted fp16/bf16 data).
    public init(array: [Float], shape: [Int]) {
        let storage = OwnedFloats(array)
        self.init(pointer: UnsafeBufferPointer(storage.pointer), shape: shape, owner: storage)
    }

    /// The number of elements.
    public var count: Int { pointer.count }
}

/// A heap allocation of floats freed with its last reference.
final class OwnedFloats: @unchecked Sendable {
    // @unchecked: written once in init, read-only afterwards.
    let pointer: UnsafeMutableBufferPointer<Float>

    init(_ array: [Float]) {
        pointer = .allocate(capacity: array.count)
        _ = pointer.initialize(from: array)
    }

    deinit { pointer.deallocate() }
}
