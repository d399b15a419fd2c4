import EmbedCore
/// A JSON object read as configuration: keys are matched ignoring case, `_` and `-`, so that
/// `api_key`, `apiKey` and `API-KEY` are one key; unknown and duplicated keys are errors; `null`
/// counts as absent.
struct ConfigurationObject {
    /// Where the object sits, for messages (`embedder.config`).
    let path: String
    private let members: [String: (spelling: String, value: JSONValue)]

    /// Reads `object`, accepting exactly `keys` (canonical snake_case) and `aliases`
    /// (alias → canonical key).
    init(
        _ object: [String: JSONValue], path: String, keys: [String], aliases: [String: String] = [:]
    ) throws(ConfigurationError) {
        self.path = path
        var lookup: [String: String] = [:]
        for key in keys { lookup[Self.fold(key)] = key }
        for (alias, key) in aliases { lookup[Self.fold(alias)] = key }
        var members: [String: (spelling: String, value: JSONValue)] = [:]
        // Sorted so that the error for several bad keys is deterministic.
        for spelling in object.keys.sorted() {
            guard let key = lookup[Self.fold(spelling)] else {
                throw ConfigurationError.unknownKey(spelling, in: path, valid: keys)
            }
            if let existing = members[key] {
                throw ConfigurationError.duplicateKey(existing.spelling, spelling, in: path)
            }
            let value = object[spelling] ?? .null
            if !value.isNull { members[key] = (spelling, value) }
        }
        self.members = members
    }

    /// `api_key`, `apiKey`, `API-Key` → `apikey`.
    static func fold(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    private func location(_ key: String) -> String {
        "\(path).\(members[key]?.spelling ?? key)"
    }

    func contains(_ key: String) -> Bool { members[key] != nil }

    func value(_ key: String) -> JSONValue? { members[key]?.value }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = members[key]?.value else { return nil }
        guard let string = value.stringValue else {
            throw ConfigurationError.invalidValue(at: location(key), expected: "a string", found: value.typeDescription)
        }
        return string
    }

    /// A positive integer, given as a number or a numeric string (mem0 types
    /// `output_dimensionality` as a string).
    func positiveInt(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = members[key]?.value else { return nil }
        let number: Int? =
            switch value {
            case .number: value.intValue
            case .string(let text): Int(String(text.filter { !$0.isWhitespace }))
            default: nil
            }
        guard let number, number > 0 else {
            throw ConfigurationError.invalidValue(
                at: location(key), expected: "a positive integer", found: Self.describe(value))
        }
        return number
    }

    /// A non-negative integer (a retry count).
    func nonNegativeInt(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = members[key]?.value else { return nil }
        guard let number = value.intValue, number >= 0 else {
            throw ConfigurationError.invalidValue(
                at: location(key), expected: "a non-negative integer", found: Self.describe(value))
        }
        return number
    }

    /// A positive number of seconds.
    func positiveSeconds(_ key: String) throws(ConfigurationError) -> Double? {
        guard let value = members[key]?.value else { return nil }
        guard let number = value.doubleValue, number > 0, number.isFinite else {
            throw ConfigurationError.invalidValue(
                at: location(key), expected: "a positive number of seconds", found: Self.describe(value))
        }
        return number
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = members[key]?.value else { return nil }
        guard let flag = value.boolValue else {
            throw ConfigurationError.invalidValue(at: location(key), expected: "true or false", found: Self.describe(value))
        }
        return flag
    }

    func object(_ key: String) throws(ConfigurationError) -> [String: JSONValue]? {
        guard let value = members[key]?.value else { return nil }
        guard let object = value.objectValue else {
            throw ConfigurationError.invalidValue(at: location(key), expected: "an object", found: value.typeDescription)
        }
        return object
    }

    /// An object whose values are all strings (HTTP headers).
    func stringDictionary(_ key: String) throws(ConfigurationError) -> [String: String]? {
        guard let object = try object(key) else { return nil }
        var result: [String: String] = [:]
        for (name, value) in object {
            guard let string = value.stringValue else {
                throw ConfigurationError.invalidValue(
                    at: "\(location(key)).\(name)", expected: "a string", found: value.typeDescription)
            }
            result[name] = string
        }
        return result
    }

    /// A string naming one case of `T`, compared case-insensitively.
    func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let match = T.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            let names = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw ConfigurationError.invalidValue(at: location(key), expected: "one of \(names)", found: "'\(text)'")
        }
        return match
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let number): "\(number)"
        case .string(let text): "'\(text)'"
        case .bool(let flag): "\(flag)"
        default: value.typeDescription
        }
    }
}
