import Foundation

/// Writes GGUF bytes field by field, so tests can make every malformed file a reader must refuse.
struct GGUFBuilder {
    enum Value {
        case u32(UInt32)
        case u8(UInt8)
        case f32(Float)
        case bool(UInt8)
        case string(String)
        case rawString(length: UInt64, bytes: [UInt8])
        case strings([String])
        case array(elementType: UInt32, count: UInt64, payload: [UInt8])
        case raw(type: UInt32, payload: [UInt8])
    }

    struct TensorInfo {
        var name: String
        var dimensions: [UInt64]
        var type: UInt32 = 0
        var offset: UInt64
    }

    var magic = Array("GGUF".utf8)
    var version: UInt32 = 3
    var keyCount: UInt64?
    var tensorCount: UInt64?
    var metadata: [(String, Value)] = [("general.architecture", .string("test"))]
    var tensors: [TensorInfo] = []
    var data: [UInt8] = []
    var alignment = 32

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func string(_ text: String) -> [UInt8] { le(UInt64(text.utf8.count)) + Array(text.utf8) }

    static func encode(_ value: Value) -> (type: UInt32, bytes: [UInt8]) {
        switch value {
        case .u32(let v): (4, le(v))
        case .u8(let v): (0, [v])
        case .f32(let v): (6, le(v.bitPattern))
        case .bool(let v): (7, [v])
        case .string(let s): (8, string(s))
        case .rawString(let length, let bytes): (8, le(length) + bytes)
        case .strings(let list): (9, le(UInt32(8)) + le(UInt64(list.count)) + list.flatMap(string))
        case .array(let elementType, let count, let payload): (9, le(elementType) + le(count) + payload)
        case .raw(let type, let payload): (type, payload)
        }
    }

    var bytes: [UInt8] {
        var out = magic + Self.le(version) + Self.le(tensorCount ?? UInt64(tensors.count)) + Self.le(keyCount ?? UInt64(metadata.count))
        for (key, value) in metadata {
            let (type, payload) = Self.encode(value)
            out += Self.string(key) + Self.le(type) + payload
        }
        for tensor in tensors {
            out += Self.string(tensor.name) + Self.le(UInt32(tensor.dimensions.count)) + tensor.dimensions.flatMap(Self.le)
                + Self.le(tensor.type) + Self.le(tensor.offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        return out + data
    }

    /// A valid file with one 4×2 F32 tensor.
    static var valid: GGUFBuilder {
        var builder = GGUFBuilder()
        builder.tensors = [TensorInfo(name: "t.weight", dimensions: [4, 2], offset: 0)]
        builder.data = (0..<8).flatMap { le(Float($0).bitPattern) }
        return builder
    }
}
