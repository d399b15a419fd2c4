import Foundation

/// A parsed JSON value, for reading Hugging Face files whose fields change shape across versions
/// (a token is a string or an `{"content": …}` object; a length is an integer or `1e30`).
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Accesses the member `key` of an object (nil for other values or absent keys).
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// The value when it is a string.
    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The value when it is a boolean.
    var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The value when it is a number.
    var number: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The value when it is a whole number that fits an `Int`.
    var int: Int? {
        guard case .number(let value) = self, value.rounded() == value,
            value >= -9.0e15, value <= 9.0e15
        else { return nil }
        return Int(value)
    }

    /// The elements when it is an array.
    var array: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The members when it is an object.
    var object: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// Whether it is JSON `null`.
    var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// A token name written either as a string or as an `AddedToken` object `{"content": …}`.
    var tokenContent: String? {
        string ?? self["content"]?.string
    }
}

extension JSONValue {
    /// Parses `data`, the contents of the file at `path` (named in errors).
    static func parse(_ data: Data, path: String) throws(TokenizerError) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data))
        do {
            return try parser.parseDocument()
        } catch {
            throw .malformedJSON(path, reason: error.message(in: parser.bytes))
        }
    }
}
