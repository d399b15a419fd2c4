import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

/// Id parity of the Unigram and BPE tokenizers (and WordPiece with other parts) with the Hugging
/// Face fast tokenizer, on the shared reference files.
@Suite("Token id parity beyond BERT: Unigram, BPE", .offThePool)
struct PipelineParityTests {
    /// Builds the tokenizer of a bare `tokenizer.json` (no model folder), without truncation.
    static func tokenizer(json url: URL) throws -> PipelineTokenizer {
        let text = try String(contentsOf: url, encoding: .utf8)
        let configuration = try HuggingFaceTokenizerConfiguration(
            tokenizerJSON: text, source: url.path, lowercaseInput: false, maxLength: 1_000_000)
        return try PipelineTokenizer(configuration: configuration)
    }

    @Test(
        "Trained tokenizers: every stress text gets Hugging Face's ids (called directly: no strip, no truncation)",
        arguments: ["unigram", "bpe"])
    func trainedTokenizer(name: String) async throws {
        let tokenizer = try Self.tokenizer(json: Fixtures.url("arch/tokenizers/\(name)/tokenizer.json"))
        #expect(tokenizer.modelName == (name == "bpe" ? "BPE" : "Unigram"))
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("arch/tokenizers/\(name)-ids.jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count == 1200)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Tiny arch models: the folder's tokenizer gives the reference ids, truncated as the model truncates",
          arguments: Fixtures.architectureModels)
    func archModel(name: String) async throws {
        let folder = Fixtures.url("arch/\(name)")
        let definition = try TokenizerDefinition.load(fromModelDirectory: folder)
        let tokenizer = try definition.makeTokenizer()
        let rows = try Fixtures.readJSONLines(Fixtures.url("arch/\(name).jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count == 200)
        #expect(rows.map(\.ids.count).max() == tokenizer.maxLength)
        // The reference calls the tokenizer directly (no strip()); WordPiece drops white space
        // either way.
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { text in
            if let pipeline = tokenizer as? PipelineTokenizer {
                return pipeline.encode(text, maxLength: nil, strippingInput: false).ids
            }
            return tokenizer.encode(text).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    // MARK: tokenizers-extra (generate/make_tokenizer_extras.py)

    struct MetaspaceRow: Decodable {
        var text: String
        var ids: [String: [Int32]]
    }

    static let metaspaceVariants = ["always", "first", "never", "always-nosplit", "legacy"]

    @Test("XLM-R style single Metaspace pre-tokenizer (prepend_scheme always/first/never, split, legacy add_prefix_space)",
          arguments: metaspaceVariants)
    func metaspaceVariant(name: String) async throws {
        let lines = try Fixtures.text(Fixtures.url("tokenizers-extra/metaspace-ids.jsonl.gz"))
            .split(separator: "\n")
        let firstLine = try #require(lines.first)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let variants = try #require(header["variants"] as? [String: Any])
        let preTokenizer = try #require(variants[name])
        let url = Fixtures.url("arch/tokenizers/unigram/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        root["pre_tokenizer"] = preTokenizer
        let text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        let tokenizer = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: text, source: "unigram with \(name)", lowercaseInput: false, maxLength: 1_000_000))
        let rows = try lines.dropFirst().map { try JSONDecoder().decode(MetaspaceRow.self, from: Data($0.utf8)) }
        try #require(rows.count > 250)
        let expected = try rows.map { ($0.text, try #require($0.ids[name])) }
        let result = TokenizerFixtures.compare(expected) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Llama-style SentencePiece BPE: Prepend/Replace normalizer, byte_fallback, fused <unk>, \"a b\" merges")
    func llamaStyleBPE() async throws {
        let tokenizer = try Self.tokenizer(json: Fixtures.url("tokenizers-extra/llama-bpe/tokenizer.json"))
        #expect(tokenizer.modelName == "BPE")
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("tokenizers-extra/llama-bpe-ids.jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count > 250)
        #expect(rows.filter { $0.ids.contains { (3..<259).contains($0) } }.count > 100)  // byte fallback is exercised
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    struct StrippedRow: Decodable {
        var text: String
        var unigram: [Int32]
        var bpe: [Int32]
    }

    @Test("Python's strip() first (older sentence-transformers releases) gives the ids of text.strip()",
          arguments: ["unigram", "bpe"])
    func strippedText(name: String) async throws {
        let tokenizer = try Self.tokenizer(json: Fixtures.url("arch/tokenizers/\(name)/tokenizer.json"))
        let rows = try Fixtures.readJSONLines(Fixtures.url("tokenizers-extra/stripped-ids.jsonl.gz"), as: StrippedRow.self)
        try #require(rows.count > 250)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, name == "bpe" ? $0.bpe : $0.unigram) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: true).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    struct ComponentsRow: Decodable {
        var text: String
        var ids: [String: [Int32]]
    }

    static let componentVariants = [
        "nfkc-lowercase", "nfd-stripaccents-strip", "nfc", "nfkd-strip-right", "punctuation-digits", "split-behaviours",
        "split-invert", "split-gpt2-regex", "bert", "replace-regex-prepend", "nmt-chardelimiter", "first-after-nmt",
        "first-after-strip", "first-after-bert", "first-after-replace",
    ]

    @Test("Other normalizers and pre-tokenizers (NFx, Lowercase, Strip, StripAccents, Replace, Prepend, Nmt, Whitespace, CharDelimiterSplit, Punctuation, Digits, Split behaviours, Bert) in front of the Unigram model",
          arguments: componentVariants)
    func componentVariant(name: String) async throws {
        let lines = try Fixtures.text(Fixtures.url("tokenizers-extra/components-ids.jsonl.gz"))
            .split(separator: "\n")
        let firstLine = try #require(lines.first)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let variant = try #require((header["variants"] as? [String: Any])?[name] as? [String: Any])
        let url = Fixtures.url("arch/tokenizers/unigram/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        root["normalizer"] = variant["normalizer"] ?? NSNull()
        root["pre_tokenizer"] = variant["pre_tokenizer"] ?? NSNull()
        let text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        let tokenizer = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: text, source: "unigram with \(name)", lowercaseInput: false, maxLength: 1_000_000))
        let rows = try lines.dropFirst().map { try JSONDecoder().decode(ComponentsRow.self, from: Data($0.utf8)) }
        try #require(rows.count > 150)
        let expected = try rows.map { ($0.text, try #require($0.ids[name])) }
        let result = TokenizerFixtures.compare(expected) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    static let normalizerNames = ["NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Lowercase"]

    @Test("NFC, NFD, NFKC, NFKD, StripAccents and Lowercase give what tokenizers' normalizers give (hard Unicode cases included)",
          arguments: normalizerNames)
    func unicodeForm(name: String) async throws {
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("tokenizers-extra/unicode-forms.jsonl.gz"), as: [String: String].self)
        try #require(rows.count > 500)
        var mismatches = 0
        for row in rows {
            let text = try #require(row["text"])
            let expected = try #require(row[name]).unicodeScalars.map(\.value)
            let got = CharacterRules.normalize(text.unicodeScalars.map(\.value), with: name)
            if got != expected {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("\(name) of \(text.unicodeScalars.map { String($0.value, radix: 16) }): expected \(expected.map { String($0, radix: 16) }), got \((got ?? []).map { String($0, radix: 16) })")
                }
            }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(rows.count) texts differ")
    }

    @Test("Unigram with byte_fallback: unknown runs become their UTF-8 bytes as <0xXX> pieces")
    func unigramByteFallback() async throws {
        let url = Fixtures.url("arch/tokenizers/unigram/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var model = try #require(root["model"] as? [String: Any])
        var vocab = try #require(model["vocab"] as? [Any])
        let digits = Array("0123456789ABCDEF")
        for byte in 0..<256 { vocab.append(["<0x\(digits[byte >> 4])\(digits[byte & 15])>", -30.0] as [Any]) }
        model["vocab"] = vocab
        model["byte_fallback"] = true
        root["model"] = model
        root["added_tokens"] = (root["added_tokens"] as? [[String: Any]])?.map { token in
            var token = token
            if token["content"] as? String == "<mask>" { token["id"] = vocab.count }
            return token
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        let tokenizer = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: text, source: "unigram with byte_fallback", lowercaseInput: false, maxLength: 1_000_000))
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("tokenizers-extra/unigram-byte-fallback-ids.jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count > 250)
        #expect(rows.filter { $0.ids.contains { (4002..<4258).contains($0) } }.count > 50)  // the fallback is exercised
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Trained BPEs with end_of_word_suffix (CLIP-like, unknowns not fused) and continuing_subword_prefix with ignore_merges",
          arguments: ["bpe-suffix", "bpe-prefix"])
    func bpeOptions(name: String) async throws {
        let tokenizer = try Self.tokenizer(json: Fixtures.url("tokenizers-extra/\(name)/tokenizer.json"))
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("tokenizers-extra/\(name)-ids.jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count > 250)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("Byte-level variants: Llama-3's and Qwen2's split regexes before ByteLevel, add_prefix_space, no regex",
          arguments: ["llama3-split", "qwen2-split", "prefix-space", "no-regex"])
    func byteLevelVariant(name: String) async throws {
        let lines = try Fixtures.text(Fixtures.url("tokenizers-extra/bytelevel-ids.jsonl.gz"))
            .split(separator: "\n")
        let firstLine = try #require(lines.first)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let preTokenizer = try #require((header["variants"] as? [String: Any])?[name])
        let url = Fixtures.url("arch/tokenizers/bpe/tokenizer.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        root["pre_tokenizer"] = preTokenizer
        let text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        let tokenizer = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: text, source: "bpe with \(name)", lowercaseInput: false, maxLength: 1_000_000))
        let rows = try lines.dropFirst().map { try JSONDecoder().decode(MetaspaceRow.self, from: Data($0.utf8)) }
        try #require(rows.count > 200)
        let expected = try rows.map { ($0.text, try #require($0.ids[name])) }
        let result = TokenizerFixtures.compare(expected) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    @Test("A BERT tokenizer.json read by the pipeline gives the WordPiece fast path's ids on the default model's references")
    func bertThroughPipeline() async throws {
        let url = TokenizerFixtures.defaultModel.appendingPathComponent("tokenizer.json")
        let pipeline = try PipelineTokenizer(
            configuration: try HuggingFaceTokenizerConfiguration(
                tokenizerJSON: try String(contentsOf: url, encoding: .utf8), source: url.path, lowercaseInput: false,
                maxLength: 256))
        #expect(pipeline.modelName == "WordPiece")
        let rows = try Fixtures.readJSONLines(Fixtures.url("reference/tokens-dev.jsonl.gz"), as: TokenizerFixtures.Row.self)
        try #require(rows.count > 3000)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) { pipeline.encode($0).ids }
        #expect(result.mismatches == 0, "\(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }
}
