import EmbedCore
/// A problem with an embedder's configuration: an unknown provider or key, a value of the wrong
/// type, or a required setting that is neither configured nor in the environment.
///
/// Every message names the offending key (as a path such as `embedder.config.azure_kwargs.api_key`)
/// and says what would be accepted, so that a user can fix the file without reading the source.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case unknownProvider(name: String, valid: [String])
        case unknownKey(key: String, path: String, valid: [String])
        case duplicateKey(key: String, other: String, path: String)
        case invalidValue(path: String, expected: String, found: String)
        case missingValue(provider: String, setting: String, keys: [String], environment: [String])
        case invalidJSON(detail: String)
        case unreadableFile(path: String, purpose: String, reason: String)
        case invalidURL(setting: String, value: String)
        case unsupported(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The provider name is not one this package knows.
    public static func unknownProvider(_ name: String, valid: [String]) -> Self {
        Self(.unknownProvider(name: name, valid: valid))
    }

    /// `key` is not a recognised key of the object at `path`.
    public static func unknownKey(_ key: String, in path: String, valid: [String]) -> Self {
        Self(.unknownKey(key: key, path: path, valid: valid))
    }

    /// Two spellings of the same key (`api_key` and `apiKey`) were both given at `path`.
    public static func duplicateKey(_ key: String, _ other: String, in path: String) -> Self {
        Self(.duplicateKey(key: key, other: other, path: path))
    }

    /// The value at `path` has the wrong type or is out of range.
    public static func invalidValue(at path: String, expected: String, found: String) -> Self {
        Self(.invalidValue(path: path, expected: expected, found: found))
    }

    /// A required setting was found neither in the configuration nor in the environment.
    ///
    /// - Parameters:
    ///   - provider: The provider that needs it, e.g. `openai`.
    ///   - setting: What is missing, in words ("an API key").
    ///   - keys: The configuration keys that would supply it.
    ///   - environment: The environment variables that would supply it.
    public static func missingValue(
        provider: String, setting: String, keys: [String], environment: [String] = []
    ) -> Self {
        Self(.missingValue(provider: provider, setting: setting, keys: keys, environment: environment))
    }

    /// The configuration text is not valid JSON (or not an object where one is needed).
    public static func invalidJSON(_ detail: String) -> Self { Self(.invalidJSON(detail: detail)) }

    /// A file named by the configuration (a credentials file) could not be read or parsed.
    public static func unreadableFile(_ path: String, purpose: String, reason: String) -> Self {
        Self(.unreadableFile(path: path, purpose: purpose, reason: reason))
    }

    /// A setting that must be an `http` or `https` URL is not one.
    public static func invalidURL(_ value: String, setting: String) -> Self {
        Self(.invalidURL(setting: setting, value: value))
    }

    /// A combination of settings this package does not support, explained in `message`.
    public static func unsupported(_ message: String) -> Self { Self(.unsupported(message)) }

    /// The configuration key or path the error is about, when there is one.
    public var key: String? {
        switch code {
        case .unknownKey(let key, _, _): key
        case .duplicateKey(let key, _, _): key
        case .invalidValue(let path, _, _): path
        case .missingValue(_, _, let keys, _): keys.first
        case .invalidURL(let setting, _): setting
        case .unknownProvider, .invalidJSON, .unreadableFile, .unsupported: nil
        }
    }

    /// A human-readable explanation with the fix.
    public var description: String {
        switch code {
        case .unknownProvider(let name, let valid):
            return "Unknown embedder provider '\(name)'. Valid providers: \(valid.joined(separator: ", "))."
        case .unknownKey(let key, let path, let valid):
            return "Unknown key '\(key)' in \(path). Valid keys: \(valid.joined(separator: ", "))."
        case .duplicateKey(let key, let other, let path):
            return "'\(key)' and '\(other)' in \(path) are the same setting; give only one."
        case .invalidValue(let path, let expected, let found):
            return "\(path) must be \(expected); found \(found)."
        case .missingValue(let provider, let setting, let keys, let environment):
            var ways = keys.map { "config key '\($0)'" }
            ways += environment.map { "environment variable \($0)" }
            let list: String
            switch ways.count {
            case 0: list = "its configuration"
            case 1: list = ways[0]
            default: list = ways.dropLast().joined(separator: ", ") + " or " + (ways.last ?? "")
            }
            return "The \(provider) embedder needs \(setting): set \(list)."
        case .invalidJSON(let detail):
            return "The embedder configuration is not valid: \(detail)"
        case .unreadableFile(let path, let purpose, let reason):
            return "Cannot use \(purpose) at \(path): \(reason)"
        case .invalidURL(let setting, let value):
            return "\(setting) must be an http:// or https:// URL; found '\(value)'."
        case .unsupported(let message):
            return message
        }
    }
}
