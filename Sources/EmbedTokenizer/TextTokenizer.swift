import Foundation

/// A tokenizer of any kind (WordPiece, Unigram, byte-level BPE) as sentence-transformers calls it:
/// the text stripped (and lower-cased when the model asks for it), the model's own pipeline, the
/// special tokens of its template, and truncation that keeps them.
///
/// Implementations are immutable, so one instance can be shared by any number of tasks and
/// threads. `encode` is synchronous CPU work: call it off Swift's cooperative pool.
public protocol TextTokenizer: Sendable {
    /// The default maximum number of ids per text, special tokens included.
    var maxLength: Int { get }

    /// One more than the largest id the tokenizer can produce (vocabulary and added tokens).
    var vocabularySize: Int { get }

    /// Returns the ids of `text`, special tokens included, cut to `maxLength` (or ``maxLength``
    /// when `nil`) with the special tokens kept.
    func encode(_ text: String, maxLength: Int?) -> TokenizedText

    /// Returns the ids of each text, in order, as ``encode(_:maxLength:)`` would.
    func encode(batch texts: [String], maxLength: Int?) -> [TokenizedText]

    /// The id of `token` (an added token or a vocabulary entry), or `nil` when unknown.
    func id(of token: String) -> Int?

    /// The token with `id` (an added token or a vocabulary entry), or `nil` when none.
    func token(of id: Int) -> String?
}

extension TextTokenizer {
    /// Returns the ids of `text` cut to ``maxLength``.
    public func encode(_ text: String) -> TokenizedText { encode(text, maxLength: nil) }

    /// Returns the ids of each text cut to ``maxLength``.
    public func encode(batch texts: [String]) -> [TokenizedText] { encode(batch: texts, maxLength: nil) }
}

extension WordPieceTokenizer: TextTokenizer {}

/// Everything needed to rebuild a model's tokenizer, self-contained and serializable: what a model
/// file stores as its `tokenizer`.
///
/// Decoding accepts the form format-1 model files wrote (a bare WordPiece
/// ``TokenizerConfiguration`` object), so their tokenizers keep loading.
public struct TokenizerDefinition: Codable, Sendable, Hashable {
    /// The kinds of tokenizer this runtime builds.
    public enum Kind: Sendable, Hashable {
        /// BERT's WordPiece (BertNormalizer, BertPreTokenizer, WordPiece, `[CLS] $A [SEP]`).
        case wordPiece(TokenizerConfiguration)
        /// Any other `tokenizer.json`: SentencePiece Unigram, byte-level or SentencePiece BPE,
        /// WordPiece with other normalizers, pre-tokenizers or post-processors.
        case pipeline(HuggingFaceTokenizerConfiguration)
    }

    /// The tokenizer.
    public var kind: Kind

    /// Creates a definition.
    public init(_ kind: Kind) { self.kind = kind }

    /// Reads the tokenizer of a Hugging Face / sentence-transformers model folder.
    ///
    /// A BERT WordPiece tokenizer (`tokenizer.json` with BertNormalizer, BertPreTokenizer and
    /// WordPiece, or `vocab.txt`) gives ``Kind/wordPiece(_:)``, whose tokenizer is specialised for
    /// it; any other `tokenizer.json` gives ``Kind/pipeline(_:)``.
    ///
    /// - Throws: ``TokenizerError`` naming the file and what is wrong or unsupported.
    public static func load(fromModelDirectory directory: URL) throws(TokenizerError) -> TokenizerDefinition {
        let folder = ModelFolder(directory: directory)
        do {
            return TokenizerDefinition(.wordPiece(try TokenizerConfiguration.load(fromModelDirectory: directory)))
        } catch where error.kind == .unsupportedComponent && folder.contains("tokenizer.json") {
            return TokenizerDefinition(.pipeline(try HuggingFaceTokenizerConfiguration.load(fromModelDirectory: directory)))
        } catch where error.kind == .missingFile {
            // A SentencePiece model alone is what older multilingual checkpoints ship; transformers
            // converts it to tokenizer.json, which is what this runtime reads.
            let sentencePiece = ["sentencepiece.bpe.model", "spiece.model", "tokenizer.model"].first(where: folder.contains)
            guard let sentencePiece else { throw error }
            throw .missingFile(
                "tokenizer.json", in: directory.path,
                hint: "The folder has only the SentencePiece model \(sentencePiece); save the tokenizer with "
                    + "transformers (AutoTokenizer.from_pretrained(folder).save_pretrained(folder)) to write tokenizer.json.")
        }
    }

    /// Builds the tokenizer.
    ///
    /// - Throws: ``TokenizerError`` when the definition cannot work (missing special tokens, an
    ///   empty vocabulary, …).
    public func makeTokenizer() throws(TokenizerError) -> any TextTokenizer {
        switch kind {
        case .wordPiece(let configuration): try WordPieceTokenizer(configuration: configuration)
        case .pipeline(let configuration): try PipelineTokenizer(configuration: configuration)
        }
    }

    /// The model's name as `tokenizer.json` spells it (`WordPiece`, `Unigram`, `BPE`).
    public var modelName: String {
        switch kind {
        case .wordPiece: "WordPiece"
        case .pipeline(let configuration): configuration.modelName
        }
    }

    /// The number of entries in the model's vocabulary (added tokens not counted).
    public var vocabularyCount: Int {
        switch kind {
        case .wordPiece(let configuration): configuration.wordPiece.vocabulary.count
        case .pipeline(let configuration): configuration.vocabularyCount
        }
    }

    /// The default maximum number of ids per text, special tokens included.
    public var maxLength: Int {
        get {
            switch kind {
            case .wordPiece(let configuration): configuration.maxLength
            case .pipeline(let configuration): configuration.maxLength
            }
        }
        set {
            switch kind {
            case .wordPiece(var configuration):
                configuration.maxLength = newValue
                kind = .wordPiece(configuration)
            case .pipeline(var configuration):
                configuration.maxLength = newValue
                kind = .pipeline(configuration)
            }
        }
    }

    /// Whether sentence-transformers lower-cases each text with Python's `str.lower()` before
    /// tokenizing (`do_lower_case` in `sentence_bert_config.json`).
    public var lowercaseInput: Bool {
        switch kind {
        case .wordPiece(let configuration): configuration.lowercaseInput
        case .pipeline(let configuration): configuration.lowercaseInput
        }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case type, wordPiece, pipeline
    }

    /// Decodes `{"type": "wordPiece", "wordPiece": {…}}`, `{"type": "pipeline", "pipeline": {…}}`,
    /// or a bare WordPiece configuration (the form of format-1 model files).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let type = try container.decodeIfPresent(String.self, forKey: .type) else {
            kind = .wordPiece(try TokenizerConfiguration(from: decoder))
            return
        }
        switch type {
        case "wordPiece": kind = .wordPiece(try container.decode(TokenizerConfiguration.self, forKey: .wordPiece))
        case "pipeline":
            kind = .pipeline(try container.decode(HuggingFaceTokenizerConfiguration.self, forKey: .pipeline))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "unknown tokenizer type \"\(type)\"; this build reads wordPiece and pipeline")
        }
    }

    /// Encodes the tagged form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch kind {
        case .wordPiece(let configuration):
            try container.encode("wordPiece", forKey: .type)
            try container.encode(configuration, forKey: .wordPiece)
        case .pipeline(let configuration):
            try container.encode("pipeline", forKey: .type)
            try container.encode(configuration, forKey: .pipeline)
        }
    }
}
