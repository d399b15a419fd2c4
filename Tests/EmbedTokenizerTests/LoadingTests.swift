import EmbedTokenizer
import Foundation
import Testing

/// Reading model folders: both layouts, the length rules, and every failure with its message.
@Suite("Loading tokenizer configurations", .offThePool)
struct LoadingTests {
    static let smallVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "able", "hello", ",", "##s"]

    /// A minimal `tokenizer.json` with the small vocabulary; `patch` edits its top-level members.
    static func tokenizerJSON(_ patch: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        var vocab: [String: Int] = [:]
        for (id, token) in smallVocabulary.enumerated() { vocab[token] = id }
        var root: [String: Any] = [
            "version": "1.0",
            "added_tokens": smallVocabulary.prefix(5).enumerated().map { id, token in
                ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
            },
            "normalizer": ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(), "lowercase": true] as [String: Any],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
            "post_processor": ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]] as [String: Any],
            "decoder": ["type": "WordPiece", "prefix": "##", "cleanup": true] as [String: Any],
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab] as [String: Any],
        ]
        patch(&root)
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    static func write(_ files: [String: Data], to folder: URL) throws {
        for (name, data) in files { try data.write(to: folder.appendingPathComponent(name)) }
    }

    /// Loads `files` as a model folder, expecting a failure, and returns the error (nil, the
    /// missing failure recorded, when the folder loads).
    static func loadError(_ files: [String: Data], sourceLocation: SourceLocation = #_sourceLocation) throws -> TokenizerError? {
        try TokenizerFixtures.withTemporaryFolder { folder -> TokenizerError? in
            try write(files, to: folder)
            return #expect(throws: TokenizerError.self, "loaded", sourceLocation: sourceLocation) {
                try WordPieceTokenizer(modelDirectory: folder)
            }
        }
    }

    @Test("A hand-made tokenizer.json: WordPiece pieces, BertProcessing template, lower-casing")
    func minimalTokenizerJSON() async throws {
        try TokenizerFixtures.withTemporaryFolder { folder in
            try Self.write(["tokenizer.json": try Self.tokenizerJSON()], to: folder)
            let tokenizer = try WordPieceTokenizer(modelDirectory: folder)
            #expect(tokenizer.encode("UnAffable, hello").ids == [2, 5, 6, 7, 11, 10, 3])
            #expect(tokenizer.encode("unaffables").ids == [2, 5, 6, 7, 12, 3])
            #expect(tokenizer.encode("affx").ids == [2, 1, 3])  // cannot be covered: one [UNK]
            #expect(tokenizer.maxLength == TokenizerConfiguration.fallbackMaxLength)
            #expect(tokenizer.classifierID == 2 && tokenizer.separatorID == 3 && tokenizer.padID == 0 && tokenizer.unknownID == 1)
        }
    }

    @Test("Without normalizer and post-processor the text is taken as is and no special token is added")
    func noNormalizerNoTemplate() async throws {
        try TokenizerFixtures.withTemporaryFolder { folder in
            let data = try Self.tokenizerJSON { root in
                root["normalizer"] = NSNull()
                root["post_processor"] = NSNull()
            }
            try Self.write(["tokenizer.json": data, "tokenizer_config.json": Data(#"{"cls_token": "[CLS]", "sep_token": "[SEP]"}"#.utf8)], to: folder)
            let tokenizer = try WordPieceTokenizer(modelDirectory: folder)
            #expect(tokenizer.configuration.template.count == 0)
            #expect(tokenizer.encode("hello unaffable").ids == [10, 5, 6, 7])
            #expect(tokenizer.encode("Hello").ids == [1])  // not lower-cased: unknown
            #expect(tokenizer.encode("hello\u{0}").ids == [1])  // no clean-up either
            #expect(tokenizer.encode("hello hello", maxLength: 1).ids == [10])
        }
    }

    @Test("The length comes from sentence_bert_config, else model_max_length, capped by max_position_embeddings")
    func maxLengthRules() async throws {
        func length(_ files: [String: String]) throws -> Int {
            try TokenizerFixtures.withTemporaryFolder { folder in
                try Self.write(["tokenizer.json": try Self.tokenizerJSON()], to: folder)
                try Self.write(files.mapValues { Data($0.utf8) }, to: folder)
                return try TokenizerConfiguration.load(fromModelDirectory: folder).maxLength
            }
        }
        #expect(try length([:]) == 512)
        #expect(try length(["sentence_bert_config.json": #"{"max_seq_length": 256, "do_lower_case": false}"#]) == 256)
        #expect(try length(["tokenizer_config.json": #"{"model_max_length": 64}"#]) == 64)
        // transformers' "no limit" (int(1e30)) is ignored; config.json then decides.
        #expect(try length(["tokenizer_config.json": #"{"model_max_length": 1000000000000000019884624838656}"#]) == 512)
        #expect(
            try length([
                "tokenizer_config.json": #"{"model_max_length": 1e30}"#, "config.json": #"{"max_position_embeddings": 128}"#,
            ]) == 128)
        #expect(
            try length([
                "sentence_bert_config.json": #"{"max_seq_length": 512}"#, "config.json": #"{"max_position_embeddings": 128}"#,
            ]) == 128)
        #expect(
            try length([
                "sentence_bert_config.json": #"{"transformer_task": "feature-extraction"}"#,
                "tokenizer_config.json": #"{"model_max_length": 40}"#, "config.json": #"{"max_position_embeddings": 128}"#,
            ]) == 40)
    }

    @Test("do_lower_case in sentence_bert_config.json sets lowercaseInput, not the normalizer")
    func lowercaseInputFlag() async throws {
        try TokenizerFixtures.withTemporaryFolder { folder in
            try Self.write(
                [
                    "tokenizer.json": try Self.tokenizerJSON(),
                    "sentence_bert_config.json": Data(#"{"max_seq_length": 128, "do_lower_case": true}"#.utf8),
                ], to: folder)
            let configuration = try TokenizerConfiguration.load(fromModelDirectory: folder)
            #expect(configuration.lowercaseInput)
            #expect(configuration.normalizer?.lowercase == true)
            #expect(configuration.maxLength == 128)
        }
        let defaultModel = try TokenizerFixtures.defaultConfiguration.get()
        #expect(!defaultModel.lowercaseInput)  // its sentence_bert_config says false; its tokenizer lower-cases
        #expect(defaultModel.normalizer == .init(cleanText: true, handleChineseCharacters: true, stripAccents: nil, lowercase: true))
    }

    @Test("vocab.txt with Windows line endings reads as with Unix ones")
    func crlfVocabulary() async throws {
        let text = try String(contentsOf: TokenizerFixtures.defaultModel.appendingPathComponent("vocab.txt"), encoding: .utf8)
        try TokenizerFixtures.withTemporaryFolder { folder in
            try Self.write(["vocab.txt": Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)], to: folder)
            let configuration = try TokenizerConfiguration.load(fromModelDirectory: folder)
            #expect(configuration.wordPiece.vocabulary == (try TokenizerFixtures.defaultConfiguration.get()).wordPiece.vocabulary)
            // No tokenizer_config.json: transformers' BERT defaults (lower-case, strip accents).
            #expect(try WordPieceTokenizer(configuration: configuration).encode("Héllo").ids == [101, 7592, 102])
        }
    }

    // MARK: - Failures

    @Test("A folder that does not exist")
    func missingFolder() async throws {
        let path = "/nonexistent/model-\(UUID().uuidString)"
        let error = #expect(throws: TokenizerError.self) {
            try TokenizerConfiguration.load(fromModelDirectory: URL(fileURLWithPath: path))
        }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains(path) == true)
    }

    @Test("A folder without tokenizer.json or vocab.txt")
    func missingVocabulary() async throws {
        let error = try Self.loadError(["config.json": Data("{}".utf8), "tokenizer_config.json": Data("{}".utf8)])
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("No tokenizer.json or vocab.txt in") == true)
    }

    @Test("Corrupt JSON names the file, line and column")
    func corruptJSON() async throws {
        let error = try Self.loadError(["tokenizer.json": Data("{\n  \"model\": {\"type\": \"WordPiece\",, }\n}".utf8)])
        #expect(error?.kind == .malformedJSON)
        let description = error?.description ?? ""
        #expect(description.contains("tokenizer.json"))
        #expect(description.contains("found ',' at line 2, column 33"), "\(description)")

        let truncated = try Self.loadError(["tokenizer.json": try Self.tokenizerJSON().prefix(100)])
        #expect(truncated?.kind == .malformedJSON)
        #expect(truncated?.description.contains("end of file") == true)

        let badConfig = try Self.loadError([
            "tokenizer.json": try Self.tokenizerJSON(), "tokenizer_config.json": Data("[1, 2".utf8),
        ])
        #expect(badConfig?.kind == .malformedJSON)
        #expect(badConfig?.description.contains("tokenizer_config.json") == true)
    }

    @Test(
        "Unsupported components are named",
        arguments: [
            ("model", "BPE", "Unsupported tokenizer model 'BPE'"),
            ("normalizer", "NFKC", "Unsupported tokenizer normalizer 'NFKC'"),
            ("pre_tokenizer", "ByteLevel", "Unsupported tokenizer pre-tokenizer 'ByteLevel'"),
            ("post_processor", "RobertaProcessing", "Unsupported tokenizer post-processor 'RobertaProcessing'"),
        ])
    func unsupportedComponent(member: String, type: String, message: String) async throws {
        let data = try Self.tokenizerJSON { root in
            var component = root[member] as? [String: Any] ?? [:]
            component["type"] = type
            root[member] = component
        }
        let error = try Self.loadError(["tokenizer.json": data])
        #expect(error?.kind == .unsupportedComponent)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("tokenizer.json") == true)
    }

    @Test("A tokenizer.json without a pre-tokenizer is refused")
    func missingPreTokenizer() async throws {
        let error = try Self.loadError(["tokenizer.json": try Self.tokenizerJSON { $0["pre_tokenizer"] = NSNull() }])
        #expect(error?.kind == .unsupportedComponent)
        #expect(error?.description.contains("pre-tokenizer 'none'") == true)
    }

    @Test("A vocabulary without the unknown token")
    func missingUnknownToken() async throws {
        let error = try Self.loadError([
            "tokenizer.json": try Self.tokenizerJSON { root in
                var model = root["model"] as? [String: Any] ?? [:]
                model["unk_token"] = "<unk>"
                root["model"] = model
            }
        ])
        #expect(error?.kind == .missingSpecialToken)
        #expect(error?.description == "The unknown token '<unk>' is not in the vocabulary or the added tokens.")
    }

    @Test("vocab.txt without [CLS]")
    func classicMissingClassifier() async throws {
        let error = try Self.loadError(["vocab.txt": Data("[PAD]\n[UNK]\n[SEP]\nhello\n".utf8)])
        #expect(error?.kind == .missingSpecialToken)
        #expect(error?.description.contains("classifier token '[CLS]'") == true)
    }

    @Test("An empty vocab.txt")
    func emptyVocabulary() async throws {
        let error = try Self.loadError(["vocab.txt": Data()])
        #expect(error?.kind == .invalidVocabulary)
        #expect(error?.description.contains("vocab.txt") == true)
    }

    @Test("Vocabulary ids that collide or are far too sparse")
    func badVocabularyIDs() async throws {
        let colliding = try Self.loadError([
            "tokenizer.json": try Self.tokenizerJSON { root in
                var model = root["model"] as? [String: Any] ?? [:]
                var vocab = model["vocab"] as? [String: Int] ?? [:]
                vocab["extra"] = 5
                model["vocab"] = vocab
                root["model"] = model
            }
        ])
        #expect(colliding?.kind == .invalidVocabulary)
        #expect(colliding?.description.contains("id 5 is used by both") == true)

        let sparse = try Self.loadError([
            "tokenizer.json": try Self.tokenizerJSON { root in
                var model = root["model"] as? [String: Any] ?? [:]
                var vocab = model["vocab"] as? [String: Int] ?? [:]
                vocab["far"] = 1_000_000
                model["vocab"] = vocab
                root["model"] = model
            }
        ])
        #expect(sparse?.kind == .invalidVocabulary)
    }

    @Test("A maximum length that leaves no room for text")
    func tooShortMaxLength() async throws {
        var configuration = try TokenizerFixtures.defaultConfiguration.get()
        configuration.maxLength = 2
        let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(configuration: configuration) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description.contains("maxLength 2") == true)
    }

    @Test("An empty vocabulary in a configuration")
    func emptyConfigurationVocabulary() async throws {
        var configuration = try TokenizerFixtures.defaultConfiguration.get()
        configuration.wordPiece.vocabulary = []
        let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(configuration: configuration) }
        #expect(error?.kind == .invalidVocabulary)
    }
}
