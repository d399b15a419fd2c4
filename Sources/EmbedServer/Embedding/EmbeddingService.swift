import EmbedCore

/// One served model and the path every embedding route shares for it: count tokens, enforce the
/// length policy, queue the inputs for the model's own batches, check what comes back.
///
/// The routes pick the service a request names (``ModelCatalog``) and only translate their API's request into ``EmbeddingInput``s and options, and the
/// resulting vectors into their API's response.
struct EmbeddingService: Sendable {
    /// What to do with inputs longer than the model reads.
    enum Truncation: Sendable {
        /// Cut them, as the engine does by default.
        case allowed
        /// Reject the request, naming the first such input.
        case rejected
    }

    /// The embeddings of one request and what it cost.
    struct Outcome: Sendable {
        var embeddings: [Embedding]
        /// Tokens read, as the engine reports them (or counted by its tokenizer).
        var tokenCount: Int
    }

    /// The name clients use and responses carry.
    let modelName: String
    /// Further names the model answers to.
    let aliases: [String]
    /// The family Ollama's model routes report.
    let architecture: String
    let engine: EmbeddingEngine
    let batcher: EmbeddingBatcher
    let limits: EmbeddingBatcher.Limits
    let metrics: ModelMetrics
    let configuration: ServerConfiguration

    /// Checks the number of inputs against the request limit.
    func checkInputCount(_ count: Int, param: String) throws {
        if count > configuration.maxInputsPerRequest {
            throw APIError.tooManyInputs(count, limit: configuration.maxInputsPerRequest, param: param)
        }
    }

    /// Checks a requested output size before any work is done.
    func checkDimensions(_ dimensions: Int?, param: String = "dimensions") throws {
        guard let dimensions else { return }
        if dimensions < 1 {
            throw APIError.invalid("dimensions must be at least 1; got \(dimensions).", param: param)
        }
        if let available = engine.dimensions, dimensions > available {
            throw APIError.invalid("dimensions must be at most \(available) for '\(modelName)'; got \(dimensions).", param: param)
        }
    }

    /// Options selecting one of the model's own prompts by name (`prompt_name`, as TEI and
    /// sentence-transformers call it; accepted on every route), or default options without one.
    func promptOptions(_ promptName: String?, param: String = "prompt_name") throws -> EmbeddingOptions {
        guard let promptName else { return EmbeddingOptions() }
        guard engine.promptNames.contains(promptName) else {
            let names = engine.promptNames
            throw APIError.invalid(
                "prompt_name '\(promptName)' is not one of '\(modelName)''s prompts"
                    + (names.isEmpty ? " (it has none)." : ": \(names.joined(separator: ", ")).") , param: param)
        }
        return EmbeddingOptions(promptName: promptName)
    }

    /// Embeds a request's inputs through the shared batches.
    ///
    /// - Parameters:
    ///   - param: the request field holding the inputs, named in errors.
    /// - Throws: ``APIError`` for input the engine cannot take, a full queue, or an engine failure.
    func embed(
        _ inputs: [EmbeddingInput],
        options: EmbeddingOptions = EmbeddingOptions(),
        truncation: Truncation,
        param: String
    ) async throws -> Outcome {
        guard !inputs.isEmpty else { return Outcome(embeddings: [], tokenCount: 0) }
        let isTokenInput: Bool
        if case .tokenIDs = inputs[0] { isTokenInput = true } else { isTokenInput = false }
        if isTokenInput, !engine.tokenizes {
            throw APIError.invalid(
                "'\(modelName)' does not accept token ids: its engine has no tokenizer here. Send the input as text.",
                param: param
            )
        }

        // Tokens per input before truncation, when they can be known before embedding. A
        // tokenizing engine's texts are tokenized here, once, and embedded from their ids.
        var inputs = inputs
        let counts: [Int]?
        if isTokenInput {
            var lengths: [Int] = []
            for (index, input) in inputs.enumerated() {
                guard case .tokenIDs(let ids) = input else { continue }
                if ids.isEmpty { throw APIError(.emptyInput, "Input \(index) is an empty token array.", param: param) }
                if let bad = ids.first(where: { $0 < 0 }) {
                    throw APIError.invalid("Input \(index) has a negative token id (\(bad)).", param: param)
                }
                lengths.append(ids.count)
            }
            counts = lengths
        } else {
            let texts = inputs.compactMap { if case .text(let text) = $0 { text } else { nil } }
            do {
                if let prepared = try await engine.prepare(texts, options: options) {
                    counts = prepared.map(\.inputTokens)
                    inputs = prepared.map { .prepared($0) }
                } else {
                    counts = nil
                }
            } catch {
                throw Self.apiError(for: error, isTokenInput: false, param: param)
            }
        }

        let maxLength = engine.maxSequenceLength
        if truncation == .rejected, let maxLength, let counts, let index = counts.firstIndex(where: { $0 > maxLength }) {
            throw Self.inputTooLong(index: index, tokens: counts[index], maxLength: maxLength, param: param)
        }

        let costs: [Int] = inputs.indices.map { index in
            if let counts { return min(counts[index], maxLength ?? counts[index]) }
            guard case .text(let text) = inputs[index] else { return 1 }
            return max(1, (text.utf8.count + 3) / 4)  // ~4 bytes per token for engines without a tokenizer
        }

        let embeddings: [Embedding]
        do {
            embeddings = try await batcher.embed(inputs, costs: costs, options: options)
        } catch {
            throw Self.apiError(for: error, isTokenInput: isTokenInput, param: param)
        }

        // Engines without a tokenizer report truncation only after the fact.
        if truncation == .rejected, let index = embeddings.firstIndex(where: \.isTruncated) {
            let embedding = embeddings[index]
            throw Self.inputTooLong(
                index: index, tokens: embedding.inputTokenCount, maxLength: embedding.tokenCount, param: param
            )
        }
        for (index, embedding) in embeddings.enumerated() where !embedding.vector.allSatisfy(\.isFinite) {
            throw APIError(.engineFailure, "The engine returned a vector with NaN or infinite components for input \(index).")
        }

        var tokens = 0
        for (index, embedding) in embeddings.enumerated() {
            tokens += embedding.tokenCount ?? costs[index]
        }
        metrics.recordEmbedded(inputs: embeddings.count, tokens: tokens)
        return Outcome(embeddings: embeddings, tokenCount: tokens)
    }

    /// Truncates to `dimensions` (when given) and L2-normalizes (when asked).
    static func shape(_ vector: [Float], dimensions: Int?, normalize: Bool, param: String = "dimensions") throws -> [Float] {
        var vector = vector
        if let dimensions {
            do {
                vector = try Similarity.truncated(vector, to: dimensions, renormalize: false)
            } catch {
                throw APIError.invalid("\(error)", param: param)
            }
        }
        return normalize ? Similarity.normalized(vector) : vector
    }

    private static func inputTooLong(index: Int, tokens: Int?, maxLength: Int?, param: String) -> APIError {
        let length = tokens.map { " has \($0) tokens, but" } ?? " is longer than"
        let limit = maxLength.map { " this model reads at most \($0) tokens" } ?? " this model reads"
        return APIError(.inputTooLong, "Input \(index)\(length)\(limit); shorten it or allow truncation.", param: param)
    }

    /// Maps an error from the engine or the batcher to what the client is told.
    private static func apiError(for error: any Error, isTokenInput: Bool, param: String) -> any Error {
        switch error {
        case let error as APIError:
            return error
        case is CancellationError:
            return error
        case let error as EmbeddingError:
            // EmbeddingError describes the input or the output of a call; the server checks
            // counts and dimensions itself, so what reaches here is about the input.
            return APIError.invalid("\(error)", param: param)
        default:
            // The engine's remote service failed, not this server nor the input.
            if let upstream = APIError.upstream(error) { return upstream }
            if isTokenInput {
                // Token ids from another tokenizer (tiktoken ids sent by LangChain's
                // OpenAIEmbeddings) are the usual cause; say so.
                return APIError.invalid(
                    "The token ids could not be embedded: \(error). Token ids must come from this model's own tokenizer; "
                        + "clients that pre-tokenize with tiktoken (LangChain's OpenAIEmbeddings) need "
                        + "check_embedding_ctx_length=False.",
                    param: param
                )
            }
            return APIError(.engineFailure, "The embedding engine failed: \(error)")
        }
    }
}
