/// A GGUF file that cannot be read or converted: which file, where, and what is wrong.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// The file does not start with `GGUF`.
        case badMagic(found: String)
        /// A GGUF version this reader does not read (1, or a big-endian file, or a future one).
        case unsupportedVersion(UInt32)
        /// The file ends inside something it declares.
        case truncated(what: String)
        /// A count larger than the file could hold.
        case absurdCount(what: String, count: UInt64)
        /// A malformed value: bad UTF-8, an unknown value type, a non-power-of-two alignment, …
        case malformed(String)
        /// A tensor whose data lies outside the file or overlaps what precedes it.
        case outOfRange(tensor: String, detail: String)
        /// A metadata key the conversion needs is missing or has the wrong type.
        case missingKey(String, expected: String)
        /// A tensor the model needs is missing, or has another shape than the metadata implies.
        case tensor(name: String, detail: String)
        /// Something this runtime does not convert (an architecture, a tensor type, a tokenizer).
        case unsupported(String)
    }

    /// The file.
    public let path: String
    /// The byte offset where the problem was found, when it is about the layout.
    public let offset: Int?
    /// What is wrong.
    public let reason: Reason

    /// Creates an error.
    public init(path: String, offset: Int? = nil, _ reason: Reason) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        "\(path)\(offset.map { " (at byte \($0))" } ?? ""): \(reason)"
    }
}

extension GGUFError.Reason: CustomStringConvertible {
    /// What is wrong, without the file: what `embed models --ollama` shows beside each model.
    public var description: String {
        switch self {
        case .badMagic(let found): "not a GGUF file: it starts with \(found), not \"GGUF\""
        case .unsupportedVersion(let version):
            version == 1
                ? "GGUF version 1 is not supported (llama.cpp dropped it too); convert the model again with a current llama.cpp"
                : version & 0xFFFF == 0
                    ? "a big-endian GGUF file (version word \(version)); only little-endian files are supported"
                    : "GGUF version \(version) is not supported; versions 2 and 3 are"
        case .truncated(let what): "the file is truncated: it ends inside \(what)"
        case .absurdCount(let what, let count): "\(what) is \(count), more than the file could hold: the file is corrupt"
        case .malformed(let what): "malformed: \(what)"
        case .outOfRange(let tensor, let detail): "tensor \(tensor): \(detail)"
        case .missingKey(let key, let expected): "the metadata key \(key) (\(expected)) is missing or has another type"
        case .tensor(let name, let detail): "tensor \(name): \(detail)"
        case .unsupported(let what): what
        }
    }
}
