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

    /// What ``embed(_:options:)`` would report of each text's tokens — read, before truncation,
    /// and whether it was cut — without running the model (the prompt the options select
    /// included). The tokenizing runs off Swift's cooperative pool.
    func tokenCounts(_ texts: [String], options: EmbeddingOptions) async throws -> [TokenCount]
}

/// The token figures of one text, as an ``Embedding`` reports them.
public struct TokenCount: Sendable, Hashable {
    /// Tokens the model reads (special tokens included, after truncation).
    public var tokens: Int
    /// Tokens before truncation.
    public var inputTokens: Int
    /// Whether the text was cut.
    public var isTruncated: Bool

    /// Creates token figures.
    public init(tokens: Int, inputTokens: Int, isTruncated: Bool) {
        self.tokens = tokens
        self.inputTokens = inputTokens
        self.isTruncated = isTruncated
    }
}

extension TokenizingEmbedder {
    /// No named prompts.
    public var promptNames: [String] { [] }

    /// The figures ``tokenize(_:)`` implies, with an explicit prompt put before each text and
    /// truncation at ``maxSequenceLength``.
    public func tokenCounts(_ texts: [String], options: EmbeddingOptions) async throws -> [TokenCount] {
        let prefix = options.prompt ?? ""
        return try await tokenize(texts.map { prefix + $0 }).map { ids in
            TokenCount(tokens: min(ids.count, maxSequenceLength), inputTokens: ids.count, isTruncated: ids.count > maxSequenceLength)
        }
    }
}
