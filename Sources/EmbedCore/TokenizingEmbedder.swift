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

    /// The element type the model's weights are multiplied in, as Text Embeddings Inference's
    /// `/info` names it (`float32`, `int8`); `nil` when unknown.
    var weightDataType: String? { get }

    /// Tokenizes texts exactly as ``embed(_:options:)`` would — the prompt the options select,
    /// special tokens, truncation — without running the model, off Swift's cooperative pool.
    /// A server uses it to count and check a request's tokens, then hands the result to
    /// ``embed(prepared:options:)``, so each text is tokenized once.
    func prepare(_ texts: [String], options: EmbeddingOptions) async throws -> [PreparedText]

    /// Returns one embedding per text prepared by ``prepare(_:options:)`` with the same options:
    /// equal to ``embed(_:options:)`` on the texts, without tokenizing them again.
    func embed(prepared: [PreparedText], options: EmbeddingOptions) async throws -> [Embedding]
}

/// A text as the model reads it: ``TokenizingEmbedder/prepare(_:options:)``'s result.
public struct PreparedText: Sendable, Hashable {
    /// The token ids the model reads (prompt and special tokens included, after truncation).
    public var ids: [Int]
    /// Tokens before truncation.
    public var inputTokens: Int

    /// Whether the text was cut.
    public var isTruncated: Bool { inputTokens > ids.count }

    /// The token figures an ``Embedding`` of this text reports.
    public var tokenCount: TokenCount {
        TokenCount(tokens: ids.count, inputTokens: inputTokens, isTruncated: isTruncated)
    }

    /// Creates a prepared text.
    public init(ids: [Int], inputTokens: Int) {
        self.ids = ids
        self.inputTokens = inputTokens
    }
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

    /// What ``embed(_:options:)`` would report of each text's tokens — read, before truncation,
    /// and whether it was cut — without running the model: ``prepare(_:options:)``'s figures.
    public func tokenCounts(_ texts: [String], options: EmbeddingOptions) async throws -> [TokenCount] {
        try await prepare(texts, options: options).map(\.tokenCount)
    }
}

extension TokenizingEmbedder {
    /// Unknown unless the embedder says.
    public var weightDataType: String? { nil }
}
