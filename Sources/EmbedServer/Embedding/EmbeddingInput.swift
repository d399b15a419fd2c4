import EmbedCore

/// One input to embed: a text, token ids for engines that tokenize, or a text such an engine has
/// tokenized already (so that it is tokenized once per request).
enum EmbeddingInput: Sendable, Hashable {
    case text(String)
    case tokenIDs([Int])
    case prepared(PreparedText)

    /// Which engine call embeds it; a batch holds inputs of one kind.
    enum Kind: Hashable, Sendable {
        case text, tokenIDs, prepared
    }

    var kind: Kind {
        switch self {
        case .text: .text
        case .tokenIDs: .tokenIDs
        case .prepared: .prepared
        }
    }
}
