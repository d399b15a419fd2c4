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
        try first(keys, "a whole number", \.intValue)
    }

    /// The first of `keys` present, as a number, or `nil`.
    public func optionalDouble(_ keys: String...) throws(ModelDescriptionError) -> Double? {
        try first(keys, "a number", \.doubleValue)
    }

    /// The first of `keys` present, as a string, or `nil`.
    public func optionalString(_ keys: String...) throws(ModelDescriptionError) -> String? {
        try first(keys, "a string", \.stringValue)
    }

    /// The first of `keys` present, as a Boolean, or `nil`.
    public func optionalBool(_ keys: String...) throws(ModelDescriptionError) -> Bool? {
        try first(keys, "true or false", \.boolValue)
    }

    /// The value of the first of `keys` present and not `null`, converted, or `nil` when none is.
    ///
    /// - Throws: ``ModelDescriptionError`` naming the key when its value does not convert.
    private func first<T>(_ keys: [String], _ kind: String, _ convert: (JSONValue) -> T?) throws(ModelDescriptionError) -> T? {
        for key in keys {
            guard let value = json[key], !value.isNull else { continue }
            guard let converted = convert(value) else {
                throw ModelDescriptionError(path: path, reason: .invalidJSON(detail: "\"\(key)\" must be \(kind); it is \(value)."))
            }
            return converted
        }
        return nil
    }

    /// The activation named by the first of `keys` present (default `"gelu"`).
    ///
    /// - Throws: ``ModelDescriptionError`` for a name no kernel implements, listing those that are.
    public func activation(_ keys: String...) throws(ModelDescriptionError) -> HiddenActivation {
        let key = keys.first { json[$0].map { !$0.isNull } ?? false } ?? keys.first ?? "hidden_act"
        let name = try first([key], "a string", \.stringValue) ?? "gelu"
        guard let activation = HiddenActivation(huggingFaceName: name) else {
            throw .unsupported(path, "\(key) \"\(name)\" is not supported; supported: \(HiddenActivation.supportedHuggingFaceNames.joined(separator: ", ")).")
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
