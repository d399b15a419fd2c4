import EmbedCompare
import EmbedCore
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("STS Benchmark with the default model", .offThePool)
struct StsBenchmarkTests {
    /// sentence-transformers' figure for all-MiniLM-L6-v2 on the STS-B dev split, from the
    /// reference pipeline (see Tests/Fixtures/README.md).
    static let referenceSpearman = 86.7163

    @Test("Spearman ×100 of cosine vs gold on STS-B dev equals the reference pipeline's 86.7163 ± 0.01",
          .requires(Fixtures.defaultModel))
    func stsbDev() async throws {
        let gold = try GoldPairs.load(contentsOf: Fixtures.url("reference/stsb-dev.tsv"))
        #expect(gold.pairs.count == 1500)
        let embedder = LocalEmbedder(model: try LocalModel(contentsOf: Fixtures.defaultModel.url))
        let texts = gold.texts
        let vectors = try await embedder.vectors(texts)
        let byText = Dictionary(uniqueKeysWithValues: zip(texts, vectors))
        let spearman = try #require(try gold.spearman(vectors: byText))
        print("STS-B dev: Spearman ×100 = \(String(format: "%.4f", spearman)) (reference \(Self.referenceSpearman))")
        #expect(abs(spearman - Self.referenceSpearman) <= 0.01)
    }
}
