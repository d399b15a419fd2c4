import EmbedTestSupport
@testable import EmbedTokenizer
import Foundation
import Testing

/// Id parity of the Unigram and BPE tokenizers (and WordPiece with other parts) with the Hugging
/// Face fast tokenizer, on the shared reference files.
@Suite("Token id parity beyond BERT: Unigram, BPE")
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
    func trainedTokenizer(name: String) throws {
        let tokenizer = try Self.tokenizer(json: Fixtures.url("arch/tokenizers/\(name)/tokenizer.json"))
        #expect(tokenizer.modelName == (name == "bpe" ? "BPE" : "Unigram"))
        let rows = try Fixtures.readJSONLines(
            Fixtures.url("arch/tokenizers/\(name)-ids.jsonl"), as: TokenizerFixtures.Row.self)
        try #require(rows.count == 1200)
        let result = TokenizerFixtures.compare(rows.map { ($0.text, $0.ids) }) {
            tokenizer.encode($0, maxLength: nil, strippingInput: false).ids
        }
        #expect(result.mismatches == 0, "\(name): \(result.mismatches) of \(rows.count) texts differ:\(result.report)")
    }

    static let archModels = [
        "tiny-xlmr-mean", "tiny-bert-unigram", "tiny-roberta-bpe", "tiny-modernbert", "tiny-mpnet-mean",
        "tiny-distilbert-cls-dense",
    ]

    @Test("Tiny arch models: the folder's tokenizer gives the reference ids, truncated as the model truncates",
          arguments: archModels)
    func archModel(name: String) throws {
        let folder = Fixtures.url("arch/\(name)")
        let definition = try TokenizerDefinition.load(fromModelDirectory: folder)
        let tokenizer = try definition.makeTokenizer()
        let rows = try Fixtures.readJSONLines(Fixtures.url("arch/\(name).jsonl"), as: TokenizerFixtures.Row.self)
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
}
