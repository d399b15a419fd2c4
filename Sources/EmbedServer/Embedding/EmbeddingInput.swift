/// One input to embed: a text, or token ids for engines that tokenize.
enum EmbeddingInput: Sendable, Hashable {
    case text(String)
    case tokenIDs([Int])
}
