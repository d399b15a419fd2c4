/// Everything a ``WordPieceTokenizer`` needs, self-contained and serializable.
///
/// It captures a Hugging Face BERT tokenizer (`tokenizer.json`, or the classic `vocab.txt` +
/// `tokenizer_config.json`) together with the sentence-transformers layer on top of it
/// (`sentence_bert_config.json`): the vocabulary travels inside it, so a model file can embed the
/// configuration as JSON and rebuild the exact tokenizer without the original folder.
///
/// The pipeline it describes, in order:
/// 1. Python `str.strip()` of the text, then `str.lower()` when ``lowercaseInput`` is set.
/// 2. ``addedTokens`` that are not ``AddedToken/isNormalized`` are split out of the raw text.
/// 3. The remaining pieces go through the ``normalizer`` (BertNormalizer), then normalized added
///    tokens are split out.
/// 4. The BERT pre-tokenizer splits on white space and isolates punctuation.
/// 5. The ``wordPiece`` model turns each word into vocabulary pieces.
/// 6. The ``template`` adds the special tokens; the content is cut to ``maxLength`` minus them.
public struct TokenizerConfiguration: Codable, Sendable, Hashable {
    /// The BertNormalizer settings, or `nil` when the tokenizer has no normalizer.
    public var normalizer: Normalization?

    /// The WordPiece model: vocabulary, unknown token, continuation prefix, word length limit.
    public var wordPiece: WordPiece

    /// Tokens matched in the text before the model sees it, special tokens included.
    public var addedTokens: [AddedToken]

    /// The special tokens placed around the content (`[CLS] $A [SEP]` for BERT).
    public var template: Template

    /// The names of the tokens with a role (classifier, separator, padding, unknown).
    public var specialTokens: SpecialTokens

    /// Whether sentence-transformers lower-cases each text with Python's `str.lower()` before
    /// tokenizing (`do_lower_case` in `sentence_bert_config.json`). This is not the tokenizer's own
    /// lower-casing, which is ``Normalization/lowercase``.
    public var lowercaseInput: Bool

    /// The most tokens one text may produce, special tokens included; longer content is cut.
    public var maxLength: Int

    /// Creates a configuration from its parts.
    public init(
        normalizer: Normalization?,
        wordPiece: WordPiece,
        addedTokens: [AddedToken],
        template: Template,
        specialTokens: SpecialTokens,
        lowercaseInput: Bool,
        maxLength: Int
    ) {
        self.normalizer = normalizer
        self.wordPiece = wordPiece
        self.addedTokens = addedTokens
        self.template = template
        self.specialTokens = specialTokens
        self.lowercaseInput = lowercaseInput
        self.maxLength = maxLength
    }
}

extension TokenizerConfiguration {
    /// The settings of Hugging Face's `BertNormalizer`.
    public struct Normalization: Codable, Sendable, Hashable {
        /// Drops U+0000, U+FFFD and control/format/private-use characters (except `\t \n \r`) and
        /// turns every white-space character into a space.
        public var cleanText: Bool
        /// Surrounds CJK ideographs with spaces so that each becomes its own word.
        public var handleChineseCharacters: Bool
        /// Whether to decompose (NFD) and drop non-spacing marks; `nil` follows ``lowercase``.
        public var stripAccents: Bool?
        /// Lower-cases every character (full Unicode mapping, character by character).
        public var lowercase: Bool

        /// Whether accents are stripped once `nil` is resolved.
        public var stripsAccents: Bool { stripAccents ?? lowercase }

        /// Creates normalizer settings; the defaults are those of an uncased BERT.
        public init(
            cleanText: Bool = true,
            handleChineseCharacters: Bool = true,
            stripAccents: Bool? = nil,
            lowercase: Bool = true
        ) {
            self.cleanText = cleanText
            self.handleChineseCharacters = handleChineseCharacters
            self.stripAccents = stripAccents
            self.lowercase = lowercase
        }
    }

    /// The WordPiece model.
    public struct WordPiece: Codable, Sendable, Hashable {
        /// Every token of the model, indexed by id. An empty string marks an unused id.
        public var vocabulary: [String]
        /// The token that stands for a word the vocabulary cannot cover.
        public var unknownToken: String
        /// The prefix of pieces that continue a word (`##`).
        public var continuingSubwordPrefix: String
        /// Words with more characters (Unicode scalars) than this become ``unknownToken``.
        public var maxInputCharactersPerWord: Int

        /// Creates a WordPiece model description.
        public init(
            vocabulary: [String],
            unknownToken: String = "[UNK]",
            continuingSubwordPrefix: String = "##",
            maxInputCharactersPerWord: Int = 100
        ) {
            self.vocabulary = vocabulary
            self.unknownToken = unknownToken
            self.continuingSubwordPrefix = continuingSubwordPrefix
            self.maxInputCharactersPerWord = maxInputCharactersPerWord
        }
    }

    /// A token matched in the text as a whole before normalization and WordPiece, with Hugging
    /// Face's `AddedToken` flags.
    public struct AddedToken: Codable, Sendable, Hashable {
        /// The id the token produces.
        public var id: Int
        /// The text to match.
        public var content: String
        /// Whether it is a special token (skipped when decoding; no effect on encoding).
        public var isSpecial: Bool
        /// Whether it is matched in the normalized text (otherwise in the raw text).
        public var isNormalized: Bool
        /// Whether the white space on its left is absorbed into the match.
        public var stripsLeft: Bool
        /// Whether the white space on its right is absorbed into the match.
        public var stripsRight: Bool
        /// Whether it only matches when not inside a word.
        public var isSingleWord: Bool

        /// Creates an added token; the defaults are those of a BERT special token.
        public init(
            id: Int,
            content: String,
            isSpecial: Bool = true,
            isNormalized: Bool = false,
            stripsLeft: Bool = false,
            stripsRight: Bool = false,
            isSingleWord: Bool = false
        ) {
            self.id = id
            self.content = content
            self.isSpecial = isSpecial
            self.isNormalized = isNormalized
            self.stripsLeft = stripsLeft
            self.stripsRight = stripsRight
            self.isSingleWord = isSingleWord
        }
    }

    /// A special token placed by the template, with its id.
    public struct TemplateToken: Codable, Sendable, Hashable {
        /// The token's text, e.g. `[CLS]`.
        public var token: String
        /// The token's id.
        public var id: Int

        /// Creates a template token.
        public init(token: String, id: Int) {
            self.token = token
            self.id = id
        }
    }

    /// The single-sequence template of the post-processor: `leading $A trailing`.
    public struct Template: Codable, Sendable, Hashable {
        /// Tokens before the content (`[CLS]`).
        public var leading: [TemplateToken]
        /// Tokens after the content (`[SEP]`).
        public var trailing: [TemplateToken]

        /// The number of tokens the template adds.
        public var count: Int { leading.count + trailing.count }

        /// Creates a template.
        public init(leading: [TemplateToken], trailing: [TemplateToken]) {
            self.leading = leading
            self.trailing = trailing
        }
    }

    /// The tokens with a role outside the text.
    public struct SpecialTokens: Codable, Sendable, Hashable {
        /// The classifier token that starts a sequence (`[CLS]`).
        public var classifier: String
        /// The separator that ends a sequence (`[SEP]`).
        public var separator: String
        /// The padding token (`[PAD]`).
        public var padding: String
        /// The unknown token (`[UNK]`).
        public var unknown: String

        /// Creates the special token names; the defaults are BERT's.
        public init(
            classifier: String = "[CLS]",
            separator: String = "[SEP]",
            padding: String = "[PAD]",
            unknown: String = "[UNK]"
        ) {
            self.classifier = classifier
            self.separator = separator
            self.padding = padding
            self.unknown = unknown
        }
    }
}
