import EmbedTokenizer

/// The WordPiece tokenizer llama.cpp's converter stores for BERT-family models
/// (`tokenizer.ggml.model = bert`), turned back into the Hugging Face tokenizer it came from.
///
/// The converter writes special tokens (token type 3, CONTROL) as they are, removes `##` from
/// continuation pieces and puts `▁` (U+2581) before every other piece; ids are unchanged. So the
/// original vocabulary is: a CONTROL token as stored, a piece starting with `▁` without it, a
/// bracketed token without `▁` as stored (older converters kept `[unused0]` so), any other piece
/// with `##` before it.
struct GGUFWordPiece {
    /// A setting the file does not record, and the default used instead.
    struct Default: Sendable, Hashable {
        let setting: String
        let value: String
    }

    let configuration: TokenizerConfiguration
    /// The settings taken from defaults rather than the file, for `embed info`.
    let defaults: [Default]

    static let wordStart: Unicode.Scalar = "\u{2581}"

    init(_ file: GGUFFile, maxLength: Int) throws(GGUFError) {
        let model = file["tokenizer.ggml.model"]?.string
        guard model == "bert" else {
            let kind = model.map { "\"\($0)\"" } ?? "absent"
            throw GGUFError(path: file.path, .unsupported(
                "tokenizer.ggml.model is \(kind): supported are bert (WordPiece), t5 (SentencePiece Unigram, XLM-R) and gpt2 (byte-level BPE, RoBERTa); convert the model's Hugging Face folder instead"))
        }
        let (stored, types) = try file.tokenizerVocabulary()
        let vocabulary = zip(stored, types).map { token, type in
            if type == GGUFTokenType.control { return token }
            // By scalars, not Characters: `▁` followed by a combining mark (a Devanagari vowel
            // sign, stored as a word of its own) is one Character, which `hasPrefix` would miss.
            let scalars = token.unicodeScalars
            if scalars.first == Self.wordStart { return String(String.UnicodeScalarView(scalars.dropFirst())) }
            // Converters before 2025 (the files Ollama published then) kept every `[…]` token as
            // it was, by its brackets rather than its type.
            if token.count >= 2, token.hasPrefix("["), token.hasSuffix("]") { return token }
            return "##" + token
        }

        var defaults: [Default] = []
        func id(_ key: String, fallback: String? = nil) throws(GGUFError) -> Int {
            if let value = try file.optionalTokenID(key, count: vocabulary.count) { return value }
            guard let fallback, let value = vocabulary.firstIndex(of: fallback) else {
                throw GGUFError(path: file.path, .missingKey(key, expected: "a token id below \(vocabulary.count)"))
            }
            defaults.append(Default(setting: key, value: "\(fallback) (\(value))"))
            return value
        }
        let unknown = try id("tokenizer.ggml.unknown_token_id", fallback: "[UNK]")
        let classifier = try file.optionalInt("tokenizer.ggml.cls_token_id") != nil
            ? try id("tokenizer.ggml.cls_token_id") : try id("tokenizer.ggml.bos_token_id", fallback: "[CLS]")
        // The converter spells the key `seperator`.
        let separator = try file.optionalInt("tokenizer.ggml.seperator_token_id") != nil
            ? try id("tokenizer.ggml.seperator_token_id") : try id("tokenizer.ggml.eos_token_id", fallback: "[SEP]")
        let padding = try id("tokenizer.ggml.padding_token_id", fallback: "[PAD]")

        // Files from converters before 2025 lack the normalizer flags, and the llama.cpp of that
        // time lower-cased every WordPiece text: BERT's own default (BertTokenizer's
        // do_lower_case). Accents follow lower-casing unless the file says otherwise, as in
        // BertNormalizer and llama.cpp.
        let lowercase = try file.optionalBool("tokenizer.ggml.normalizer.lowercase")
        if lowercase == nil { defaults.append(Default(setting: "tokenizer.ggml.normalizer.lowercase", value: "true (BERT's default)")) }
        let stripAccents = try file.optionalBool("tokenizer.ggml.normalizer.strip_accents")
        let addsClassifier = try file.optionalBool("tokenizer.ggml.add_bos_token") ?? true
        let addsSeparator = try file.optionalBool("tokenizer.ggml.add_eos_token") ?? true
        defaults.append(Default(setting: "max_input_chars_per_word", value: "100 (BERT's default; GGUF does not record it)"))

        let added = vocabulary.indices.filter { types[$0] == GGUFTokenType.control || types[$0] == GGUFTokenType.userDefined }.map { index in
            TokenizerConfiguration.AddedToken(id: index, content: vocabulary[index], isSpecial: types[index] == GGUFTokenType.control)
        }
        configuration = TokenizerConfiguration(
            normalizer: TokenizerConfiguration.Normalization(stripAccents: stripAccents, lowercase: lowercase ?? true),
            wordPiece: TokenizerConfiguration.WordPiece(vocabulary: vocabulary, unknownToken: vocabulary[unknown]),
            addedTokens: added,
            template: TokenizerConfiguration.Template(
                leading: addsClassifier ? [.init(token: vocabulary[classifier], id: classifier)] : [],
                trailing: addsSeparator ? [.init(token: vocabulary[separator], id: separator)] : []),
            specialTokens: TokenizerConfiguration.SpecialTokens(
                classifier: vocabulary[classifier], separator: vocabulary[separator], padding: vocabulary[padding],
                unknown: vocabulary[unknown]),
            lowercaseInput: false,
            maxLength: maxLength)
        self.defaults = defaults
    }
}
