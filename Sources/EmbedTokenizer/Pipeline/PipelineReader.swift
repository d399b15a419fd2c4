import EmbedCore
import Foundation

/// What `tokenizer.json` describes, read into the components ``PipelineTokenizer`` runs.
struct PipelineParts: Sendable {
    var normalizer: NormalizerStep?
    var preTokenizer: PreTokenizerStep?
    var model: PipelineModel
    /// Every vocabulary token by id; an empty string marks an unused id.
    var vocabulary: [String]
    var template: TokenizerConfiguration.Template
    var addedTokens: [TokenizerConfiguration.AddedToken]

    /// The number of entries in the model's vocabulary.
    var vocabularyCount: Int { vocabulary.count }
}

/// Reads the components of a `tokenizer.json` (Hugging Face `tokenizers` serialization), turning
/// anything malformed or unsupported into a ``TokenizerError`` naming the component and the file.
struct PipelineReader {
    let text: String
    let path: String

    private static let normalizers =
        "Precompiled, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Nmt, Sequence, BertNormalizer"
    private static let preTokenizers =
        "Metaspace, WhitespaceSplit, Whitespace, ByteLevel, Split, CharDelimiterSplit, Punctuation, Digits, Sequence, BertPreTokenizer"

    func read() throws(TokenizerError) -> PipelineParts {
        let (root, equivalentMembers) = try JSONValue.parseKeepingEquivalentMembers(Data(text.utf8), path: path)
        // Tokens that Swift's `String` equality would merge with another key of model.vocab.
        let extraVocabulary = equivalentMembers.filter { $0.path == ["model", "vocab"] }.map { ($0.name, $0.value) }
        guard root.objectValue != nil else {
            throw .malformedJSON(path, reason: "the top level is not a JSON object.")
        }
        let (model, vocabulary) = try readModel(root["model"], extraVocabulary: extraVocabulary)
        let normalizer = try readNormalizer(root["normalizer"], at: "normalizer")
        let preTokenizer = try readPreTokenizer(root["pre_tokenizer"], at: "pre_tokenizer")
        let template = try readTemplate(root["post_processor"], at: "post_processor")
        let addedTokens = try TokenizerJSONSections(path: path).readAddedTokens(root["added_tokens"])
        return PipelineParts(
            normalizer: normalizer, preTokenizer: preTokenizer, model: model, vocabulary: vocabulary,
            template: template, addedTokens: addedTokens)
    }

    // MARK: Helpers

    private func malformed(_ location: String, _ problem: String) -> TokenizerError {
        .malformedJSON(path, reason: "\"\(location)\" \(problem)")
    }

    private func string(_ value: JSONValue?, _ location: String) throws(TokenizerError) -> String {
        guard let string = value?.stringValue else { throw malformed(location, "is missing or not a string.") }
        return string
    }

    private func bool(_ value: JSONValue?, _ location: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        guard let value, !value.isNull else { return fallback }
        guard let bool = value.boolValue else { throw malformed(location, "is not true or false.") }
        return bool
    }

    private func scalars(_ string: String) -> [UInt32] {
        string.unicodeScalars.map(\.value)
    }

    /// A `Split`/`Replace` pattern: `{"String": "…"}` or `{"Regex": "…"}`.
    private func readPattern(_ value: JSONValue?, _ location: String) throws(TokenizerError) -> TextPattern {
        if let literal = value?["String"]?.stringValue { return .literal(scalars(literal)) }
        if let regex = value?["Regex"]?.stringValue {
            if regex == GPT2Splitter.pattern { return .gpt2 }
            if regex == LlamaSplitter.llama3Pattern { return .llama3(maxDigits: 3) }
            if regex == LlamaSplitter.qwen2Pattern { return .llama3(maxDigits: 1) }
            do {
                return .regex(try RegexPattern(regex))
            } catch {
                throw .unsupported(
                    location, "Regex \(regex)", in: path,
                    supported: "a regular expression Swift's Regex can compile (\(error))")
            }
        }
        throw malformed(location, "is not {\"String\": …} or {\"Regex\": …}.")
    }

    private func readBehavior(_ value: JSONValue?, _ location: String, default fallback: SplitBehavior)
        throws(TokenizerError) -> SplitBehavior
    {
        guard let value, !value.isNull else { return fallback }
        guard let name = value.stringValue, let behavior = SplitBehavior(rawValue: name) else {
            throw .unsupported(
                location, "\(value)", in: path,
                supported: "Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous")
        }
        return behavior
    }

    // MARK: Normalizers

    private func readNormalizer(_ value: JSONValue?, at location: String) throws(TokenizerError) -> NormalizerStep? {
        guard let value, !value.isNull else { return nil }
        guard value.objectValue != nil else { throw malformed(location, "is not an object.") }
        let type = value["type"]?.stringValue ?? "unknown"
        switch type {
        case "Precompiled":
            let encoded = value["precompiled_charsmap"]
            if encoded == nil || encoded?.isNull == true { return nil }  // converters write null for "no rules"
            let charsmap = try string(encoded, "\(location).precompiled_charsmap")
            return .precompiled(try CharsMap(base64: charsmap, path: path, location: "\(location).precompiled_charsmap"))
        case "NFC": return .unicode(.nfc)
        case "NFD": return .unicode(.nfd)
        case "NFKC": return .unicode(.nfkc)
        case "NFKD": return .unicode(.nfkd)
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(
                left: try bool(value["strip_left"], "\(location).strip_left", default: true),
                right: try bool(value["strip_right"], "\(location).strip_right", default: true))
        case "Replace":
            return .replace(
                try readPattern(value["pattern"], "\(location).pattern"),
                scalars(try string(value["content"], "\(location).content")))
        case "Prepend":
            return .prepend(scalars(try string(value["prepend"], "\(location).prepend")))
        case "Nmt":
            return .nmt
        case "Sequence":
            guard let items = value["normalizers"]?.arrayValue else {
                throw malformed("\(location).normalizers", "is missing or not an array.")
            }
            var steps: [NormalizerStep] = []
            for (index, item) in items.enumerated() {
                if let step = try readNormalizer(item, at: "\(location).normalizers[\(index)]") { steps.append(step) }
            }
            return .sequence(steps)
        case "BertNormalizer":
            let options = TokenizerConfiguration.Normalization(
                cleanText: try bool(value["clean_text"], "\(location).clean_text", default: true),
                handleChineseCharacters: try bool(
                    value["handle_chinese_chars"], "\(location).handle_chinese_chars", default: true),
                stripAccents: value["strip_accents"]?.boolValue,
                lowercase: try bool(value["lowercase"], "\(location).lowercase", default: true))
            return .bert(BertNormalizer(options))
        default:
            throw .unsupported("normalizer", type, in: path, supported: Self.normalizers)
        }
    }

    // MARK: Pre-tokenizers

    private func readPreTokenizer(_ value: JSONValue?, at location: String) throws(TokenizerError) -> PreTokenizerStep? {
        guard let value, !value.isNull else { return nil }
        guard value.objectValue != nil else { throw malformed(location, "is not an object.") }
        let type = value["type"]?.stringValue ?? "unknown"
        switch type {
        case "Metaspace":
            let replacement = try string(value["replacement"], "\(location).replacement")
            guard let character = replacement.unicodeScalars.first, replacement.unicodeScalars.count == 1 else {
                throw malformed("\(location).replacement", "is not a single character.")
            }
            var scheme = MetaspaceScheme.always
            if let name = value["prepend_scheme"]?.stringValue {
                guard let parsed = MetaspaceScheme(rawValue: name) else {
                    throw .unsupported("\(location).prepend_scheme", name, in: path, supported: "always, first or never")
                }
                scheme = parsed
            } else if try !bool(value["add_prefix_space"], "\(location).add_prefix_space", default: true) {
                scheme = .never
            }
            return .metaspace(
                replacement: character.value, scheme: scheme,
                split: try bool(value["split"], "\(location).split", default: true))
        case "WhitespaceSplit": return .whitespaceSplit
        case "Whitespace": return .whitespace
        case "BertPreTokenizer": return .bert
        case "ByteLevel":
            return .byteLevel(
                addPrefixSpace: try bool(value["add_prefix_space"], "\(location).add_prefix_space", default: true),
                useRegex: try bool(value["use_regex"], "\(location).use_regex", default: true))
        case "Split":
            return .split(
                try readPattern(value["pattern"], "\(location).pattern"),
                try readBehavior(value["behavior"], "\(location).behavior", default: .removed),
                invert: try bool(value["invert"], "\(location).invert", default: false))
        case "CharDelimiterSplit":
            let delimiter = try string(value["delimiter"], "\(location).delimiter")
            guard let character = delimiter.unicodeScalars.first, delimiter.unicodeScalars.count == 1 else {
                throw malformed("\(location).delimiter", "is not a single character.")
            }
            return .split(.literal([character.value]), .removed, invert: false)
        case "Punctuation":
            return .punctuation(try readBehavior(value["behavior"], "\(location).behavior", default: .isolated))
        case "Digits":
            return .digits(individual: try bool(value["individual_digits"], "\(location).individual_digits", default: false))
        case "Sequence":
            guard let items = value["pretokenizers"]?.arrayValue else {
                throw malformed("\(location).pretokenizers", "is missing or not an array.")
            }
            var steps: [PreTokenizerStep] = []
            for (index, item) in items.enumerated() {
                if let step = try readPreTokenizer(item, at: "\(location).pretokenizers[\(index)]") { steps.append(step) }
            }
            return .sequence(steps)
        default:
            throw .unsupported("pre-tokenizer", type, in: path, supported: Self.preTokenizers)
        }
    }

    // MARK: Post-processor

    private func readTemplate(_ value: JSONValue?, at location: String) throws(TokenizerError)
        -> TokenizerConfiguration.Template
    {
        guard let value, !value.isNull else { return TokenizerConfiguration.Template(leading: [], trailing: []) }
        switch value["type"]?.stringValue {
        case "TemplateProcessing", "BertProcessing":
            return try TokenizerJSONSections(path: path).readTemplate(value)
        case "RobertaProcessing":
            func pair(_ key: String) throws(TokenizerError) -> TokenizerConfiguration.TemplateToken {
                guard let items = value[key]?.arrayValue, items.count == 2, let token = items[0].stringValue,
                    let id = items[1].intValue, id >= 0
                else { throw malformed("\(location).\(key)", "is not a [token, id] pair.") }
                return TokenizerConfiguration.TemplateToken(token: token, id: id)
            }
            return TokenizerConfiguration.Template(leading: [try pair("cls")], trailing: [try pair("sep")])
        case "ByteLevel":
            return TokenizerConfiguration.Template(leading: [], trailing: [])  // offsets only
        case "Sequence":
            guard let items = value["processors"]?.arrayValue else {
                throw malformed("\(location).processors", "is missing or not an array.")
            }
            var leading: [TokenizerConfiguration.TemplateToken] = []
            var trailing: [TokenizerConfiguration.TemplateToken] = []
            for (index, item) in items.enumerated() {
                let template = try readTemplate(item, at: "\(location).processors[\(index)]")
                leading = template.leading + leading
                trailing += template.trailing
            }
            return TokenizerConfiguration.Template(leading: leading, trailing: trailing)
        case let other:
            throw .unsupported(
                "post-processor", other ?? "unknown", in: path,
                supported: "TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel or Sequence (or none)")
        }
    }

    // MARK: Models

    private func readModel(_ model: JSONValue?, extraVocabulary: [(String, JSONValue)]) throws(TokenizerError)
        -> (PipelineModel, [String])
    {
        guard let model, model.objectValue != nil else {
            throw .malformedJSON(path, reason: "\"model\" is missing or not an object.")
        }
        // Old files omit the type; each model is recognisable by its fields.
        let type =
            model["type"]?.stringValue
            ?? (model["max_input_chars_per_word"] != nil
                ? "WordPiece" : model["merges"] != nil ? "BPE" : model["unk_id"] != nil ? "Unigram" : "unknown")
        switch type {
        case "Unigram": return try readUnigram(model)
        case "BPE": return try readBPE(model, extraVocabulary: extraVocabulary)
        case "WordPiece": return try readWordPiece(model, extraVocabulary: extraVocabulary)
        default:
            throw .unsupported("model", type, in: path, supported: "Unigram, BPE or WordPiece")
        }
    }

    /// `vocab` as an object of token → id, turned into an id-indexed array.
    private func readVocabularyObject(_ model: JSONValue, extra: [(String, JSONValue)]) throws(TokenizerError)
        -> [String]
    {
        guard let vocab = model["vocab"]?.objectValue else {
            throw malformed("model.vocab", "is missing or not an object of token → id.")
        }
        var entries: [(token: String, id: Int)] = []
        entries.reserveCapacity(vocab.count + extra.count)
        for (token, value) in vocab.map({ ($0.key, $0.value) }) + extra {
            guard let id = value.intValue, id >= 0, id <= Int(Int32.max) else {
                throw malformed("model.vocab", "maps '\(token)' to \(value), not a non-negative id.")
            }
            entries.append((token, id))
        }
        return try Vocabulary.array(from: entries, path: path)
    }

    private func readWordPiece(_ model: JSONValue, extraVocabulary: [(String, JSONValue)]) throws(TokenizerError)
        -> (PipelineModel, [String])
    {
        let vocabulary = try readVocabularyObject(model, extra: extraVocabulary)
        let unknown = try string(model["unk_token"], "model.unk_token")
        let table = VocabularyTable(tokens: vocabulary)
        guard let unknownID = table.id(of: unknown) else {
            throw .missingSpecialToken(role: "unknown", token: unknown)
        }
        let maxCharacters = model["max_input_chars_per_word"]?.intValue ?? 100
        guard maxCharacters > 0 else {
            throw malformed("model.max_input_chars_per_word", "must be at least 1.")
        }
        let wordPiece = WordPieceModel(
            table: table, continuingPrefix: model["continuing_subword_prefix"]?.stringValue ?? "##",
            unknownID: unknownID, maxCharactersPerWord: maxCharacters)
        return (.wordPiece(wordPiece), vocabulary)
    }

    private func readUnigram(_ model: JSONValue) throws(TokenizerError) -> (PipelineModel, [String]) {
        guard let items = model["vocab"]?.arrayValue, !items.isEmpty else {
            throw malformed("model.vocab", "is missing, empty or not an array of [piece, score].")
        }
        var vocabulary: [String] = []
        var scores: [Double] = []
        vocabulary.reserveCapacity(items.count)
        scores.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let pair = item.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                let score = pair[1].doubleValue, score.isFinite
            else { throw malformed("model.vocab[\(index)]", "is not a [piece, score] pair.") }
            vocabulary.append(piece)
            scores.append(score)
        }
        guard items.count <= Int(Int32.max) else { throw malformed("model.vocab", "is too large.") }
        var unknownID: Int32?
        if let value = model["unk_id"], !value.isNull {
            guard let id = value.intValue, id >= 0, id < vocabulary.count else {
                throw malformed("model.unk_id", "is not the id of a vocabulary entry.")
            }
            unknownID = Int32(id)
        }
        let unigram = UnigramModel(
            vocabulary: vocabulary, scores: scores, unknownID: unknownID,
            byteFallback: try bool(model["byte_fallback"], "model.byte_fallback", default: false))
        return (.unigram(unigram), vocabulary)
    }

    private func readBPE(_ model: JSONValue, extraVocabulary: [(String, JSONValue)]) throws(TokenizerError)
        -> (PipelineModel, [String])
    {
        let vocabulary = try readVocabularyObject(model, extra: extraVocabulary)
        let table = VocabularyTable(tokens: vocabulary)
        func optionalString(_ key: String) throws(TokenizerError) -> String? {
            guard let value = model[key], !value.isNull else { return nil }
            guard let string = value.stringValue else { throw malformed("model.\(key)", "is not a string.") }
            return string
        }
        let prefix = try optionalString("continuing_subword_prefix") ?? ""
        let suffix = try optionalString("end_of_word_suffix") ?? ""
        var unknownID: Int32?
        if let unknown = try optionalString("unk_token") {
            guard let id = table.id(of: unknown) else {
                throw malformed("model.unk_token", "names '\(unknown)', which is not in model.vocab.")
            }
            unknownID = id
        }
        guard let items = model["merges"]?.arrayValue else {
            throw malformed("model.merges", "is missing or not an array.")
        }
        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        merges.reserveCapacity(items.count)
        var rank = 0
        for item in items {
            let left: String
            let right: String
            if let line = item.stringValue {
                if line.hasPrefix("#version") { continue }
                // Split on the scalar U+0020, not on Characters: a space followed by a combining
                // mark is one Character.
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw malformed("model.merges[\(rank)]", "'\(line)' is not two tokens separated by one space.")
                }
                (left, right) = (String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1])))
            } else if let pair = item.arrayValue, pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue {
                (left, right) = (a, b)
            } else {
                throw malformed("model.merges[\(rank)]", "is neither \"a b\" nor [\"a\", \"b\"].")
            }
            guard let leftID = table.id(of: left) else {
                throw malformed("model.merges[\(rank)]", "uses '\(left)', which is not in model.vocab.")
            }
            guard let rightID = table.id(of: right) else {
                throw malformed("model.merges[\(rank)]", "uses '\(right)', which is not in model.vocab.")
            }
            // The merged token is `left` then `right` without its continuation prefix.
            var merged = left.unicodeScalars
            let rightScalars = Array(right.unicodeScalars)
            let prefixScalars = Array(prefix.unicodeScalars)
            let hasPrefix = !prefixScalars.isEmpty && rightScalars.starts(with: prefixScalars)
            merged.append(contentsOf: rightScalars.dropFirst(hasPrefix ? prefixScalars.count : 0))
            guard let mergedID = table.id(of: String(merged)) else {
                throw malformed("model.merges[\(rank)]", "makes '\(String(merged))', which is not in model.vocab.")
            }
            merges.append((leftID, rightID, mergedID))
            rank += 1
        }
        let bpe = BPEModel(
            table: table, merges: merges, unknownID: unknownID,
            fuseUnknown: try bool(model["fuse_unk"], "model.fuse_unk", default: false),
            byteFallback: try bool(model["byte_fallback"], "model.byte_fallback", default: false),
            ignoreMerges: try bool(model["ignore_merges"], "model.ignore_merges", default: false),
            continuingPrefix: scalars(prefix), endOfWordSuffix: scalars(suffix))
        return (.bpe(bpe), vocabulary)
    }
}
