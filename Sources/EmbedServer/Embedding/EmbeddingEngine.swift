import EmbedCore

/// The server's view of an ``EmbedCore/Embedder``: what it can do, behind one concrete type.
///
/// The routes and the batcher are not generic over the embedder; they hold this value, which
/// captures the embedder once and records whether it also tokenizes (``TokenizingEmbedder``),
/// the only capability that changes what the API accepts (token-id inputs, exact token counts,
/// rejecting over-long inputs before they are embedded).
struct EmbeddingEngine: Sendable {
    /// The embedder's model name.
    let modelName: String
    /// The embedder's vector length, if known before the first call.
    let dimensions: Int?
    /// The most tokens one input may have, for tokenizing embedders.
    let maxSequenceLength: Int?
    /// The model's own prompts that a request may name (TEI's `prompt_name`).
    let promptNames: [String]
    /// The element type the weights are multiplied in (TEI's `model_dtype`), when known.
    let weightDataType: String?

    private let embedTexts: @Sendable ([String], EmbeddingOptions) async throws -> [Embedding]
    private let embedTokenIDs: (@Sendable ([[Int]], EmbeddingOptions) async throws -> [Embedding])?
    private let prepareTexts: (@Sendable ([String], EmbeddingOptions) async throws -> [PreparedText])?
    private let embedPrepared: (@Sendable ([PreparedText], EmbeddingOptions) async throws -> [Embedding])?

    init(_ embedder: some Embedder) {
        modelName = embedder.modelName
        dimensions = embedder.dimensions
        embedTexts = { texts, options in try await embedder.embed(texts, options: options) }
        if let tokenizing = embedder as? any TokenizingEmbedder {
            maxSequenceLength = tokenizing.maxSequenceLength
            promptNames = tokenizing.promptNames
            weightDataType = tokenizing.weightDataType
            embedTokenIDs = { ids, options in try await tokenizing.embed(tokenIDs: ids, options: options) }
            prepareTexts = { texts, options in try await tokenizing.prepare(texts, options: options) }
            embedPrepared = { prepared, options in try await tokenizing.embed(prepared: prepared, options: options) }
        } else {
            maxSequenceLength = nil
            promptNames = []
            weightDataType = nil
            embedTokenIDs = nil
            prepareTexts = nil
            embedPrepared = nil
        }
    }

    /// Whether the engine runs its own tokenizer, and so accepts token ids.
    var tokenizes: Bool { prepareTexts != nil }

    /// Embeds texts.
    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await embedTexts(texts, options)
    }

    /// Embeds token-id sequences; the caller checks ``tokenizes`` first.
    func embed(tokenIDs: [[Int]], options: EmbeddingOptions) async throws -> [Embedding] {
        guard let embedTokenIDs else {
            throw APIError.invalid("This model's engine does not accept token ids.", param: "input")
        }
        return try await embedTokenIDs(tokenIDs, options)
    }

    /// Tokenizes texts as the options make the model read them (the selected prompt, special
    /// tokens, truncation), or returns `nil` when the engine has no tokenizer.
    func prepare(_ texts: [String], options: EmbeddingOptions) async throws -> [PreparedText]? {
        guard let prepareTexts else { return nil }
        return try await prepareTexts(texts, options)
    }

    /// Embeds texts ``prepare(_:options:)`` tokenized with the same options.
    func embed(prepared: [PreparedText], options: EmbeddingOptions) async throws -> [Embedding] {
        guard let embedPrepared else {
            throw APIError(.engineFailure, "This model's engine does not tokenize.")
        }
        return try await embedPrepared(prepared, options)
    }
}
