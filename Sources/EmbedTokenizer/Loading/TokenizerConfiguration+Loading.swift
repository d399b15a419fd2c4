import EmbedCore
import Foundation

extension TokenizerConfiguration {
    /// The length used when neither the model nor its tokenizer states one (BERT's 512).
    public static let fallbackMaxLength = 512

    /// Reads the tokenizer of a Hugging Face / sentence-transformers model folder.
    ///
    /// `tokenizer.json` is used when present; otherwise the classic `vocab.txt` with
    /// `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`, the
    /// special tokens, `added_tokens_decoder`) and `special_tokens_map.json`, as transformers builds
    /// a BERT tokenizer from them.
    ///
    /// The sentence-transformers layer comes from `sentence_bert_config.json`: ``lowercaseInput``
    /// is its `do_lower_case`. ``maxLength`` is its `max_seq_length`, else `tokenizer_config.json`'s
    /// `model_max_length` (ignored when absurd, such as transformers' 1e30 "no limit"), in both
    /// cases capped by `config.json`'s `max_position_embeddings` when that file exists; with none
    /// of them it is ``fallbackMaxLength``.
    ///
    /// - Parameter directory: The model folder.
    /// - Returns: A self-contained configuration (the vocabulary is inside).
    /// - Throws: ``TokenizerError`` naming the file: missing tokenizer files, malformed JSON, an
    ///   unsupported model, normalizer, pre-tokenizer or post-processor, a bad vocabulary.
    public static func load(fromModelDirectory directory: URL) throws(TokenizerError) -> TokenizerConfiguration {
        let folder = ModelFolder(directory: directory)
        try folder.checkExists()
        let tokenizerConfig = try folder.optionalJSON("tokenizer_config.json")
        let specialTokensMap = try folder.optionalJSON("special_tokens_map.json")
        let sentenceBertConfig = try folder.optionalJSON("sentence_bert_config.json")
        let modelConfig = try folder.optionalJSON("config.json")

        var configuration: TokenizerConfiguration
        if folder.contains("tokenizer.json") {
            configuration = try TokenizerJSONReader(
                folder: folder, tokenizerConfig: tokenizerConfig, specialTokensMap: specialTokensMap
            ).read()
        } else if folder.contains("vocab.txt") {
            configuration = try ClassicTokenizerReader(
                folder: folder, tokenizerConfig: tokenizerConfig, specialTokensMap: specialTokensMap
            ).read()
        } else {
            throw .missingFile(
                "tokenizer.json or vocab.txt", in: directory.path,
                hint: "A BERT tokenizer needs one of them (tokenizer.json is preferred).")
        }

        configuration.lowercaseInput = sentenceBertConfig?["do_lower_case"]?.boolValue ?? false
        configuration.maxLength = resolveMaxLength(
            sentenceBertConfig: sentenceBertConfig, tokenizerConfig: tokenizerConfig, modelConfig: modelConfig)
        return configuration
    }

    /// sentence-transformers' truncation length; see ``load(fromModelDirectory:)``.
    static func resolveMaxLength(sentenceBertConfig: JSONValue?, tokenizerConfig: JSONValue?, modelConfig: JSONValue?)
        -> Int
    {
        var limit: Int?
        if let length = sentenceBertConfig?["max_seq_length"]?.intValue, length > 0 {
            limit = length
        } else if let length = tokenizerConfig?["model_max_length"]?.doubleValue,
            length >= 1, length < 1e9  // transformers writes int(1e30) when a model has no limit
        {
            limit = Int(length)
        }
        if let positions = modelConfig?["max_position_embeddings"]?.intValue, positions > 0 {
            limit = min(limit ?? positions, positions)
        }
        return limit ?? fallbackMaxLength
    }
}

/// The special-token names a folder declares, by precedence: `tokenizer_config.json`, then
/// `special_tokens_map.json`.
private struct DeclaredTokenNames {
    let tokenizerConfig: JSONValue?
    let specialTokensMap: JSONValue?

    func name(_ key: String) -> String? {
        tokenizerConfig?[key]?.tokenContent ?? specialTokensMap?[key]?.tokenContent
    }
}

/// Reads `tokenizer.json` (Hugging Face `tokenizers` serialization).
private struct TokenizerJSONReader {
    let folder: ModelFolder
    let tokenizerConfig: JSONValue?
    let specialTokensMap: JSONValue?

    private var path: String { folder.path("tokenizer.json") }

    func read() throws(TokenizerError) -> TokenizerConfiguration {
        let (root, equivalentMembers) = try JSONValue.parseKeepingEquivalentMembers(
            try folder.data("tokenizer.json"), path: path)
        guard root.objectValue != nil else {
            throw .malformedJSON(path, reason: "the top level is not a JSON object.")
        }
        // Tokens that Swift's `String` equality would merge with another key of model.vocab.
        let extraVocabulary = equivalentMembers.filter { $0.path == ["model", "vocab"] }.map { ($0.name, $0.value) }
        let wordPiece = try readModel(root["model"], extraVocabulary: extraVocabulary)
        let normalizer = try readNormalizer(root["normalizer"])
        try checkPreTokenizer(root["pre_tokenizer"])
        let sections = TokenizerJSONSections(path: path)
        let template = try sections.readTemplate(root["post_processor"])
        let addedTokens = try sections.readAddedTokens(root["added_tokens"])

        let names = DeclaredTokenNames(tokenizerConfig: tokenizerConfig, specialTokensMap: specialTokensMap)
        let specialTokens = TokenizerConfiguration.SpecialTokens(
            classifier: template.leading.first?.token ?? names.name("cls_token") ?? "[CLS]",
            separator: template.trailing.last?.token ?? names.name("sep_token") ?? "[SEP]",
            padding: names.name("pad_token") ?? root["padding"]?["pad_token"]?.stringValue ?? "[PAD]",
            unknown: wordPiece.unknownToken)
        return TokenizerConfiguration(
            normalizer: normalizer, wordPiece: wordPiece, addedTokens: addedTokens, template: template,
            specialTokens: specialTokens, lowercaseInput: false,
            maxLength: TokenizerConfiguration.fallbackMaxLength)
    }

    private func type(of component: JSONValue) -> String? {
        component["type"]?.stringValue
    }

    private func readModel(_ model: JSONValue?, extraVocabulary: [(String, JSONValue)]) throws(TokenizerError)
        -> TokenizerConfiguration.WordPiece
    {
        guard let model, model.objectValue != nil else {
            throw .malformedJSON(path, reason: "\"model\" is missing or not an object.")
        }
        // Old files omit the type; a WordPiece model is recognisable by its fields.
        let modelType = type(of: model) ?? (model["max_input_chars_per_word"] != nil ? "WordPiece" : "unknown")
        guard modelType == "WordPiece" else {
            throw .unsupported("model", modelType, in: path, supported: "WordPiece (BERT-style)")
        }
        guard let vocab = model["vocab"]?.objectValue else {
            throw .malformedJSON(path, reason: "\"model.vocab\" is missing or not an object of token → id.")
        }
        var entries: [(token: String, id: Int)] = []
        entries.reserveCapacity(vocab.count + extraVocabulary.count)
        for (token, value) in vocab.map({ ($0.key, $0.value) }) + extraVocabulary {
            guard let id = value.intValue, id >= 0 else {
                throw .malformedJSON(path, reason: "\"model.vocab\" maps '\(token)' to \(value), not a non-negative id.")
            }
            entries.append((token, id))
        }
        let vocabulary = try Vocabulary.array(from: entries, path: path)
        guard let unknown = model["unk_token"]?.stringValue else {
            throw .malformedJSON(path, reason: "\"model.unk_token\" is missing.")
        }
        let prefix = model["continuing_subword_prefix"]?.stringValue ?? "##"
        let maxCharacters = model["max_input_chars_per_word"]?.intValue ?? 100
        return TokenizerConfiguration.WordPiece(
            vocabulary: vocabulary, unknownToken: unknown, continuingSubwordPrefix: prefix,
            maxInputCharactersPerWord: maxCharacters)
    }

    private func readNormalizer(_ normalizer: JSONValue?) throws(TokenizerError) -> TokenizerConfiguration.Normalization? {
        guard let normalizer, !normalizer.isNull else { return nil }
        let normalizerType = type(of: normalizer) ?? "unknown"
        guard normalizerType == "BertNormalizer" else {
            throw .unsupported("normalizer", normalizerType, in: path, supported: "BertNormalizer (or none)")
        }
        let stripAccents = normalizer["strip_accents"]
        return TokenizerConfiguration.Normalization(
            cleanText: normalizer["clean_text"]?.boolValue ?? true,
            handleChineseCharacters: normalizer["handle_chinese_chars"]?.boolValue ?? true,
            stripAccents: stripAccents?.boolValue,
            lowercase: normalizer["lowercase"]?.boolValue ?? true)
    }

    private func checkPreTokenizer(_ preTokenizer: JSONValue?) throws(TokenizerError) {
        let preTokenizerType = preTokenizer.flatMap { type(of: $0) } ?? "none"
        guard preTokenizerType == "BertPreTokenizer" else {
            throw .unsupported("pre-tokenizer", preTokenizerType, in: path, supported: "BertPreTokenizer")
        }
    }
}

/// The parts of `tokenizer.json` every tokenizer kind reads the same way: the post-processor's
/// template and the added tokens.
struct TokenizerJSONSections {
    /// The file, named in errors.
    let path: String

    private func type(of component: JSONValue) -> String? {
        component["type"]?.stringValue
    }

    func readTemplate(_ processor: JSONValue?) throws(TokenizerError) -> TokenizerConfiguration.Template {
        guard let processor, !processor.isNull else {
            return TokenizerConfiguration.Template(leading: [], trailing: [])
        }
        switch type(of: processor) {
        case "TemplateProcessing":
            return try readTemplateProcessing(processor)
        case "BertProcessing":
            // {"sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}
            func pair(_ key: String) throws(TokenizerError) -> TokenizerConfiguration.TemplateToken {
                guard let items = processor[key]?.arrayValue, items.count == 2, let token = items[0].stringValue,
                    let id = items[1].intValue
                else {
                    throw .malformedJSON(path, reason: "\"post_processor.\(key)\" is not a [token, id] pair.")
                }
                return TokenizerConfiguration.TemplateToken(token: token, id: id)
            }
            return TokenizerConfiguration.Template(leading: [try pair("cls")], trailing: [try pair("sep")])
        case let other:
            throw .unsupported(
                "post-processor", other ?? "unknown", in: path,
                supported: "TemplateProcessing or BertProcessing (or none)")
        }
    }

    private func readTemplateProcessing(_ processor: JSONValue) throws(TokenizerError) -> TokenizerConfiguration.Template {
        guard let single = processor["single"]?.arrayValue else {
            throw .malformedJSON(path, reason: "\"post_processor.single\" is missing or not an array.")
        }
        let definitions = processor["special_tokens"]?.objectValue ?? [:]
        var leading: [TokenizerConfiguration.TemplateToken] = []
        var trailing: [TokenizerConfiguration.TemplateToken] = []
        var sawSequence = false
        for piece in single {
            if let sequence = piece["Sequence"] {
                guard !sawSequence, sequence["id"]?.stringValue == "A" else {
                    throw .unsupported(
                        "post-processor template", "single sequence other than $A", in: path,
                        supported: "a template with exactly one $A")
                }
                sawSequence = true
            } else if let special = piece["SpecialToken"], let name = special["id"]?.stringValue {
                guard let definition = definitions[name], let ids = definition["ids"]?.arrayValue,
                    let tokens = definition["tokens"]?.arrayValue, ids.count == tokens.count
                else {
                    throw .malformedJSON(
                        path, reason: "\"post_processor.special_tokens\" has no ids/tokens for '\(name)'.")
                }
                for (token, id) in zip(tokens, ids) {
                    guard let token = token.stringValue, let id = id.intValue, id >= 0 else {
                        throw .malformedJSON(path, reason: "\"post_processor.special_tokens.\(name)\" has a bad entry.")
                    }
                    let item = TokenizerConfiguration.TemplateToken(token: token, id: id)
                    if sawSequence { trailing.append(item) } else { leading.append(item) }
                }
            } else {
                throw .malformedJSON(path, reason: "\"post_processor.single\" has an item that is neither Sequence nor SpecialToken.")
            }
        }
        guard sawSequence else {
            throw .malformedJSON(path, reason: "\"post_processor.single\" has no $A sequence.")
        }
        return TokenizerConfiguration.Template(leading: leading, trailing: trailing)
    }

    func readAddedTokens(_ value: JSONValue?) throws(TokenizerError) -> [TokenizerConfiguration.AddedToken] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else {
            throw .malformedJSON(path, reason: "\"added_tokens\" is not an array.")
        }
        var tokens: [TokenizerConfiguration.AddedToken] = []
        for item in items {
            guard let id = item["id"]?.intValue, id >= 0, let content = item["content"]?.stringValue else {
                throw .malformedJSON(path, reason: "an \"added_tokens\" entry lacks an id or a content.")
            }
            tokens.append(TokenizerConfiguration.AddedToken(id: id, content: content, flags: item))
        }
        return tokens
    }
}

/// Builds the configuration transformers derives from `vocab.txt` + `tokenizer_config.json` for
/// a BERT tokenizer: BertNormalizer, BertPreTokenizer, WordPiece, `[CLS] $A [SEP]`.
private struct ClassicTokenizerReader {
    let folder: ModelFolder
    let tokenizerConfig: JSONValue?
    let specialTokensMap: JSONValue?

    func read() throws(TokenizerError) -> TokenizerConfiguration {
        let path = folder.path("vocab.txt")
        let vocabulary = try folder.lines("vocab.txt")
        guard !vocabulary.isEmpty else {
            throw .invalidVocabulary(path, reason: "the file is empty.")
        }
        // transformers' load_vocab: a token seen twice keeps its last line number.
        var ids: [String: Int] = [:]
        for (id, token) in vocabulary.enumerated() { ids[token] = id }

        let config = tokenizerConfig
        let lowercase = config?["do_lower_case"]?.boolValue ?? true
        let normalizer = TokenizerConfiguration.Normalization(
            cleanText: true,
            handleChineseCharacters: config?["tokenize_chinese_chars"]?.boolValue ?? true,
            stripAccents: config?["strip_accents"]?.boolValue,
            lowercase: lowercase)

        let names = DeclaredTokenNames(tokenizerConfig: config, specialTokensMap: specialTokensMap)
        let specialTokens = TokenizerConfiguration.SpecialTokens(
            classifier: names.name("cls_token") ?? "[CLS]",
            separator: names.name("sep_token") ?? "[SEP]",
            padding: names.name("pad_token") ?? "[PAD]",
            unknown: names.name("unk_token") ?? "[UNK]")

        let addedTokens = try readAddedTokens(ids: ids, vocabularyCount: vocabulary.count, names: names)
        func templateToken(_ token: String, role: String) throws(TokenizerError) -> TokenizerConfiguration.TemplateToken {
            guard let id = ids[token] ?? addedTokens.last(where: { $0.content == token })?.id else {
                throw .missingSpecialToken(role: role, token: token)
            }
            return TokenizerConfiguration.TemplateToken(token: token, id: id)
        }
        let template = TokenizerConfiguration.Template(
            leading: [try templateToken(specialTokens.classifier, role: "classifier")],
            trailing: [try templateToken(specialTokens.separator, role: "separator")])
        return TokenizerConfiguration(
            normalizer: normalizer,
            wordPiece: TokenizerConfiguration.WordPiece(vocabulary: vocabulary, unknownToken: specialTokens.unknown),
            addedTokens: addedTokens, template: template, specialTokens: specialTokens,
            lowercaseInput: false, maxLength: TokenizerConfiguration.fallbackMaxLength)
    }

    /// `added_tokens_decoder` when the config has it (transformers ≥ 4.34 writes it); otherwise
    /// the declared special tokens (and `additional_special_tokens`), which transformers adds as
    /// special, non-normalized tokens.
    private func readAddedTokens(ids: [String: Int], vocabularyCount: Int, names: DeclaredTokenNames)
        throws(TokenizerError) -> [TokenizerConfiguration.AddedToken]
    {
        let path = folder.path("tokenizer_config.json")
        if let decoder = tokenizerConfig?["added_tokens_decoder"]?.objectValue {
            var tokens: [TokenizerConfiguration.AddedToken] = []
            for (key, item) in decoder {
                guard let id = Int(key), id >= 0, let content = item["content"]?.stringValue else {
                    throw .malformedJSON(path, reason: "\"added_tokens_decoder\" has a bad entry '\(key)'.")
                }
                tokens.append(TokenizerConfiguration.AddedToken(id: id, content: content, flags: item))
            }
            return tokens.sorted { $0.id < $1.id }
        }
        // The tokens with a role must be in vocab.txt: transformers would give a missing one a new
        // id past the vocabulary, which the model has no embedding for, so it is left out here and
        // reported when the tokenizer needs it.
        var tokens: [TokenizerConfiguration.AddedToken] = []
        for key in ["unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] {
            let content = names.name(key) ?? "[\(key.dropLast(6).uppercased())]"
            if let id = ids[content], !tokens.contains(where: { $0.content == content }) {
                tokens.append(TokenizerConfiguration.AddedToken(id: id, content: content))
            }
        }
        // Extra special tokens keep transformers' behaviour: new ones take ids after the vocabulary.
        var nextID = vocabularyCount
        for item in tokenizerConfig?["additional_special_tokens"]?.arrayValue ?? [] {
            guard let content = item.tokenContent, !content.isEmpty, !tokens.contains(where: { $0.content == content })
            else { continue }
            let id: Int
            if let known = ids[content] {
                id = known
            } else {
                id = nextID
                nextID += 1
            }
            tokens.append(TokenizerConfiguration.AddedToken(id: id, content: content))
        }
        return tokens
    }
}

/// Turns a token → id map into the id-ordered array of ``TokenizerConfiguration/WordPiece``.
enum Vocabulary {
    static func array(from entries: [(token: String, id: Int)], path: String) throws(TokenizerError) -> [String] {
        guard let largest = entries.map(\.id).max() else {
            throw .invalidVocabulary(path, reason: "the vocabulary is empty.")
        }
        // Gaps appear when vocab.txt had duplicate lines; a few are fine, a sparse id space is not.
        guard largest < 2 * entries.count + 1024 else {
            throw .invalidVocabulary(
                path, reason: "ids go up to \(largest) for only \(entries.count) tokens; the id space is too sparse.")
        }
        var vocabulary = [String](repeating: "", count: largest + 1)
        for (token, id) in entries {
            guard vocabulary[id].isEmpty else {
                throw .invalidVocabulary(path, reason: "id \(id) is used by both '\(vocabulary[id])' and '\(token)'.")
            }
            vocabulary[id] = token
        }
        return vocabulary
    }
}

extension TokenizerConfiguration.AddedToken {
    /// An added token with the flags that `tokenizer.json`'s `added_tokens` and
    /// `tokenizer_config.json`'s `added_tokens_decoder` entries share, or transformers' defaults
    /// when absent (special tokens are not normalized, others are).
    init(id: Int, content: String, flags item: JSONValue) {
        let special = item["special"]?.boolValue ?? false
        self.init(
            id: id, content: content, isSpecial: special,
            isNormalized: item["normalized"]?.boolValue ?? !special,
            stripsLeft: item["lstrip"]?.boolValue ?? false,
            stripsRight: item["rstrip"]?.boolValue ?? false,
            isSingleWord: item["single_word"]?.boolValue ?? false)
    }
}
