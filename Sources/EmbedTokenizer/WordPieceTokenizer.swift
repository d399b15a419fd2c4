import Dispatch
import EmbedCore
import Foundation

/// An exact BERT WordPiece tokenizer: the ids of Hugging Face's fast tokenizer as
/// sentence-transformers calls it (strip, optional `str.lower()`, added tokens, BertNormalizer,
/// BertPreTokenizer, WordPiece, `[CLS] $A [SEP]`, truncation that keeps the special tokens).
///
/// All state is immutable, so one instance can be shared by any number of tasks and threads.
public final class WordPieceTokenizer: Sendable {
    /// The configuration the tokenizer was built from.
    public let configuration: TokenizerConfiguration

    /// The default maximum number of ids per text, special tokens included.
    public let maxLength: Int

    /// The id of the classifier token (`[CLS]`).
    public let classifierID: Int32
    /// The id of the separator token (`[SEP]`).
    public let separatorID: Int32
    /// The id of the padding token (`[PAD]`).
    public let padID: Int32
    /// The id of the unknown token (`[UNK]`).
    public let unknownID: Int32

    /// One more than the largest id the tokenizer can produce (vocabulary and added tokens).
    public let vocabularySize: Int

    private let model: WordPieceModel
    private let normalizer: BertNormalizer?
    private let rawTokenMatcher: AddedTokenMatcher
    private let normalizedTokenMatcher: AddedTokenMatcher
    private let addedTokenIDs: [String: Int32]
    private let addedTokenContents: [Int: String]
    private let leadingIDs: [Int32]
    private let trailingIDs: [Int32]
    private let lowercaseInput: Bool

    /// Creates a tokenizer, building its lookup tables once.
    ///
    /// - Throws: ``TokenizerError`` when the vocabulary is empty, a token with a role is missing,
    ///   or a length or id is out of range.
    public init(configuration: TokenizerConfiguration) throws(TokenizerError) {
        let wordPiece = configuration.wordPiece
        guard !wordPiece.vocabulary.isEmpty else {
            throw .invalidVocabulary("the tokenizer configuration", reason: "the vocabulary is empty.")
        }
        guard wordPiece.maxInputCharactersPerWord > 0 else {
            throw .invalidConfiguration(
                "maxInputCharactersPerWord must be at least 1; got \(wordPiece.maxInputCharactersPerWord).")
        }
        let template = configuration.template
        guard configuration.maxLength > template.count else {
            throw .invalidConfiguration(
                "maxLength \(configuration.maxLength) leaves no room for text next to the \(template.count) special tokens.")
        }

        let normalizer = configuration.normalizer.map(BertNormalizer.init)
        var decomposed: [UInt32] = []
        let added = try AddedTokens(configuration.addedTokens, vocabularyCount: wordPiece.vocabulary.count,
                                    template: template) { scalars in
            guard let normalizer else { return }
            var output: [UInt32] = []
            normalizer.normalize(scalars[...], into: &output, decomposed: &decomposed)
            scalars = output
        }
        let addedIDs = added.ids

        let table = VocabularyTable(tokens: wordPiece.vocabulary)
        // Added tokens first, then the model's vocabulary: Hugging Face's `token_to_id` order.
        func resolve(_ token: String, role: String) throws(TokenizerError) -> Int32 {
            if let id = addedIDs[token] ?? table.id(of: token) { return id }
            throw .missingSpecialToken(role: role, token: token)
        }
        let unknown = try resolve(wordPiece.unknownToken, role: "unknown")
        classifierID = try resolve(configuration.specialTokens.classifier, role: "classifier")
        separatorID = try resolve(configuration.specialTokens.separator, role: "separator")
        padID = try resolve(configuration.specialTokens.padding, role: "padding")
        unknownID = try resolve(configuration.specialTokens.unknown, role: "unknown")

        model = WordPieceModel(
            table: table, continuingPrefix: wordPiece.continuingSubwordPrefix, unknownID: unknown,
            maxCharactersPerWord: wordPiece.maxInputCharactersPerWord)
        self.normalizer = normalizer
        rawTokenMatcher = added.rawMatcher
        normalizedTokenMatcher = added.normalizedMatcher

        self.configuration = configuration
        maxLength = configuration.maxLength
        vocabularySize = added.vocabularySize
        addedTokenIDs = added.ids
        addedTokenContents = added.contents
        leadingIDs = template.leading.map { Int32($0.id) }
        trailingIDs = template.trailing.map { Int32($0.id) }
        lowercaseInput = configuration.lowercaseInput
    }

    /// Creates the tokenizer of a model folder; see
    /// ``TokenizerConfiguration/load(fromModelDirectory:)``.
    public convenience init(modelDirectory: URL) throws(TokenizerError) {
        try self.init(configuration: try TokenizerConfiguration.load(fromModelDirectory: modelDirectory))
    }

    /// Returns the ids of `text`.
    ///
    /// - Parameters:
    ///   - text: Any text; it is stripped (and lower-cased when the model asks for it) first.
    ///   - maxLength: The most ids to return, special tokens included; `nil` uses ``maxLength``.
    ///     Values below the number of special tokens are raised to it.
    /// - Returns: The ids with the special tokens, and whether and from what count they were cut.
    public func encode(_ text: String, maxLength: Int? = nil) -> TokenizedText {
        var scratch = EncodingScratch()
        return encode(text, limit: maxLength ?? self.maxLength, scratch: &scratch)
    }

    /// Returns the ids of each text, in order, as ``encode(_:maxLength:)`` would.
    ///
    /// Large batches are split across the processor cores.
    public func encode(batch texts: [String], maxLength: Int? = nil) -> [TokenizedText] {
        let limit = maxLength ?? self.maxLength
        let totalBytes = texts.reduce(0) { $0 + $1.utf8.count }
        let workers = min(AvailableCores.count, texts.count, totalBytes / Self.bytesPerWorker)
        guard workers > 1 else {
            var scratch = EncodingScratch()
            return texts.map { encode($0, limit: limit, scratch: &scratch) }
        }
        var results = [TokenizedText](repeating: TokenizedText(ids: [], untruncatedCount: 0, isTruncated: false), count: texts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only the indices ≡ worker (mod workers), so writes never overlap,
            // and concurrentPerform returns only after every worker has finished.
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var scratch = EncodingScratch()
                for index in stride(from: worker, to: texts.count, by: workers) {
                    output[index] = encode(texts[index], limit: limit, scratch: &scratch)
                }
            }
        }
        return results
    }

    /// Below this much text per core, a second thread costs more than it saves.
    private static let bytesPerWorker = 16 * 1024

    /// Returns the id of `token` (an added token or a vocabulary entry), or nil if unknown.
    public func id(of token: String) -> Int? {
        if let id = addedTokenIDs[token] { return Int(id) }
        return model.table.id(of: token).map(Int.init)
    }

    /// Returns the token with `id` (an added token or a vocabulary entry), or nil if none.
    public func token(of id: Int) -> String? {
        if let content = addedTokenContents[id] { return content }
        let vocabulary = configuration.wordPiece.vocabulary
        guard vocabulary.indices.contains(id), !vocabulary[id].isEmpty else { return nil }
        return vocabulary[id]
    }

    // MARK: - Pipeline

    private func encode(_ text: String, limit: Int, scratch: inout EncodingScratch) -> TokenizedText {
        scratch.ids.removeAll(keepingCapacity: true)
        appendContentIDs(of: text, scratch: &scratch)
        return TokenizedText(content: scratch.ids, leading: leadingIDs, trailing: trailingIDs, limit: limit)
    }

    /// Appends the ids of the text (no special tokens from the template) to `scratch.ids`.
    private func appendContentIDs(of text: String, scratch: inout EncodingScratch) {
        let range = PythonText.prepare(text, into: &scratch.input, stripping: true, lowercasing: lowercaseInput)
        if range.isEmpty { return }

        rawTokenMatcher.pieces(of: scratch.input, range: range, into: &scratch.pieces)
        for piece in scratch.pieces {
            switch piece {
            case .token(let id):
                scratch.ids.append(id)
            case .text(let pieceRange):
                if let normalizer {
                    normalizer.normalize(
                        scratch.input[pieceRange], into: &scratch.normalized, decomposed: &scratch.decomposed)
                } else {
                    scratch.normalized.removeAll(keepingCapacity: true)
                    scratch.normalized.append(contentsOf: scratch.input[pieceRange])
                }
                appendNormalizedIDs(scratch: &scratch)
            }
        }
    }

    /// Splits normalized added tokens out of `scratch.normalized`, then tokenizes the rest.
    private func appendNormalizedIDs(scratch: inout EncodingScratch) {
        let whole = 0..<scratch.normalized.count
        if normalizedTokenMatcher.isEmpty {
            appendWordIDs(of: scratch.normalized, in: whole, to: &scratch.ids)
            return
        }
        scratch.normalizedPieces.removeAll(keepingCapacity: true)
        normalizedTokenMatcher.split(scratch.normalized, range: whole, into: &scratch.normalizedPieces)
        for piece in scratch.normalizedPieces {
            switch piece {
            case .token(let id):
                scratch.ids.append(id)
            case .text(let range):
                appendWordIDs(of: scratch.normalized, in: range, to: &scratch.ids)
            }
        }
    }

    /// BertPreTokenizer then WordPiece: white space separates words and is dropped; each
    /// punctuation character is a word of its own.
    private func appendWordIDs(of text: [UInt32], in range: Range<Int>, to ids: inout [Int32]) {
        ScalarClass.table.withUnsafeBufferPointer { table in
            text.withUnsafeBufferPointer { text in
                var wordStart = range.lowerBound
                for index in range {
                    let classes = ScalarClass.of(text[index], in: table)
                    if classes.has(.whitespace) {
                        model.encode(text, from: wordStart, to: index, into: &ids)
                        wordStart = index + 1
                    } else if classes.has(.punctuation) {
                        model.encode(text, from: wordStart, to: index, into: &ids)
                        model.encode(text, from: index, to: index + 1, into: &ids)
                        wordStart = index + 1
                    }
                }
                model.encode(text, from: wordStart, to: range.upperBound, into: &ids)
            }
        }
    }
}

/// Buffers reused across the texts one thread encodes, so that steady-state encoding allocates
/// little more than the returned ids.
struct EncodingScratch {
    var input: [UInt32] = []
    var pieces: [TextPiece] = []
    var normalized: [UInt32] = []
    var decomposed: [UInt32] = []
    var normalizedPieces: [TextPiece] = []
    var ids: [Int32] = []
}
