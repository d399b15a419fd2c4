import EmbedCore
import EmbedTokenizer

/// The offline ``Embedder``: a ``LocalModel`` run on this machine's CPU.
///
/// Vectors equal sentence-transformers' for the same model to 1e-5. Texts longer than the
/// model's maximum length are truncated (keeping the special tokens), and each result says so
/// through ``Embedding/isTruncated`` and its token counts.
public struct LocalEmbedder: TokenizingEmbedder {
    /// The model.
    public let model: LocalModel

    /// Creates an embedder for a loaded model.
    public init(model: LocalModel) { self.model = model }

    public var modelName: String { model.name }

    public var dimensions: Int? { model.encoder.outputDimension }

    public var maxSequenceLength: Int { model.tokenizer.maxLength }

    /// `int8` for an int8 model file (on a CPU with int8 products), else `float32` (f16 files
    /// are widened when loaded).
    public var weightDataType: String? {
        model.file?.storage == .int8 && !Kernels.int8RunsInFloat ? "int8" : "float32"
    }

    /// The prompts of `config_sentence_transformers.json`, sorted.
    public var promptNames: [String] { model.metadata.model.prompts.keys.sorted() }

    /// Returns one embedding per text, in input order.
    ///
    /// The prompt is `options.prompt` when given, else the model's prompt named
    /// `options.promptName`, else the model's prompt for `options.task`
    /// (`query`; `document`, `passage` or `corpus`; …) from `config_sentence_transformers.json`,
    /// else the model's default prompt; it is prepended to each text as sentence-transformers
    /// does.
    public func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !texts.isEmpty else { return [] }
        try validate(options)
        let prompt = self.prompt(for: options)
        let inputs = prompt.isEmpty ? texts : texts.map { prompt + $0 }
        let tokenizer = model.tokenizer
        let encoder = model.encoder
        let promptLength = promptLength(of: prompt)
        let (tokenized, vectors) = try await model.run {
            let tokenized = tokenizer.encode(batch: inputs)
            let promptLengths = promptLength.map { length in tokenized.map { min(length, $0.ids.count - 1) } }
            return (tokenized, try encoder.encode(tokenized.map(\.ids), promptLengths: promptLengths))
        }
        return try zip(tokenized, vectors).map { tokens, vector in
            Embedding(
                vector: try shaped(vector, options: options), tokenCount: tokens.ids.count,
                inputTokenCount: tokens.untruncatedCount, isTruncated: tokens.isTruncated)
        }
    }

    public func prepare(_ texts: [String], options: EmbeddingOptions) async throws -> [PreparedText] {
        let prompt = self.prompt(for: options)
        let tokenizer = model.tokenizer
        return try await model.runTokenizer {
            tokenizer.encode(batch: texts.map { prompt + $0 }).map {
                PreparedText(ids: $0.ids.map(Int.init), inputTokens: $0.untruncatedCount)
            }
        }
    }

    /// Runs the forward pass on texts ``prepare(_:options:)`` tokenized with the same options.
    ///
    /// - Throws: ``EmbeddingError/emptyInput(index:)`` for an empty sequence,
    ///   ``EmbeddingError/invalidOption(_:)`` for ids outside the vocabulary or a sequence longer
    ///   than ``maxSequenceLength`` (prepared texts are truncated already).
    public func embed(prepared: [PreparedText], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !prepared.isEmpty else { return [] }
        try validate(options)
        return try await forward(prepared, promptLength: promptLength(of: prompt(for: options)), options: options)
    }

    /// Refuses ids outside the vocabulary.
    private func checkVocabulary(_ ids: [Int], input index: Int) throws {
        let vocabularySize = model.metadata.model.encoder.vocabularySize
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw EmbeddingError.invalidOption("Token id \(bad) in input \(index) is outside the vocabulary (0..<\(vocabularySize)).")
        }
    }

    /// Refuses empty and over-long sequences and ids outside the vocabulary (which only a foreign
    /// caller can send), runs the forward pass on the rest and reports their token figures.
    private func forward(_ prepared: [PreparedText], promptLength: Int?, options: EmbeddingOptions) async throws -> [Embedding] {
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(prepared.count)
        for (index, text) in prepared.enumerated() {
            guard !text.ids.isEmpty else { throw EmbeddingError.emptyInput(index: index) }
            guard text.ids.count <= maxSequenceLength else {
                throw EmbeddingError.invalidOption(
                    "Prepared input \(index) has \(text.ids.count) tokens, more than the model's \(maxSequenceLength).")
            }
            try checkVocabulary(text.ids, input: index)
            sequences.append(text.ids.map { Int32($0) })
        }
        let encoder = model.encoder
        let readySequences = sequences
        let vectors = try await model.run {
            let promptLengths = promptLength.map { length in readySequences.map { min(length, $0.count - 1) } }
            return try encoder.encode(readySequences, promptLengths: promptLengths)
        }
        return try zip(prepared, vectors).map { text, vector in
            Embedding(
                vector: try shaped(vector, options: options), tokenCount: text.ids.count,
                inputTokenCount: text.inputTokens, isTruncated: text.isTruncated)
        }
    }

    /// How many leading tokens ([CLS] and the prompt's pieces) pooling skips when it excludes
    /// the prompt (sentence-transformers' `prompt_length`), or `nil` when it keeps them.
    private func promptLength(of prompt: String) -> Int? {
        prompt.isEmpty || model.metadata.model.pooling.includesPrompt ? nil : model.tokenizer.encode(prompt).ids.count - 1
    }

    public func tokenize(_ texts: [String]) async throws -> [[Int]] {
        let tokenizer = model.tokenizer
        return try await model.runTokenizer {
            texts.map { tokenizer.encode($0, maxLength: Int(Int32.max)).ids.map(Int.init) }
        }
    }

    public func embed(tokenIDs: [[Int]], options: EmbeddingOptions) async throws -> [Embedding] {
        guard !tokenIDs.isEmpty else { return [] }
        try validate(options)
        // The whole of each sequence is checked, the part truncation drops included.
        for (index, ids) in tokenIDs.enumerated() {
            guard !ids.isEmpty else { throw EmbeddingError.emptyInput(index: index) }
            try checkVocabulary(ids, input: index)
        }
        let limit = maxSequenceLength
        // Keep the head and the final token (normally [SEP]) as the tokenizer's truncation does.
        // Ids come without a prompt, so pooling skips none.
        let prepared = tokenIDs.map { ids in
            PreparedText(ids: ids.count <= limit ? ids : Array(ids.prefix(limit - 1)) + [ids[ids.count - 1]], inputTokens: ids.count)
        }
        return try await forward(prepared, promptLength: nil, options: options)
    }

    /// Returns the prompt prefix the options select: `prompt`, else the model's prompt named
    /// `promptName`, else the one for `task`, else the model's default.
    public func prompt(for options: EmbeddingOptions) -> String {
        if let prompt = options.prompt { return prompt }
        let description = model.metadata.model
        if let name = options.promptName { return description.prompts[name] ?? "" }
        if let task = options.task {
            let names: [String] = switch task {
            // nomic-embed-text names its prefixes search_query / search_document.
            case .query: ["query", "search_query"]
            case .document: ["document", "passage", "corpus", "search_document"]
            default: [task.rawValue]
            }
            for name in names {
                if let prompt = description.prompts[name] { return prompt }
            }
            return ""
        }
        if let name = description.defaultPromptName, let prompt = description.prompts[name] { return prompt }
        return ""
    }

    private func validate(_ options: EmbeddingOptions) throws {
        if let name = options.promptName, options.prompt == nil, model.metadata.model.prompts[name] == nil {
            let names = model.metadata.model.prompts.keys.sorted()
            throw EmbeddingError.invalidOption(
                "\(model.name) has no prompt named \"\(name)\"; "
                    + (names.isEmpty ? "it has no prompts." : "its prompts are \(names.joined(separator: ", "))."))
        }
        if let dimensions = options.dimensions, let available = self.dimensions,
            dimensions < 1 || dimensions > available
        {
            throw EmbeddingError.invalidDimensions(requested: dimensions, available: available)
        }
    }

    private func shaped(_ vector: [Float], options: EmbeddingOptions) throws -> [Float] {
        guard let dimensions = options.dimensions, dimensions != vector.count else { return vector }
        return try Similarity.truncated(vector, to: dimensions, renormalize: model.metadata.model.isNormalized)
    }
}
