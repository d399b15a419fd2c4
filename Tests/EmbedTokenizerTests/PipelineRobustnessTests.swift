import EmbedCore
import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

/// Bounded, seeded fuzzing of the Unigram / BPE pipeline, malformed `tokenizer.json` files and the
/// messages they give, and the serialized form of ``TokenizerDefinition``.
@Suite("Unigram and BPE tokenizers: fuzzing, malformed files, serialization", .offThePool)
struct PipelineRobustnessTests {
    /// Model folders and bare tokenizer files of every kind.
    static let folders = [
        "arch/tiny-xlmr-mean", "arch/tiny-roberta-bpe", "arch/tiny-modernbert", "arch/tiny-mpnet-mean",
        "arch/tiny-distilbert-cls-dense", "tokenizers-extra/llama-bpe",
    ]

    /// Random text from every plane: scripts, lone combining marks, emoji sequences, white space
    /// of every kind, controls, noncharacters, private use, the tokens these tokenizers treat
    /// specially.
    static func randomText(_ random: inout SeededGenerator) -> String {
        let pieces = [
            " ", "  ", "\t", "\n", "\r\n", "\u{A0}", "\u{3000}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{85}", "\u{1C}",
            "\u{0}", "'s", "'LL", "<s>", "</s>", "<mask>", "<unk>", "[CLS]", "▁", "Ġ", "<0x41>", "\u{301}", "\u{20DD}",
            "👩‍👩‍👧", "🇫🇷", "ﬁ", "ǅ", "İ", "ΣΑΣ",
        ]
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...24, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                text.append(contentsOf: pieces.randomElement(using: &random)!.unicodeScalars)
            case 3..<5:
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    text.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &random)))
                }
            case 5:
                text.append(Unicode.Scalar(UInt32.random(in: 0x300...0x36F, using: &random))!)  // a lone mark
            default:
                // Any plane: BMP, supplementary, tags, private use, noncharacters (no surrogates).
                let plane = UInt32.random(in: 0...16, using: &random)
                let low = plane == 0 ? UInt32.random(in: 0...0xFFFF, using: &random) : UInt32.random(in: 0...0xFFFF, using: &random)
                if let scalar = Unicode.Scalar(plane << 16 | low) { text.append(scalar) }
            }
        }
        return String(text)
    }

    @Test("Random Unicode through every kind never crashes; ids stay in the vocabulary; truncation keeps the special tokens",
          arguments: folders)
    func randomUnicode(folder: String) async throws {
        let tokenizer = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url(folder)).makeTokenizer()
        let template = tokenizer.encode("")
        var random = SeededGenerator(seed: 0xE3BE_D15C)
        var texts: [String] = []
        for _ in 0..<1500 { texts.append(Self.randomText(&random)) }
        var outOfRange = 0
        for text in texts {
            let full = tokenizer.encode(text, maxLength: 100_000)
            outOfRange += full.ids.count { $0 < 0 || Int($0) >= tokenizer.vocabularySize }
            let limit = template.count + Int.random(in: 1...8, using: &random)
            let cut = tokenizer.encode(text, maxLength: limit)
            #expect(cut.count <= limit)
            // The cut keeps a head and a tail of the full ids (the special tokens), only content goes.
            #expect((0...cut.count).contains { head in
                cut.ids.prefix(head).elementsEqual(full.ids.prefix(head))
                    && cut.ids.suffix(cut.count - head).elementsEqual(full.ids.suffix(cut.count - head))
            })
            #expect(cut.isTruncated == (full.count > limit))
            #expect(cut.untruncatedCount == full.count)
        }
        #expect(outOfRange == 0)
        #expect(tokenizer.encode(batch: texts, maxLength: 100_000).map(\.ids) == texts.map { tokenizer.encode($0, maxLength: 100_000).ids })
    }

    @Test("Random Unicode through every normalizer and pre-tokenizer variant of the reference files never crashes",
          arguments: ["components-ids.jsonl.gz", "metaspace-ids.jsonl.gz", "bytelevel-ids.jsonl.gz"])
    func randomUnicodeThroughVariants(file: String) async throws {
        let text = try Fixtures.text(Fixtures.url("tokenizers-extra/\(file)"))
        let firstLine = try #require(text.split(separator: "\n").first)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let variants = try #require(header["variants"] as? [String: Any])
        let base = file == "bytelevel-ids.jsonl.gz" ? "bpe" : "unigram"
        let url = Fixtures.url("arch/tokenizers/\(base)/tokenizer.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var random = SeededGenerator(seed: 0x5EED)
        for (name, variant) in variants.sorted(by: { $0.key < $1.key }) {
            var patched = root
            if let parts = variant as? [String: Any], parts["type"] == nil {
                patched["normalizer"] = parts["normalizer"] ?? NSNull()
                patched["pre_tokenizer"] = parts["pre_tokenizer"] ?? NSNull()
            } else {
                patched["pre_tokenizer"] = variant
            }
            let tokenizer = try PipelineTokenizer(
                configuration: try HuggingFaceTokenizerConfiguration(
                    tokenizerJSON: String(decoding: try JSONSerialization.data(withJSONObject: patched), as: UTF8.self),
                    source: name, lowercaseInput: false, maxLength: 100_000))
            var outOfRange = 0
            for _ in 0..<300 {
                let ids = tokenizer.encode(Self.randomText(&random)).ids
                outOfRange += ids.count { $0 < 0 || Int($0) >= tokenizer.vocabularySize }
            }
            #expect(outOfRange == 0, "\(name)")
        }
    }

    // MARK: Malformed files

    /// The Llama-style tokenizer.json, small enough to mutate many times.
    static let llamaJSON: Data = (try? Data(contentsOf: Fixtures.url("tokenizers-extra/llama-bpe/tokenizer.json"))) ?? Data()

    /// Loads `data` as the `tokenizer.json` of a temporary folder; nil when it loads.
    static func loadError(_ data: Data, extraFiles: [String: Data] = [:]) throws -> TokenizerError? {
        try TokenizerFixtures.withTemporaryFolder { folder -> TokenizerError? in
            try data.write(to: folder.appendingPathComponent("tokenizer.json"))
            for (name, contents) in extraFiles { try contents.write(to: folder.appendingPathComponent(name)) }
            do throws(TokenizerError) {
                let tokenizer = try TokenizerDefinition.load(fromModelDirectory: folder).makeTokenizer()
                // What loads must also work.
                for text in ["hello world", "ünïcödé 😀", ""] {
                    let ids = tokenizer.encode(text).ids
                    #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
                }
                return nil
            } catch {
                return error
            }
        }
    }

    @Test("Random bytes as tokenizer.json give a TokenizerError naming the file")
    func randomBytes() async throws {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<40 {
            let bytes = (0..<Int.random(in: 0...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let error = try #require(try Self.loadError(Data(bytes)))
            #expect(error.description.contains("tokenizer.json"))
        }
    }

    @Test("Random byte mutations of a tokenizer.json load or give a TokenizerError, never crash")
    func byteMutations() async throws {
        var random = SeededGenerator(seed: 11)
        let original = [UInt8](Self.llamaJSON)
        try #require(!original.isEmpty)
        var failures = 0
        for _ in 0..<150 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...40, using: &random)))
                case 2: bytes.insert(contentsOf: Array("\"]}0-,".utf8).shuffled(using: &random).prefix(2), at: position)
                default: bytes.removeSubrange(position...)  // truncated
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if try Self.loadError(Data(bytes)) != nil { failures += 1 }
        }
        #expect(failures > 50)
    }

    /// Every value of the JSON tree, with its path.
    static func paths(_ value: Any, _ path: [Any] = []) -> [[Any]] {
        var result = [path]
        if let object = value as? [String: Any] {
            for (key, child) in object where key != "vocab" { result += paths(child, path + [key]) }
        } else if let array = value as? [Any] {
            for (index, child) in array.enumerated().prefix(4) { result += paths(child, path + [index]) }
        }
        return result
    }

    static func replacing(_ value: Any, at path: ArraySlice<Any>, with replacement: Any) -> Any {
        guard let first = path.first else { return replacement }
        if var object = value as? [String: Any], let key = first as? String {
            object[key] = replacing(object[key] as Any, at: path.dropFirst(), with: replacement)
            return object
        }
        if var array = value as? [Any], let index = first as? Int, array.indices.contains(index) {
            array[index] = replacing(array[index], at: path.dropFirst(), with: replacement)
            return array
        }
        return value
    }

    @Test("Any field of a tokenizer.json replaced by a value of the wrong shape loads or gives a TokenizerError")
    func structuralMutations() async throws {
        let root = try JSONSerialization.jsonObject(with: Self.llamaJSON)
        let paths = Self.paths(root).filter { !$0.isEmpty }
        let replacements: [Any] = [NSNull(), 0, -1, 1e300, "", "?", true, [Any](), [String: Any](), [1, 2], ["a", "b", "c"],
                                   ["type": "Mystery"]]
        var random = SeededGenerator(seed: 13)
        for _ in 0..<200 {
            let path = paths.randomElement(using: &random)!
            let mutated = Self.replacing(root, at: path[...], with: replacements.randomElement(using: &random)!)
            _ = try Self.loadError(try JSONSerialization.data(withJSONObject: mutated))
        }
    }

    /// The Unigram tokenizer.json with `edit` applied to its JSON object.
    static func unigramJSON(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let url = Fixtures.url("arch/tokenizers/unigram/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&root)
        return try JSONSerialization.data(withJSONObject: root)
    }

    static func editNormalizer(_ root: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var normalizer = root["normalizer"] as? [String: Any] ?? [:]
        edit(&normalizer)
        root["normalizer"] = normalizer
    }

    @Test("A malformed Precompiled charsmap is an error naming the component and the file")
    func malformedCharsmap() async throws {
        let url = Fixtures.url("arch/tokenizers/unigram/tokenizer.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let charsmap = try #require((root["normalizer"] as? [String: Any])?["precompiled_charsmap"] as? String)
        var blob = [UInt8](try #require(Data(base64Encoded: charsmap)))
        let cases: [(String, String)] = [
            ("truncated base64", String(charsmap.prefix(charsmap.count / 2 + 1))),
            ("not base64", "!!!not base64!!!"),
            ("too short", Data([1, 0]).base64EncodedString()),
            ("trie larger than the blob", { blob[0...3] = [0xFF, 0xFF, 0xFF, 0x7F]; return Data(blob).base64EncodedString() }()),
            ("trie size not a multiple of four", { blob[0...3] = [6, 0, 0, 0]; return Data(blob).base64EncodedString() }()),
        ]
        for (name, value) in cases {
            let data = try Self.unigramJSON { root in Self.editNormalizer(&root) { $0["precompiled_charsmap"] = value } }
            let error = try #require(try Self.loadError(data), "\(name) loaded")
            #expect(error.kind == .malformedJSON, "\(name)")
            #expect(error.description.contains("precompiled_charsmap"), "\(name): \(error)")
            #expect(error.description.contains("Precompiled"), "\(name): \(error)")
            #expect(error.description.contains("tokenizer.json"), "\(name): \(error)")
        }
        // A trie that points outside itself is not detectable up front: encoding must not crash.
        var wild = [UInt8](try #require(Data(base64Encoded: charsmap)))
        var random = SeededGenerator(seed: 17)
        for index in stride(from: 4, to: min(wild.count, 4000), by: 1) where Bool.random(using: &random) {
            wild[index] = UInt8.random(in: 0...255, using: &random)
        }
        let data = try Self.unigramJSON { root in
            Self.editNormalizer(&root) { $0["precompiled_charsmap"] = Data(wild).base64EncodedString() }
        }
        _ = try Self.loadError(data)  // loads or fails (the pool may no longer be UTF-8), never crashes
    }

    /// The BPE tokenizer.json with its merges replaced.
    static func bpeJSON(merges: Any, unknownToken: Any? = nil) throws -> Data {
        let url = Fixtures.url("arch/tokenizers/bpe/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var model = try #require(root["model"] as? [String: Any])
        model["merges"] = merges
        if let unknownToken { model["unk_token"] = unknownToken }
        root["model"] = model
        return try JSONSerialization.data(withJSONObject: root)
    }

    @Test("A malformed merges list is an error naming the merge, the component and the file")
    func malformedMerges() async throws {
        let cases: [(String, Any, String)] = [
            ("unknown token", [["e", "r"], ["e", "not-a-token"]], "not-a-token"),
            ("three parts", ["e r x"], "e r x"),
            ("one part", ["er"], "er"),
            ("wrong shape", [[1, 2]], "merges[0]"),
            ("not a list", "e r", "merges"),
            ("merged token unknown", [["Ġ", "Ġ"], ["ĠĠ", "ĠĠĠĠĠĠĠĠĠĠĠ"]], "not in model.vocab"),
        ]
        for (name, merges, detail) in cases {
            let error = try #require(try Self.loadError(try Self.bpeJSON(merges: merges)), "\(name) loaded")
            #expect(error.kind == .malformedJSON, "\(name)")
            #expect(error.description.contains("model.merges"), "\(name): \(error)")
            #expect(error.description.contains(detail), "\(name): \(error)")
            #expect(error.description.contains("tokenizer.json"), "\(name): \(error)")
        }
        let error = try #require(try Self.loadError(try Self.bpeJSON(merges: [[String]](), unknownToken: "<nope>")))
        #expect(error.description.contains("model.unk_token") && error.description.contains("<nope>"))
    }

    @Test("A folder with only a SentencePiece model says how to get tokenizer.json")
    func sentencePieceOnly() async throws {
        try TokenizerFixtures.withTemporaryFolder { folder in
            try Data([0, 1, 2]).write(to: folder.appendingPathComponent("sentencepiece.bpe.model"))
            let error = try #require(throws: TokenizerError.self, "loaded") {
                try TokenizerDefinition.load(fromModelDirectory: folder)
            }
            #expect(error.kind == .missingFile)
            #expect(error.description.contains("tokenizer.json") && error.description.contains("sentencepiece.bpe.model"))
        }
    }

    @Test("An unsupported component is named with the file and what is supported")
    func unsupportedComponents() async throws {
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("normalizer", { $0["normalizer"] = ["type": "Mystery"] }, "normalizer 'Mystery'"),
            ("pre-tokenizer", { $0["pre_tokenizer"] = ["type": "FixedLength", "length": 5] }, "pre-tokenizer 'FixedLength'"),
            ("post-processor", { $0["post_processor"] = ["type": "Mystery"] }, "post-processor 'Mystery'"),
            ("model", { $0["model"] = ["type": "WordLevel", "vocab": ["a": 0], "unk_token": "a"] }, "model 'WordLevel'"),
            ("nested", { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "UnicodeScripts"]]] }, "'UnicodeScripts'"),
        ]
        for (name, edit, detail) in cases {
            let error = try #require(try Self.loadError(try Self.unigramJSON(edit)), "\(name) loaded")
            #expect(error.kind == .unsupportedComponent, "\(name)")
            #expect(error.description.contains(detail), "\(name): \(error)")
            #expect(error.description.contains("tokenizer.json"), "\(name): \(error)")
        }
        let missing = try #require(try Self.loadError(try Self.unigramJSON { $0["model"] = nil }))
        #expect(missing.kind == .malformedJSON && missing.description.contains("\"model\""))
        let badScore = try #require(
            try Self.loadError(try Self.unigramJSON { root in
                var model = root["model"] as! [String: Any]
                model["vocab"] = [["<unk>", "high"]]
                root["model"] = model
            }))
        #expect(badScore.description.contains("model.vocab[0]"))
    }

    // MARK: Serialization

    @Test("TokenizerDefinition survives a JSON round trip for each kind and gives the same ids",
          arguments: ["arch/tiny-distilbert-cls-dense", "arch/tiny-xlmr-mean", "arch/tiny-roberta-bpe", "arch/tiny-mpnet-mean"])
    func definitionRoundTrip(folder: String) async throws {
        let definition = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url(folder))
        switch (folder, definition.kind) {
        case ("arch/tiny-distilbert-cls-dense", .wordPiece), ("arch/tiny-xlmr-mean", .pipeline),
            ("arch/tiny-roberta-bpe", .pipeline), ("arch/tiny-mpnet-mean", .pipeline):
            break
        default:
            Issue.record("\(folder) loaded as \(definition.modelName) in the wrong kind")
        }
        let data = try JSONEncoder().encode(definition)
        let decoded = try JSONDecoder().decode(TokenizerDefinition.self, from: data)
        #expect(decoded == definition)
        #expect(decoded.modelName == definition.modelName && decoded.vocabularyCount == definition.vocabularyCount)
        let original = try definition.makeTokenizer()
        let restored = try decoded.makeTokenizer()
        let rows = try Fixtures.readJSONLines(Fixtures.url("\(folder).jsonl.gz"), as: TokenizerFixtures.Row.self)
        for row in rows { #expect(restored.encode(row.text) == original.encode(row.text)) }
        #expect(restored.vocabularySize == original.vocabularySize && restored.maxLength == original.maxLength)
    }

    @Test("Definitions report their kind, sizes and lengths; maxLength can be changed")
    func definitionProperties() async throws {
        var unigram = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url("arch/tiny-xlmr-mean"))
        #expect(unigram.modelName == "Unigram" && unigram.vocabularyCount == 4002 && unigram.maxLength == 64)
        #expect(!unigram.lowercaseInput)
        unigram.maxLength = 8
        #expect(try unigram.makeTokenizer().encode(String(repeating: "word ", count: 50)).count == 8)
        let bpe = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url("arch/tiny-modernbert"))
        #expect(bpe.modelName == "BPE" && bpe.maxLength == 96)
        let tokenizer = try bpe.makeTokenizer()
        #expect(tokenizer.id(of: "<s>") == 0 && tokenizer.token(of: 0) == "<s>" && tokenizer.id(of: "not a token") == nil)
        #expect(tokenizer.token(of: -1) == nil && tokenizer.token(of: tokenizer.vocabularySize) == nil)
    }

    @Test("A bare format-1 TokenizerConfiguration object decodes as .wordPiece")
    func bareConfigurationDecodes() async throws {
        let configuration = try TokenizerFixtures.defaultConfiguration.get()
        let bare = try JSONEncoder().encode(configuration)
        let decoded = try JSONDecoder().decode(TokenizerDefinition.self, from: bare)
        guard case .wordPiece(let restored) = decoded.kind else {
            Issue.record("decoded as \(decoded.modelName)")
            return
        }
        #expect(restored == configuration)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TokenizerDefinition.self, from: Data(#"{"type": "sentencePiece"}"#.utf8))
        }
    }

    // MARK: Hand-made files

    /// A pipeline tokenizer from a hand-written `tokenizer.json` object.
    static func tokenizer(_ root: [String: Any], lowercaseInput: Bool = false) throws -> PipelineTokenizer {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        return try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: text, source: "hand-made tokenizer.json", lowercaseInput: lowercaseInput,
                maxLength: 512))
    }

    @Test("Canonically equivalent vocabulary tokens ('é' and 'e' + U+0301) stay distinct")
    func canonicallyEquivalentTokens() async throws {
        // Written as text: a Swift dictionary cannot even hold these two keys.
        let json = #"""
            {"model": {"type": "BPE", "vocab": {"e": 0, "\u0301": 1, "e\u0301": 2, "\u00e9": 3, "<unk>": 4},
                       "merges": [["e", "\u0301"]], "unk_token": "<unk>"},
             "pre_tokenizer": {"type": "WhitespaceSplit"}}
            """#
        let tokenizer = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: json, source: "hand-made tokenizer.json", lowercaseInput: false, maxLength: 512))
        #expect(tokenizer.encode("e\u{301} \u{E9} e").ids == [2, 3, 0])
        #expect(tokenizer.vocabularySize == 5)
    }

    @Test("Canonically equivalent WordPiece tokens stay distinct in the BERT fast path too")
    func canonicallyEquivalentWordPieceTokens() async throws {
        let json = #"""
            {"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                            "strip_accents": false, "lowercase": false},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "\u00e9": 4, "e\u0301": 5}}}
            """#
        try TokenizerFixtures.withTemporaryFolder { folder in
            try Data(json.utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
            let definition = try TokenizerDefinition.load(fromModelDirectory: folder)
            guard case .wordPiece = definition.kind else {
                Issue.record("loaded as \(definition.modelName) pipeline")
                return
            }
            #expect(definition.vocabularyCount == 6)
            #expect(try definition.makeTokenizer().encode("\u{E9} e\u{301}").ids == [2, 4, 5, 3])
        }
    }

    @Test("Post-processors: Sequence of ByteLevel and TemplateProcessing, BertProcessing, RobertaProcessing, none")
    func postProcessors() async throws {
        func ids(_ processor: Any) throws -> [Int32] {
            let root: [String: Any] = [
                "model": [
                    "type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2, "<s>": 3, "</s>": 4, "[CLS]": 5, "[SEP]": 6],
                    "merges": ["a b"],
                ] as [String: Any],
                "post_processor": processor,
            ]
            return try Self.tokenizer(root).encode("abab", maxLength: 512).ids
        }
        let template: [String: Any] = [
            "type": "TemplateProcessing",
            "single": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
            "pair": [Any](), "special_tokens": ["<s>": ["id": "<s>", "ids": [3], "tokens": ["<s>"]]],
        ]
        #expect(try ids(["type": "Sequence", "processors": [["type": "ByteLevel", "trim_offsets": false], template]]) == [3, 2, 2])
        #expect(try ids(["type": "BertProcessing", "sep": ["[SEP]", 6], "cls": ["[CLS]", 5]]) == [5, 2, 2, 6])
        #expect(try ids(["type": "RobertaProcessing", "sep": ["</s>", 4], "cls": ["<s>", 3]]) == [3, 2, 2, 4])
        #expect(try ids(NSNull()) == [2, 2])
    }

    @Test("sentence-transformers' do_lower_case lower-cases (Python's str.lower()) before a pipeline tokenizer")
    func lowercaseInput() async throws {
        let url = Fixtures.url("arch/tokenizers/bpe/tokenizer.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let lowering = try Self.tokenizer(root, lowercaseInput: true)
        let plain = try Self.tokenizer(root)
        // The text is not stripped (sentence-transformers 6 does not): the spaces stay tokens.
        #expect(lowering.encode("  Hello WORLD ΣΑΣ İx <mask> ").ids == plain.encode("  hello world σας i̇x <mask> ").ids)
    }
}
