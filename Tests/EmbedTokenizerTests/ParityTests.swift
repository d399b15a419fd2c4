import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

/// Id parity with the Hugging Face fast tokenizer on the shared reference files.
@Suite("Token id parity with Hugging Face", .offThePool)
struct ParityTests {
    @Test(
        "Default model: every text of the reference files gets Hugging Face's ids",
        arguments: ["reference/tokens-dev.jsonl.gz", "reference/minilm-dev-ids.jsonl.gz"])
    func defaultModelReference(file: String) async throws {
        let tokenizer = try TokenizerFixtures.defaultTokenizer.get()
        #expect(tokenizer.maxLength == 256)
        let rows = try Fixtures.readJSONLines(Fixtures.url(file), as: TokenizerFixtures.Row.self)
        try #require(rows.count > 3000)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { tokenizer.encode($0).ids }
        #expect(result.mismatches == 0, "\(file): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Tiny models: each tokenizer gives its reference ids", arguments: Fixtures.tinyModels)
    func tinyModel(name: String) async throws {
        let tokenizer = try WordPieceTokenizer(modelDirectory: Fixtures.url("tiny/\(name)"))
        let rows = try Fixtures.readJSONLines(Fixtures.url("tiny/\(name).jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count == 160)
        // The reference truncates at the model's length, so the longest row shows that we do too.
        #expect(rows.map(\.ids.count).max() == tokenizer.maxLength)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { tokenizer.encode($0).ids }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("vocab.txt + tokenizer_config.json (no tokenizer.json) gives the same ids")
    func classicLayout() async throws {
        try TokenizerFixtures.withTemporaryFolder { folder in
            try TokenizerFixtures.copyDefaultFiles(
                ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json", "config.json"],
                to: folder)
            let classic = try TokenizerConfiguration.load(fromModelDirectory: folder)
            let modern = try TokenizerFixtures.defaultConfiguration.get()
            #expect(classic.normalizer == modern.normalizer)
            #expect(classic.template == modern.template)
            #expect(classic.wordPiece == modern.wordPiece)
            #expect(classic.specialTokens == modern.specialTokens)
            #expect(classic.addedTokens.sorted { $0.id < $1.id } == modern.addedTokens)
            #expect(classic.maxLength == 256)
            let tokenizer = try WordPieceTokenizer(configuration: classic)
            let rows = try Fixtures.readJSONLines(Fixtures.url("reference/tokens-dev.jsonl.gz"), as: TokenizerFixtures.Row.self)
            let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { tokenizer.encode($0).ids }
            #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
        }
    }

    /// A line of `parity/edge-cases.jsonl.gz`: one text, the ids of four tokenizer set-ups.
    struct EdgeCase: Decodable {
        var text: String
        var uncased: [Int32]
        var cased: [Int32]
        var lowercaseKeepAccents: [Int32]
        var casedWithLowercaseInput: [Int32]
    }

    enum Setup: String, CaseIterable, CustomTestStringConvertible {
        case uncased, cased, lowercaseKeepAccents, casedWithLowercaseInput
        var testDescription: String { rawValue }
    }

    /// The default tokenizer (30,522 tokens) with the normalizer of a tiny model's tokenizer.json:
    /// the set-ups `parity/make_parity_fixtures.py` records. (The tiny models have the default
    /// tokenizer's pipeline and special ids but a 3,000-token vocabulary.)
    static func defaultVocabulary(withNormalizerOf tinyModel: String) throws -> TokenizerConfiguration {
        var configuration = try TokenizerFixtures.defaultConfiguration.get()
        configuration.normalizer = try TokenizerConfiguration.load(fromModelDirectory: Fixtures.url("tiny/\(tinyModel)")).normalizer
        return configuration
    }

    @Test(
        "Unicode stress texts (newer Unicode, format characters, reordering, Hangul, sigma) match",
        arguments: Setup.allCases)
    func edgeCases(setup: Setup) async throws {
        var configuration: TokenizerConfiguration
        switch setup {
        case .uncased:
            configuration = try TokenizerFixtures.defaultConfiguration.get()
        case .cased, .casedWithLowercaseInput:
            configuration = try Self.defaultVocabulary(withNormalizerOf: "tiny-maxmean-cased")
            configuration.lowercaseInput = setup == .casedWithLowercaseInput
        case .lowercaseKeepAccents:
            configuration = try Self.defaultVocabulary(withNormalizerOf: "tiny-sqrtlen-dense")
        }
        configuration.maxLength = 100_000  // the fixture is not truncated
        let tokenizer = try WordPieceTokenizer(configuration: configuration)
        let rows = try Fixtures.readJSONLines(
            TokenizerFixtures.parity.appendingPathComponent("edge-cases.jsonl.gz"), as: EdgeCase.self)
        try #require(rows.count >= 1000)
        let expected: [(String, [Int32])] = rows.map { row in
            switch setup {
            case .uncased: (row.text, row.uncased)
            case .cased: (row.text, row.cased)
            case .lowercaseKeepAccents: (row.text, row.lowercaseKeepAccents)
            case .casedWithLowercaseInput: (row.text, row.casedWithLowercaseInput)
            }
        }
        let result = TokenizerFixtures.compare(expected) { tokenizer.encode($0).ids }
        #expect(result.mismatches == 0, "\(setup): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    /// The first line of `parity/added-tokens.jsonl.gz`.
    struct AddedTokenHeader: Decodable {
        struct Token: Decodable {
            var id: Int
            var content: String
            var single_word: Bool
            var lstrip: Bool
            var rstrip: Bool
            var normalized: Bool
            var special: Bool
        }
        var addedTokens: [Token]
    }

    @Test("Added tokens with every flag (single_word, lstrip, rstrip, normalized) split as Hugging Face does")
    func addedTokenFlags() async throws {
        let url = TokenizerFixtures.parity.appendingPathComponent("added-tokens.jsonl.gz")
        let lines = try Fixtures.text(url).split(separator: "\n")
        let header = try JSONDecoder().decode(AddedTokenHeader.self, from: Data(try #require(lines.first).utf8))
        let rows = try lines.dropFirst().map { try JSONDecoder().decode(TokenizerFixtures.Row.self, from: Data($0.utf8)) }
        var configuration = try TokenizerFixtures.defaultConfiguration.get()
        for token in header.addedTokens {
            configuration.addedTokens.append(
                TokenizerConfiguration.AddedToken(
                    id: token.id, content: token.content, isSpecial: token.special, isNormalized: token.normalized,
                    stripsLeft: token.lstrip, stripsRight: token.rstrip, isSingleWord: token.single_word))
        }
        let tokenizer = try WordPieceTokenizer(configuration: configuration)
        #expect(tokenizer.vocabularySize == 30_528)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { tokenizer.encode($0).ids }
        #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("A configuration survives a JSON round trip and gives identical ids")
    func codableRoundTrip() async throws {
        let configuration = try TokenizerFixtures.defaultConfiguration.get()
        let data = try JSONEncoder().encode(configuration)
        let decoded = try JSONDecoder().decode(TokenizerConfiguration.self, from: data)
        #expect(decoded == configuration)
        let restored = try WordPieceTokenizer(configuration: decoded)
        let rows = try Fixtures.readJSONLines(Fixtures.url("reference/tokens-dev.jsonl.gz"), as: TokenizerFixtures.Row.self)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { restored.encode($0).ids }
        #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Batch encoding (split across cores) equals one-by-one encoding, in order")
    func batchMatchesSingle() async throws {
        let tokenizer = try TokenizerFixtures.defaultTokenizer.get()
        let rows = try Fixtures.readJSONLines(Fixtures.url("reference/tokens-dev.jsonl.gz"), as: TokenizerFixtures.Row.self)
        let texts = rows.map(\.text)
        let batch = tokenizer.encode(batch: texts, maxLength: 64)
        #expect(batch == texts.map { tokenizer.encode($0, maxLength: 64) })
        #expect(tokenizer.encode(batch: []) == [])
    }
}
