import Dispatch
import EmbedCore
import Foundation

/// The model a ``PipelineTokenizer`` runs on each word.
enum PipelineModel: Sendable {
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)
    case bpe(BPEModel)

    /// The id of the vocabulary token `token`, or nil.
    func id(of token: String) -> Int32? {
        switch self {
        case .wordPiece(let wordPiece): wordPiece.table.id(of: token)
        case .unigram(let unigram): unigram.trie.id(of: token)
        case .bpe(let bpe): bpe.table.id(of: token)
        }
    }

    /// The type as `tokenizer.json` spells it.
    var name: String {
        switch self {
        case .wordPiece: "WordPiece"
        case .unigram: "Unigram"
        case .bpe: "BPE"
        }
    }
}

/// An exact tokenizer for any supported `tokenizer.json` (SentencePiece Unigram as XLM-RoBERTa's,
/// byte-level BPE as RoBERTa's and ModernBERT's, SentencePiece BPE, WordPiece with other parts):
/// the ids of Hugging Face's fast tokenizer as sentence-transformers calls it.
///
/// Every component works on arrays of Unicode scalar values with integer-keyed tables, so that
/// the hot path allocates no string per token. All state is immutable: one instance can be shared
/// by any number of tasks and threads.
public final class PipelineTokenizer: TextTokenizer {
    /// The configuration the tokenizer was built from.
    public let configuration: HuggingFaceTokenizerConfiguration

    /// The default maximum number of ids per text, special tokens included.
    public let maxLength: Int

    /// One more than the largest id the tokenizer can produce (vocabulary and added tokens).
    public let vocabularySize: Int

    private let normalizer: NormalizerStep?
    private let preTokenizer: PreTokenizerStep?
    private let model: PipelineModel
    private let vocabulary: [String]
    private let rawTokenMatcher: AddedTokenMatcher
    private let normalizedTokenMatcher: AddedTokenMatcher
    private let addedTokenIDs: [String: Int32]
    private let addedTokenContents: [Int: String]
    private let leadingIDs: [Int32]
    private let trailingIDs: [Int32]
    private let lowercaseInput: Bool
    /// Whether the pre-tokenizer has a Metaspace with the `first` scheme.
    private let preTokenizerAsksStart: Bool

    /// Builds the tokenizer, reading `tokenizer.json` once.
    ///
    /// - Throws: ``TokenizerError`` naming the component and ``HuggingFaceTokenizerConfiguration/source``
    ///   when the file is malformed or uses something unsupported, or when a length or id cannot work.
    public init(configuration: HuggingFaceTokenizerConfiguration) throws(TokenizerError) {
        let parts = try PipelineReader(text: configuration.tokenizerJSON, path: configuration.source).read()
        let template = parts.template
        guard configuration.maxLength > template.count else {
            throw .invalidConfiguration(
                "maxLength \(configuration.maxLength) leaves no room for text next to the \(template.count) special tokens.")
        }
        var scratch = NormalizerStep.Scratch()
        let added = try AddedTokens(
            Self.resolveIDs(of: parts.addedTokens, model: parts.model, vocabulary: parts.vocabulary),
            vocabularyCount: parts.vocabulary.count, template: template, source: configuration.source
        ) { scalars in parts.normalizer?.apply(to: &scalars, scratch: &scratch) }
        rawTokenMatcher = added.rawMatcher
        normalizedTokenMatcher = added.normalizedMatcher

        self.configuration = configuration
        normalizer = parts.normalizer
        preTokenizer = parts.preTokenizer
        model = parts.model
        vocabulary = parts.vocabulary
        maxLength = configuration.maxLength
        vocabularySize = added.vocabularySize
        addedTokenIDs = added.ids
        addedTokenContents = added.contents
        leadingIDs = template.leading.map { Int32($0.id) }
        trailingIDs = template.trailing.map { Int32($0.id) }
        lowercaseInput = configuration.lowercaseInput
        preTokenizerAsksStart = parts.preTokenizer?.usesFirstScheme ?? false
    }

    /// The ids upstream gives the added tokens when it reads `tokenizer.json`: the `id` written
    /// in the file is not used; a token in the model's vocabulary takes its id there, any other
    /// the next id after the vocabulary and the added tokens so far (`AddedVocabulary::add_tokens`).
    /// In files written by the library the two agree; in edited ones upstream's rule wins.
    private static func resolveIDs(
        of tokens: [TokenizerConfiguration.AddedToken], model: PipelineModel, vocabulary: [String]
    ) -> [TokenizerConfiguration.AddedToken] {
        let modelSize = vocabulary.count { !$0.isEmpty }
        var resolved: [TokenizerConfiguration.AddedToken] = []
        var seen: Set<[UInt32]> = []  // by scalars: String equality would merge "é" and "e\u{301}"
        var largest: Int?
        for var token in tokens where !token.content.isEmpty {
            guard seen.insert(token.content.unicodeScalars.map(\.value)).inserted else { continue }
            if let id = model.id(of: token.content) {
                token.id = Int(id)
            } else if let max = largest, max >= modelSize || modelSize == 0 {
                token.id = max + 1
            } else {
                token.id = modelSize
            }
            largest = Swift.max(largest ?? token.id, token.id)
            resolved.append(token)
        }
        return resolved
    }

    /// Creates the tokenizer of a model folder; see
    /// ``HuggingFaceTokenizerConfiguration/load(fromModelDirectory:)``.
    public convenience init(modelDirectory: URL) throws(TokenizerError) {
        try self.init(configuration: try HuggingFaceTokenizerConfiguration.load(fromModelDirectory: modelDirectory))
    }

    /// The model's type as `tokenizer.json` spells it.
    public var modelName: String { model.name }

    /// Returns the ids of `text` (lower-cased first when the model asks), cut to `maxLength` (or
    /// ``maxLength``) with the special tokens kept.
    ///
    /// The text is not stripped: sentence-transformers 6 hands it to the tokenizer as it is, and
    /// for byte-level BPE the white space at either end is tokens (`Ġ`, `Ċ`) that change the
    /// vector — the reference embeddings of the RoBERTa and ModernBERT models match the
    /// unstripped ids and not the stripped ones. (WordPiece, Unigram and Metaspace drop that white
    /// space either way.)
    public func encode(_ text: String, maxLength: Int? = nil) -> TokenizedText {
        var scratch = PipelineScratch()
        return encode(text, limit: maxLength ?? self.maxLength, stripping: false, scratch: &scratch)
    }

    /// Returns the ids of each text, in order, as ``encode(_:maxLength:)`` would; large batches are
    /// split across the processor cores.
    public func encode(batch texts: [String], maxLength: Int? = nil) -> [TokenizedText] {
        let limit = maxLength ?? self.maxLength
        let totalBytes = texts.reduce(0) { $0 + $1.utf8.count }
        let workers = min(AvailableCores.count, texts.count, totalBytes / Self.bytesPerWorker)
        guard workers > 1 else {
            var scratch = PipelineScratch()
            return texts.map { encode($0, limit: limit, stripping: false, scratch: &scratch) }
        }
        var results = [TokenizedText](
            repeating: TokenizedText(ids: [], untruncatedCount: 0, isTruncated: false), count: texts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only the indices ≡ worker (mod workers), so writes never overlap,
            // and concurrentPerform returns only after every worker has finished.
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var scratch = PipelineScratch()
                for index in stride(from: worker, to: texts.count, by: workers) {
                    output[index] = encode(texts[index], limit: limit, stripping: false, scratch: &scratch)
                }
            }
        }
        return results
    }

    /// Below this much text per core, a second thread costs more than it saves.
    private static let bytesPerWorker = 16 * 1024

    /// Returns the ids of `text` with or without Python's `strip()` first (older sentence-transformers
    /// releases stripped; the `stripped-ids.jsonl` reference checks that path).
    package func encode(_ text: String, maxLength: Int?, strippingInput: Bool) -> TokenizedText {
        var scratch = PipelineScratch()
        return encode(text, limit: maxLength ?? self.maxLength, stripping: strippingInput, scratch: &scratch)
    }

    /// Returns the id of `token` (an added token or a vocabulary entry), or nil if unknown.
    public func id(of token: String) -> Int? {
        if let id = addedTokenIDs[token] { return Int(id) }
        return model.id(of: token).map(Int.init)
    }

    /// Returns the token with `id` (an added token or a vocabulary entry), or nil if none.
    public func token(of id: Int) -> String? {
        if let content = addedTokenContents[id] { return content }
        guard vocabulary.indices.contains(id), !vocabulary[id].isEmpty else { return nil }
        return vocabulary[id]
    }

    // MARK: - Pipeline

    private func encode(_ text: String, limit: Int, stripping: Bool, scratch: inout PipelineScratch) -> TokenizedText {
        scratch.ids.removeAll(keepingCapacity: true)
        appendContentIDs(of: text, stripping: stripping, scratch: &scratch)
        return TokenizedText(content: scratch.ids, leading: leadingIDs, trailing: trailingIDs, limit: limit)
    }

    /// Appends the ids of the text (no special tokens from the template) to `scratch.ids`.
    private func appendContentIDs(of text: String, stripping: Bool, scratch: inout PipelineScratch) {
        let range = PythonText.prepare(text, into: &scratch.input, stripping: stripping, lowercasing: lowercaseInput)
        if range.isEmpty { return }

        rawTokenMatcher.pieces(of: scratch.input, range: range, into: &scratch.pieces)
        for piece in scratch.pieces {
            switch piece {
            case .token(let id):
                scratch.ids.append(id)
            case .text(let pieceRange):
                scratch.normalized.removeAll(keepingCapacity: true)
                scratch.normalized.append(contentsOf: scratch.input[pieceRange])
                // Only Metaspace's `first` scheme asks which characters stand where the text began:
                // those of the first piece that come from its first character.
                var leadingSpan = preTokenizerAsksStart && pieceRange.lowerBound == range.lowerBound ? 1 : -1
                normalizer?.apply(to: &scratch.normalized, scratch: &scratch.normalizerScratch, leadingSpan: &leadingSpan)
                appendNormalizedIDs(leadingSpan: max(0, leadingSpan), scratch: &scratch)
            }
        }
    }

    /// Splits normalized added tokens out of `scratch.normalized`, then tokenizes the rest.
    private func appendNormalizedIDs(leadingSpan: Int, scratch: inout PipelineScratch) {
        let whole = 0..<scratch.normalized.count
        if whole.isEmpty { return }
        normalizedTokenMatcher.pieces(of: scratch.normalized, range: whole, into: &scratch.normalizedPieces)
        for piece in scratch.normalizedPieces {
            switch piece {
            case .token(let id):
                scratch.ids.append(id)
            case .text(let range):
                scratch.words.text.removeAll(keepingCapacity: true)
                scratch.words.text.append(contentsOf: scratch.normalized[range])
                scratch.words.words.removeAll(keepingCapacity: true)
                scratch.words.leadingSpan = max(0, leadingSpan - range.lowerBound)
                scratch.words.words.append(WordSpan(start: 0, end: range.count, atStart: scratch.words.leadingSpan > 0))
                preTokenizer?.apply(&scratch.words, spare: &scratch.spareWords)
                appendModelIDs(scratch: &scratch)
            }
        }
    }

    /// Runs the model on every word of `scratch.words`.
    private func appendModelIDs(scratch: inout PipelineScratch) {
        // Local copies share storage with the scratch buffers (no copy is made) and keep the
        // reads apart from the writes to `scratch`.
        let text = scratch.words.text
        let words = scratch.words.words
        text.withUnsafeBufferPointer { text in
            for word in words {
                switch model {
                case .wordPiece(let wordPiece):
                    wordPiece.encode(text, from: word.start, to: word.end, into: &scratch.ids)
                case .unigram(let unigram):
                    unigram.encode(text, from: word.start, to: word.end, into: &scratch.ids, scratch: &scratch.unigram)
                case .bpe(let bpe):
                    bpe.encode(text, from: word.start, to: word.end, into: &scratch.ids, scratch: &scratch.bpe)
                }
            }
        }
    }
}

/// Buffers reused across the texts one thread encodes.
struct PipelineScratch {
    var input: [UInt32] = []
    var pieces: [TextPiece] = []
    var normalized: [UInt32] = []
    var normalizerScratch = NormalizerStep.Scratch()
    var normalizedPieces: [TextPiece] = []
    var words = PreTokens()
    var spareWords = PreTokens()
    var unigram = UnigramModel.Scratch()
    var bpe = BPEModel.Scratch()
    var ids: [Int32] = []
}
