/// The element types a tensor may be stored in: every dtype the safetensors format defines,
/// spelled as it spells them. Only `float32`, `float16`, `bfloat16` and `float64` can be read as
/// fp32; a model file stores `float32` or `float16`.
public enum TensorDataType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Booleans, one byte each.
    case bool = "BOOL"
    /// 4-bit floats (two per byte).
    case float4 = "F4"
    /// 6-bit floats, 2 exponent and 3 mantissa bits.
    case float6E2M3 = "F6_E2M3"
    /// 6-bit floats, 3 exponent and 2 mantissa bits.
    case float6E3M2 = "F6_E3M2"
    /// Unsigned bytes.
    case uint8 = "U8"
    /// Signed bytes.
    case int8 = "I8"
    /// 8-bit floats, 5 exponent and 2 mantissa bits.
    case float8E5M2 = "F8_E5M2"
    /// 8-bit floats, 4 exponent and 3 mantissa bits.
    case float8E4M3 = "F8_E4M3"
    /// 8-bit scales, exponent only.
    case float8E8M0 = "F8_E8M0"
    /// 8-bit floats, 4 exponent and 3 mantissa bits, finite, one NaN, no negative zero.
    case float8E4M3FNUZ = "F8_E4M3FNUZ"
    /// 8-bit floats, 5 exponent and 2 mantissa bits, finite, one NaN, no negative zero.
    case float8E5M2FNUZ = "F8_E5M2FNUZ"
    /// Signed 16-bit integers.
    case int16 = "I16"
    /// Unsigned 16-bit integers.
    case uint16 = "U16"
    /// IEEE 754 binary16; widened to `float32` when loaded.
    case float16 = "F16"
    /// bfloat16; widened to `float32` when loaded.
    case bfloat16 = "BF16"
    /// Signed 32-bit integers.
    case int32 = "I32"
    /// Unsigned 32-bit integers.
    case uint32 = "U32"
    /// IEEE 754 binary32.
    case float32 = "F32"
    /// Complex numbers of two binary32.
    case complex64 = "C64"
    /// IEEE 754 binary64; narrowed to `float32` when loaded.
    case float64 = "F64"
    /// Signed 64-bit integers (e.g. `position_ids` buffers, which are ignored).
    case int64 = "I64"
    /// Unsigned 64-bit integers.
    case uint64 = "U64"

    /// Bits per element (sub-byte types pack several elements per byte).
    public var bitWidth: Int {
        switch self {
        case .float4: 4
        case .float6E2M3, .float6E3M2: 6
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0, .float8E4M3FNUZ, .float8E5M2FNUZ: 8
        case .int16, .uint16, .float16, .bfloat16: 16
        case .int32, .uint32, .float32: 32
        case .complex64, .float64, .int64, .uint64: 64
        }
    }

    /// Bytes per element, for the types of at least one byte (0 for the sub-byte ones).
    public var byteWidth: Int { bitWidth / 8 }
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

    /// The tensor `name` as int8 with per-row scales when it is stored so (an int8 model
    /// file's linear weights and word table), else `nil`; ``floats(_:)`` then dequantizes it.
    func quantized(_ name: String) -> QuantizedTensor?
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
