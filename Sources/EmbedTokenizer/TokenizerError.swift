/// An error loading or building a tokenizer, saying what is wrong and in which file.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The broad reason, for callers that branch on it; ``description`` has the details.
    public enum Kind: Sendable, Hashable {
        /// A needed file is absent.
        case missingFile
        /// A file exists but cannot be read.
        case unreadableFile
        /// A JSON file is not valid JSON or lacks a required field.
        case malformedJSON
        /// The tokenizer uses a component this runtime does not implement.
        case unsupportedComponent
        /// A token with a role (unknown, classifier, separator, padding) is not in the vocabulary.
        case missingSpecialToken
        /// The vocabulary is empty or its ids are not usable.
        case invalidVocabulary
        /// A setting has a value that cannot work.
        case invalidConfiguration
    }

    private enum Code: Sendable, Hashable {
        case missingFile(name: String, directory: String, hint: String)
        case unreadableFile(path: String, reason: String)
        case malformedJSON(path: String, reason: String)
        case unsupported(component: String, value: String, path: String, supported: String)
        case missingSpecialToken(role: String, token: String)
        case invalidVocabulary(path: String, reason: String)
        case invalidConfiguration(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A required file is not in the model folder.
    /// - Parameters:
    ///   - name: The file (or files) looked for.
    ///   - directory: The folder searched.
    ///   - hint: What to do about it, appended to the description.
    public static func missingFile(_ name: String, in directory: String, hint: String = "") -> Self {
        Self(.missingFile(name: name, directory: directory, hint: hint))
    }

    /// A file exists but reading it failed.
    public static func unreadableFile(_ path: String, reason: String) -> Self {
        Self(.unreadableFile(path: path, reason: reason))
    }

    /// A JSON file could not be parsed, or a field has the wrong shape.
    public static func malformedJSON(_ path: String, reason: String) -> Self {
        Self(.malformedJSON(path: path, reason: reason))
    }

    /// The tokenizer uses a component (model, normalizer, pre-tokenizer, post-processor) that is
    /// not implemented.
    /// - Parameters:
    ///   - component: Which part, e.g. "model".
    ///   - value: Its type as written in the file, e.g. "BPE".
    ///   - path: The file that declares it.
    ///   - supported: What is supported instead.
    public static func unsupported(_ component: String, _ value: String, in path: String, supported: String)
        -> Self
    {
        Self(.unsupported(component: component, value: value, path: path, supported: supported))
    }

    /// A token with a role is neither in the vocabulary nor an added token.
    public static func missingSpecialToken(role: String, token: String) -> Self {
        Self(.missingSpecialToken(role: role, token: token))
    }

    /// The vocabulary is empty, or its ids have gaps or duplicates that cannot be represented.
    public static func invalidVocabulary(_ path: String, reason: String) -> Self {
        Self(.invalidVocabulary(path: path, reason: reason))
    }

    /// A configuration value cannot work (e.g. a maximum length below the special tokens).
    public static func invalidConfiguration(_ message: String) -> Self {
        Self(.invalidConfiguration(message))
    }

    /// The broad reason for the error.
    public var kind: Kind {
        switch code {
        case .missingFile: .missingFile
        case .unreadableFile: .unreadableFile
        case .malformedJSON: .malformedJSON
        case .unsupported: .unsupportedComponent
        case .missingSpecialToken: .missingSpecialToken
        case .invalidVocabulary: .invalidVocabulary
        case .invalidConfiguration: .invalidConfiguration
        }
    }

    /// What is wrong and where, in one sentence.
    public var description: String {
        switch code {
        case .missingFile(let name, let directory, let hint):
            "No \(name) in \(directory)." + (hint.isEmpty ? "" : " \(hint)")
        case .unreadableFile(let path, let reason):
            "Cannot read \(path): \(reason)"
        case .malformedJSON(let path, let reason):
            "Malformed JSON in \(path): \(reason)"
        case .unsupported(let component, let value, let path, let supported):
            "Unsupported tokenizer \(component) '\(value)' in \(path); only \(supported) is supported."
        case .missingSpecialToken(let role, let token):
            "The \(role) token '\(token)' is not in the vocabulary or the added tokens."
        case .invalidVocabulary(let path, let reason):
            "Invalid vocabulary in \(path): \(reason)"
        case .invalidConfiguration(let message):
            "Invalid tokenizer configuration: \(message)"
        }
    }
}
