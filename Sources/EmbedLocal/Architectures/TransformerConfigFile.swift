import EmbedCore

/// A transformer's `config.json`, read key by key with errors that name the file and the key.
///
/// Architectures spell the same size differently (`hidden_size`, `dim`, `n_embd`); each reads
/// the spellings it knows with ``int(_:)``, listing them in order of preference.
public struct TransformerConfigFile: Sendable {
    /// The file's parsed contents.
    public let json: JSONValue
    /// The file's path, for messages.
    public let path: String

    /// Wraps a parsed `config.json`.
    public init(json: JSONValue, path: String) {
        self.json = json
        self.path = path
    }

    /// `model_type`, when present.
    public var modelType: String? { json["model_type"]?.stringValue }

    /// The first of `keys` present, as a whole number.
    ///
    /// - Throws: ``ModelDescriptionError`` when none is present or the value is not a whole number.
    public func int(_ keys: String...) throws(ModelDescriptionError) -> Int {
        guard let value = try optionalInt(keys) else {
            let names = keys.map { "\"\($0)\"" }.joined(separator: " or ")
            throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "missing key \(names)."))
        }
        return value
    }

    /// The first of `keys` present, as a whole number, or `nil` when none is (or it is `null`).
    public func optionalInt(_ keys: String...) throws(ModelDescriptionError) -> Int? {
        try optionalInt(keys)
    }

    private func optionalInt(_ keys: [String]) throws(ModelDescriptionError) -> Int? {
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let number = value.intValue else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be a whole number; it is \(value)."))
            }
            return number
        }
        return nil
    }

    /// The first of `keys` present, as a number, or `nil`.
    public func optionalDouble(_ keys: String...) throws(ModelDescriptionError) -> Double? {
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let number = value.doubleValue else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be a number; it is \(value)."))
            }
            return number
        }
        return nil
    }

    /// The first of `keys` present, as a string, or `nil`.
    public func optionalString(_ keys: String...) throws(ModelDescriptionError) -> String? {
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let string = value.stringValue else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be a string; it is \(value)."))
            }
            return string
        }
        return nil
    }

    /// The first of `keys` present, as a Boolean, or `nil`.
    public func optionalBool(_ keys: String...) throws(ModelDescriptionError) -> Bool? {
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let flag = value.boolValue else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be true or false; it is \(value)."))
            }
            return flag
        }
        return nil
    }

    /// The activation named by the first of `keys` present (default `"gelu"`).
    ///
    /// - Throws: ``ModelDescriptionError`` for a name no kernel implements, listing those that are.
    public func activation(_ keys: String...) throws(ModelDescriptionError) -> HiddenActivation {
        var name = "gelu"
        var found = "hidden_act"
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let string = value.stringValue else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be a string; it is \(value)."))
            }
            name = string
            found = key
            break
        }
        guard let activation = HiddenActivation(huggingFaceName: name) else {
            throw .unsupported(path, "\(found) \"\(name)\" is not supported; supported: \(HiddenActivation.supportedHuggingFaceNames.joined(separator: ", ")).")
        }
        return activation
    }

    /// Fails with a clear message when `is_decoder` is true: only bidirectional encoders embed.
    public func requireEncoder() throws(ModelDescriptionError) {
        if try optionalBool("is_decoder") == true {
            throw .unsupported(path, "is_decoder is true; only bidirectional encoders are supported.")
        }
    }
}
