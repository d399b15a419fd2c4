/// One metadata value of a GGUF file.
public enum GGUFValue: Sendable, Hashable, CustomStringConvertible {
    /// Any unsigned integer type (widened).
    case unsigned(UInt64)
    /// Any signed integer type (widened).
    case signed(Int64)
    /// `FLOAT32` or `FLOAT64` (widened).
    case float(Double)
    /// `BOOL`.
    case bool(Bool)
    /// `STRING`.
    case string(String)
    /// `ARRAY` of any element type.
    case array([GGUFValue])

    /// The value as an `Int`, for any integer type that fits (counts are stored as UINT32 by some
    /// converters and UINT64 by others).
    public var int: Int? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int.max) ? Int(value) : nil
        case .signed(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The value as a `Double`, for floats and integers.
    public var double: Double? {
        switch self {
        case .float(let value): value
        case .unsigned(let value): Double(value)
        case .signed(let value): Double(value)
        default: nil
        }
    }

    /// The Boolean.
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The string.
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    /// The elements of an array.
    public var array: [GGUFValue]? { if case .array(let value) = self { value } else { nil } }

    public var description: String {
        switch self {
        case .unsigned(let value): "\(value)"
        case .signed(let value): "\(value)"
        case .float(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .string(let value): value.count > 60 ? "\"\(value.prefix(57))…\"" : "\"\(value)\""
        case .array(let values): "[\(values.count) values]"
        }
    }
}
