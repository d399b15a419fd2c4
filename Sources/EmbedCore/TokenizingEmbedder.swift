/// An ``Embedder`` that runs its own tokenizer and can therefore also take token ids, count
/// tokens, and say what truncation would do — the local runtime.
///
/// Servers use it for OpenAI's token-array inputs and for exact `usage` counts; remote
/// embedders do not conform.
public protocol TokenizingEmbedder: Embedder {
    /// The most tokens (special tokens included) one input may have; longer inputs are cut.
    var maxSequenceLength: Int { get }

    /// Returns the ids the model would read for each text (special tokens included), before
    /// truncation, in input order.
    func tokenize(_ texts: [String]) async throws -> [[Int]]

    /// Returns one embedding per sequence of token ids (special tokens included, as returned by
    /// ``tokenize(_:)``), truncating sequences longer than ``maxSequenceLength``.
    func embed(tokenIDs: [[Int]], options: EmbeddingOptions) async throws -> [Embedding]

    /// The names of the model's own prompts, which ``EmbeddingOptions/promptName`` may select.
    var promptNames: [String] { get }
}

extension TokenizingEmbedder {
    /// No named prompts.
    public var promptNames: [String] { [] }
}
