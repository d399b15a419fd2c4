import Foundation

/// The `tokenizer.json` of a RoBERTa-family model rebuilt from GGUF metadata alone, for the
/// tokenizers llama.cpp's converter stores as `t5` (SentencePiece Unigram: XLM-RoBERTa,
/// multilingual-e5, bge-m3) and `gpt2` (byte-level BPE: RoBERTa, all-distilroberta-v1), so that our
/// pipeline tokenizer — the one a Hugging Face folder's `tokenizer.json` configures — runs.
///
/// Checked against the Hugging Face `tokenizers` library on models converted by llama.cpp's own
/// converter (`Scripts/gguf/gguf_tokenizer_json.py` is the reference, and its verifier found the
/// rebuilt files byte-identical to the originals); the Swift tests compare ids and vectors with
/// sentence-transformers'. What the file does not record is taken as transformers builds these
/// tokenizers (``defaults``).
struct GGUFTokenizerJSON {
    /// The `tokenizer.json` text.
    let text: String
    /// Settings assumed rather than read, for `embed info`.
    let defaults: [GGUFWordPiece.Default]

    /// `tokenizer.ggml.pre` values llama.cpp splits with GPT-2's pattern (what a byte-level BPE
    /// encoder's ByteLevel pre-tokenizer does).
    static let gpt2Splitting: Set<String> = [
        "gpt-2", "roberta-bpe", "jina-v1-en", "jina-v2-code", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "phi-2",
        "gigachat", "a.x-4.0", "mellum", "modern-bert",
    ]
    /// `tokenizer.ggml.pre` values for which llama.cpp strips the space before `<mask>`.
    static let maskStripsLeft: Set<String> = ["jina-v2-de", "jina-v2-es", "jina-v2-code", "mmbert"]

    init(_ file: GGUFFile) throws(GGUFError) {
        if let embedded = file["tokenizer.huggingface.json"]?.string {
            text = embedded
            defaults = []
            return
        }
        let model = file["tokenizer.ggml.model"]?.string
        var (tokens, types) = try file.tokenizerVocabulary()
        func id(_ key: String) throws(GGUFError) -> Int? { try file.optionalTokenID(key, count: tokens.count) }
        var defaults = [GGUFWordPiece.Default(setting: "<mask> lstrip", value: "as llama.cpp sets it (not recorded)")]
        let pre = file["tokenizer.ggml.pre"]?.string ?? ""
        let maskID = try id("tokenizer.ggml.mask_token_id")
        let stripsMask = Self.maskStripsLeft.contains(pre)

        var json: [String: Any] = ["version": "1.0", "truncation": NSNull(), "padding": NSNull()]
        switch model {
        case "t5":
            guard let scoreValues = file["tokenizer.ggml.scores"]?.array?.compactMap(\.double), scoreValues.count == tokens.count else {
                throw GGUFError(path: file.path, .missingKey("tokenizer.ggml.scores", expected: "one number per token"))
            }
            var scores = scoreValues
            let unknownID = try id("tokenizer.ggml.unknown_token_id") ?? types.firstIndex(of: GGUFTokenType.unknown)
            // Padding rows the converter added keep their ids with the lowest real score (not
            // -10000, which would move the Unigram unknown penalty); the one at the mask id is
            // `<mask>`, which the converter leaves as a placeholder on the SentencePiece path.
            let real = zip(scores, types).filter { [GGUFTokenType.normal, GGUFTokenType.userDefined, GGUFTokenType.byte].contains($0.1) }.map(\.0)
            let floor = real.min() ?? 0
            for index in types.indices where types[index] == GGUFTokenType.unused {
                scores[index] = floor
                if index == maskID, tokens[index].hasPrefix("[PAD") {
                    tokens[index] = "<mask>"
                    types[index] = GGUFTokenType.control
                    scores[index] = 0
                }
            }
            var charsmap: Any = NSNull()
            if let bytes = file["tokenizer.ggml.precompiled_charsmap"]?.array, !bytes.isEmpty {
                let raw = bytes.compactMap { $0.int.flatMap(UInt8.init(exactly:)) }
                guard raw.count == bytes.count else {
                    throw GGUFError(path: file.path, .missingKey("tokenizer.ggml.precompiled_charsmap", expected: "an array of bytes"))
                }
                charsmap = ["type": "Precompiled", "precompiled_charsmap": Data(raw).base64EncodedString()]
            }
            let prepends = try file.optionalBool("tokenizer.ggml.add_space_prefix") ?? true
            let metaspace: [String: Any] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": prepends ? "always" : "never", "split": true]
            json["normalizer"] = charsmap
            // transformers builds XLM-R's tokenizer this way whatever the file says; the
            // converter's remove_extra_whitespaces holds an unrelated setting.
            json["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "WhitespaceSplit"], metaspace]]
            json["decoder"] = metaspace
            let unigramVocabulary: [[Any]] = zip(tokens, scores).map { piece, score in [piece, score] }
            var unigram: [String: Any] = ["type": "Unigram", "vocab": unigramVocabulary, "byte_fallback": types.contains(GGUFTokenType.byte)]
            unigram["unk_id"] = unknownID.map { $0 as Any } ?? NSNull()
            json["model"] = unigram
            json["post_processor"] = try Self.template(file, tokens: tokens)
            defaults.append(.init(setting: "pre-tokenizer", value: "WhitespaceSplit + Metaspace, as transformers builds XLM-R's"))
        case "gpt2":
            guard Self.gpt2Splitting.contains(pre) else {
                throw GGUFError(path: file.path, .unsupported(
                    "tokenizer.ggml.pre \"\(pre)\" is not a pre-tokenizer this runtime rebuilds for byte-level BPE; supported: \(Self.gpt2Splitting.sorted().joined(separator: ", "))"))
            }
            var merges: [[String]] = []
            for value in file["tokenizer.ggml.merges"]?.array ?? [] {
                guard let merge = value.string, let space = merge.firstIndex(of: " "),
                    !merge[merge.index(after: space)...].contains(" ")
                else { throw GGUFError(path: file.path, .malformed("tokenizer.ggml.merges holds \(value), not \"a b\"")) }
                merges.append([String(merge[..<space]), String(merge[merge.index(after: space)...])])
            }
            var vocabulary: [String: Int] = [:]
            for (index, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = index }
            let prefixesSpace = try file.optionalBool("tokenizer.ggml.add_space_prefix") ?? false
            var normalizers: [[String: Any]] = []
            if try file.optionalBool("tokenizer.ggml.normalizer.strip_accents") == true { normalizers += [["type": "NFD"], ["type": "StripAccents"]] }
            if try file.optionalBool("tokenizer.ggml.normalizer.lowercase") == true { normalizers.append(["type": "Lowercase"]) }
            json["normalizer"] = normalizers.isEmpty ? NSNull() : normalizers.count == 1 ? normalizers[0] : ["type": "Sequence", "normalizers": normalizers]
            let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": prefixesSpace, "trim_offsets": true, "use_regex": true]
            json["pre_tokenizer"] = byteLevel
            // Decoding is not used here; written as transformers writes RoBERTa's.
            json["decoder"] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true]
            json["model"] = [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "", "end_of_word_suffix": "",
                "fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": vocabulary, "merges": merges,
            ] as [String: Any]
            let (addsBOS, addsEOS, addsSEP) = try Self.addFlags(file)
            if addsBOS, addsEOS, addsSEP, let bos = try id("tokenizer.ggml.bos_token_id"), let eos = try id("tokenizer.ggml.eos_token_id"),
                (try id("tokenizer.ggml.seperator_token_id") ?? eos) == eos
            {
                json["post_processor"] = [
                    "type": "RobertaProcessing", "sep": [tokens[eos], eos], "cls": [tokens[bos], bos], "trim_offsets": true,
                    "add_prefix_space": prefixesSpace,
                ] as [String: Any]
            } else {
                json["post_processor"] = try Self.template(file, tokens: tokens)
            }
        default:
            throw GGUFError(path: file.path, .unsupported("tokenizer.ggml.model \(model ?? "absent") is not supported"))
        }

        json["added_tokens"] = types.indices.compactMap { index -> [String: Any]? in
            let type = types[index]
            guard type == GGUFTokenType.control || type == GGUFTokenType.unknown || type == GGUFTokenType.userDefined else { return nil }
            let special = type != GGUFTokenType.userDefined
            return [
                "id": index, "content": tokens[index], "single_word": false, "lstrip": stripsMask && index == maskID,
                "rstrip": false, "normalized": !special, "special": special,
            ]
        }
        do {
            text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
        } catch {
            throw GGUFError(path: file.path, .malformed("the tokenizer could not be written as JSON: \(error)"))
        }
        self.defaults = defaults
    }

    /// `add_bos`/`add_eos`/`add_sep`; a missing key counts as true (the converter leaves them out
    /// for a folder without tokenizer.json, and every RoBERTa-family encoder adds `<s> … </s>`).
    static func addFlags(_ file: GGUFFile) throws(GGUFError) -> (Bool, Bool, Bool) {
        (try file.optionalBool("tokenizer.ggml.add_bos_token") ?? true, try file.optionalBool("tokenizer.ggml.add_eos_token") ?? true,
         try file.optionalBool("tokenizer.ggml.add_sep_token") ?? true)
    }

    /// `<s> $A </s>` (and RoBERTa's pair form) as a TemplateProcessing, or null when nothing is added.
    static func template(_ file: GGUFFile, tokens: [String]) throws(GGUFError) -> Any {
        func id(_ key: String) throws(GGUFError) -> Int? {
            guard let value = try file.optionalInt(key), tokens.indices.contains(value) else { return nil }
            return value
        }
        let bos = try id("tokenizer.ggml.bos_token_id"), eos = try id("tokenizer.ggml.eos_token_id")
        let sep = try id("tokenizer.ggml.seperator_token_id") ?? eos
        var (addsBOS, addsEOS, addsSEP) = try addFlags(file)
        addsBOS = addsBOS && bos != nil
        addsEOS = addsEOS && eos != nil
        addsSEP = addsSEP && sep != nil
        guard addsBOS || addsEOS else { return NSNull() }
        func special(_ id: Int) -> [String: Any] { ["SpecialToken": ["id": tokens[id], "type_id": 0]] }
        func sequence(_ name: String) -> [String: Any] { ["Sequence": ["id": name, "type_id": 0]] }
        let head = addsBOS ? [special(bos!)] : []
        let tail = addsEOS ? [special(eos!)] : []
        let single = head + [sequence("A")] + tail
        let pair = head + [sequence("A")] + tail + (addsSEP ? [special(sep!)] : []) + [sequence("B")] + tail
        var specials: [String: Any] = [:]
        for (token, on) in [(bos, addsBOS), (eos, addsEOS), (sep, addsSEP)] where on {
            if let token { specials[tokens[token]] = ["id": tokens[token], "ids": [token], "tokens": [tokens[token]]] }
        }
        return ["type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specials] as [String: Any]
    }
}
