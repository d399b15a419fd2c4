import Crypto
import EmbedCore

/// What, besides the text, determines a cached vector: who computed it, with which model, and
/// with which options.
///
/// Two calls may share cached vectors only when all three are equal, so the `provider` string
/// should name everything that changes the vectors but is not the model name — for a hosted
/// API its provider name (and a non-default endpoint), for a local model the model file's
/// identity.
public struct CacheKey: Sendable, Hashable, Codable {
    /// The engine or provider (`openai`, `gemini`, `local`, …).
    public var provider: String
    /// The model name as the engine knows it.
    public var model: String
    /// A canonical description of the options (see ``describe(_:)``); empty for the defaults.
    public var options: String

    /// Creates a key from an options string.
    public init(provider: String, model: String, options: String = "") {
        self.provider = provider
        self.model = model
        self.options = options
    }

    /// Creates a key from embedding options.
    public init(provider: String, model: String, options: EmbeddingOptions) {
        self.init(provider: provider, model: model, options: Self.describe(options))
    }

    /// Returns a canonical, unambiguous description of options: the set fields in a fixed order,
    /// `task=…;dimensions=…;promptName=LENGTH:NAME;prompt=LENGTH:TEXT`; names and prompts, which
    /// may contain anything, carry their length. Default options give the empty string.
    public static func describe(_ options: EmbeddingOptions) -> String {
        var parts: [String] = []
        if let task = options.task { parts.append("task=\(task.rawValue)") }
        if let dimensions = options.dimensions { parts.append("dimensions=\(dimensions)") }
        if let name = options.promptName { parts.append("promptName=\(name.utf8.count):\(name)") }
        if let prompt = options.prompt { parts.append("prompt=\(prompt.utf8.count):\(prompt)") }
        return parts.joined(separator: ";")
    }

    /// SHA-256 of the key's fields, each prefixed with its length so that no two keys collide
    /// by shifting characters between fields.
    var digest: [UInt8] {
        var hasher = SHA256()
        Self.feed(&hasher, ["embed-vector-cache-key/1", provider, model, options])
        return Array(hasher.finalize())
    }

    /// The SHA-256 that names the entry of `text` under this key.
    func entryDigest(for text: String) -> [UInt8] {
        var hasher = SHA256()
        Self.feed(&hasher, ["embed-vector-cache-entry/1", provider, model, options, text])
        return Array(hasher.finalize())
    }

    private static func feed(_ hasher: inout SHA256, _ fields: [String]) {
        for field in fields {
            let count = UInt64(field.utf8.count)
            hasher.update(data: (0..<8).map { UInt8(truncatingIfNeeded: count >> (8 * $0)) })
            hasher.update(data: Array(field.utf8))
        }
    }
}
