import EmbedCore
extension EmbeddingTask {
    /// Maps a mem0 `memory_action` hint to a task: `add` and `update` store documents, `search`
    /// embeds a query.
    ///
    /// - Parameter memoryAction: `"add"`, `"update"` or `"search"` (case-insensitive).
    /// - Returns: `nil` for any other value, which mem0 rejects too.
    public init?(memoryAction: String) {
        switch memoryAction.lowercased() {
        case "add", "update": self = .document
        case "search": self = .query
        default: return nil
        }
    }
}
