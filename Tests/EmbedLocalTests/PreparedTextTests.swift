import EmbedCore
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("Prepared texts: tokenized once (as a server does), embedded exactly as texts are", .offThePool)
struct PreparedTextTests {
    static let models = Fixtures.tinyModels.map { "tiny/\($0)" } + Fixtures.architectureModels.map { "arch/\($0)" }
        + ["nomic/tiny-nomic-bert"]

    @Test("prepare + embed(prepared:) gives embed(_:)'s vectors and token figures bit for bit, prompts and truncation included",
          arguments: models)
    func sameAsTexts(path: String) async throws {
        let model = try LocalModel(contentsOf: Fixtures.url(path))
        let embedder = LocalEmbedder(model: model)
        let long = Array(repeating: "word", count: model.tokenizer.maxLength + 10).joined(separator: " ")
        let texts = ["A man is playing a guitar.", "", "naïve café — 東京 🙂", long]
        var optionSets = [EmbeddingOptions(), EmbeddingOptions(prompt: "query: ")]
        optionSets += embedder.promptNames.map { EmbeddingOptions(promptName: $0) }
        for options in optionSets {
            let direct = try await embedder.embed(texts, options: options)
            let prepared = try await embedder.prepare(texts, options: options)
            let viaPrepared = try await embedder.embed(prepared: prepared, options: options)
            #expect(viaPrepared == direct, "\(path) \(options)")
            #expect(prepared.map(\.tokenCount) == direct.map {
                TokenCount(tokens: $0.tokenCount ?? -1, inputTokens: $0.inputTokenCount ?? -1, isTruncated: $0.isTruncated)
            })
            #expect(try await embedder.tokenCounts(texts, options: options) == prepared.map(\.tokenCount))
            #expect(prepared.last?.isTruncated == true && prepared.last?.ids.count == model.tokenizer.maxLength)
        }
    }

    @Test("prepared input the tokenizer cannot have made is refused with the input's index")
    func refusesForeignInput() async throws {
        let model = try LocalModel(contentsOf: Fixtures.url("tiny/tiny-cls-normalize"))
        let embedder = LocalEmbedder(model: model)
        let vocabulary = model.metadata.model.encoder.vocabularySize
        let tooLong = PreparedText(ids: Array(repeating: 5, count: model.tokenizer.maxLength + 1), inputTokens: model.tokenizer.maxLength + 1)
        for (input, fragment) in [
            (PreparedText(ids: [], inputTokens: 0), "Text 1 is empty"),
            (PreparedText(ids: [1, vocabulary, 2], inputTokens: 3), "outside the vocabulary"),
            (tooLong, "more than the model's"),
        ] {
            let error = await #expect(throws: EmbeddingError.self) {
                try await embedder.embed(prepared: [PreparedText(ids: [1, 2], inputTokens: 2), input], options: EmbeddingOptions())
            }
            #expect(error.map { "\($0)" }?.contains(fragment) == true, "\(String(describing: error))")
        }
    }
}
