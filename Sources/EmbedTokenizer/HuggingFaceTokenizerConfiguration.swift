import EmbedCore
import Foundation

/// A tokenizer described by a Hugging Face `tokenizer.json` of any supported kind (SentencePiece
/// Unigram, byte-level or SentencePiece BPE, WordPiece with non-BERT parts), with the
/// sentence-transformers layer on top, self-contained and serializable.
///
/// The file's text is kept verbatim rather than re-modelled field by field: the components it
/// names are many and nest (`Sequence` of normalizers or pre-tokenizers), and keeping the original
/// means a model file rebuilds exactly what the folder described, read by the same code. The
/// pipeline it describes, in order:
/// 1. Python `str.strip()` of the text, then `str.lower()` when ``lowercaseInput`` is set.
/// 2. Added tokens that are not normalized are split out of the raw text.
/// 3. The rest goes through the normalizer, then normalized added tokens are split out.
/// 4. The pre-tokenizer cuts the rest into words; the model turns each word into ids.
/// 5. The post-processor's special tokens are added; the content is cut to ``maxLength`` minus them.
public struct HuggingFaceTokenizerConfiguration: Codable, Sendable, Hashable {
    /// The text of `tokenizer.json`, verbatim.
    public private(set) var tokenizerJSON: String

    /// Where the text came from (a file path), named in the errors of ``PipelineTokenizer``.
    public var source: String

    /// The model's type as the file spells it (`Unigram`, `BPE`, `WordPiece`).
    public private(set) var modelName: String

    /// The number of entries in the model's vocabulary (added tokens not counted).
    public private(set) var vocabularyCount: Int

    /// Whether sentence-transformers lower-cases each text with Python's `str.lower()` before
    /// tokenizing (`do_lower_case` in `sentence_bert_config.json`).
    public var lowercaseInput: Bool

    /// The most ids one text may produce, special tokens included; longer content is cut.
    public var maxLength: Int

    /// Creates a configuration from the text of a `tokenizer.json`, checking that it describes a
    /// tokenizer this runtime can build.
    ///
    /// - Parameters:
    ///   - tokenizerJSON: The file's text.
    ///   - source: Its path (or another name), used in errors.
    ///   - lowercaseInput: sentence-transformers' `do_lower_case`.
    ///   - maxLength: sentence-transformers' truncation length.
    /// - Throws: ``TokenizerError`` naming the component and the file when something is malformed
    ///   or unsupported.
    public init(tokenizerJSON: String, source: String, lowercaseInput: Bool, maxLength: Int) throws(TokenizerError) {
        let parts = try PipelineReader(text: tokenizerJSON, path: source).read()
        self.tokenizerJSON = tokenizerJSON
        self.source = source
        self.modelName = parts.model.name
        self.vocabularyCount = parts.vocabularyCount
        self.lowercaseInput = lowercaseInput
        self.maxLength = maxLength
    }

    /// Reads `tokenizer.json` and the sentence-transformers settings of a model folder.
    ///
    /// ``maxLength`` and ``lowercaseInput`` are resolved as for WordPiece (see
    /// ``TokenizerConfiguration/load(fromModelDirectory:)``). The file's own `truncation` and
    /// `padding` are ignored: sentence-transformers sets its own.
    ///
    /// - Throws: ``TokenizerError`` naming the file: missing `tokenizer.json`, malformed JSON, an
    ///   unsupported or malformed component.
    public static func load(fromModelDirectory directory: URL) throws(TokenizerError) -> Self {
        let folder = ModelFolder(directory: directory)
        try folder.checkExists()
        let tokenizerConfig = try folder.optionalJSON("tokenizer_config.json")
        let sentenceBertConfig = try folder.optionalJSON("sentence_bert_config.json")
        let modelConfig = try folder.optionalJSON("config.json")
        let bytes = try folder.data("tokenizer.json")
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw .unreadableFile(folder.path("tokenizer.json"), reason: "the file is not valid UTF-8.")
        }
        return try Self(
            tokenizerJSON: text, source: folder.path("tokenizer.json"),
            lowercaseInput: sentenceBertConfig?["do_lower_case"]?.boolValue ?? false,
            maxLength: TokenizerConfiguration.resolveMaxLength(
                sentenceBertConfig: sentenceBertConfig, tokenizerConfig: tokenizerConfig, modelConfig: modelConfig))
    }
}
