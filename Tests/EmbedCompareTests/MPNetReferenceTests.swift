import EmbedCompare
import EmbedCore
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// all-mpnet-base-v2 — the real model, MPNet's relative position bias and all — against the
/// sentence-transformers reference. Runs where `Scripts/test.sh` (or
/// `python3 Scripts/fetch_model.py Models/all-mpnet-base-v2.json`) has fetched the weights; the
/// whole reference file is checked by `Scripts/parity.py` (README, "Parity").
@Suite("all-mpnet-base-v2 against sentence-transformers", .requires(Fixtures.mpnetFolder), .offThePool)
struct MPNetReferenceTests {
    static let folder = Fixtures.mpnetFolder.url

    /// One reference line: the text, sentence-transformers' ids and its 768-d vector.
    struct Reference: Decodable {
        let text: String
        let ids: [Int32]
        let embedding: [Float]
    }

    @Test("150 reference texts: identical ids, cosine ≥ 0.99999 and max |Δ| ≤ 2e-5")
    func referenceTexts() async throws {
        let model = try LocalModel(contentsOf: Self.folder)
        #expect(model.metadata.model.encoder.name == "mpnet")
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/mpnet-dev-150.jsonl.gz"), as: Reference.self)
        try #require(records.count == 150)
        let tokenized = model.tokenizer.encode(batch: records.map(\.text))
        let differing = zip(tokenized, records).filter { $0.0.ids != $0.1.ids }.map(\.1.text)
        #expect(differing.isEmpty, "ids differ for \(differing.count) texts, first \(differing.first.map(\.debugDescription) ?? "")")

        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var worstCosine = 1.0
        var worstDifference: Float = 0
        for (embedding, record) in zip(embeddings, records) {
            worstCosine = min(worstCosine, Similarity.preciseCosine(embedding.vector, record.embedding))
            worstDifference = max(worstDifference, zip(embedding.vector, record.embedding).map { abs($0 - $1) }.max() ?? 0)
        }
        print("all-mpnet-base-v2: 150 texts, worst cosine \(worstCosine), worst max |Δ| \(worstDifference)")
        #expect(worstCosine >= 0.99999)
        #expect(worstDifference <= 2e-5)
    }

    @Test("STS-B dev Spearman ×100 equals the reference pipeline's 88.1091 ± 0.01")
    func stsBenchmark() async throws {
        let model = try LocalModel(contentsOf: Self.folder)
        let gold = try GoldPairs.load(contentsOf: Fixtures.url("reference/stsb-dev.tsv"))
        let texts = gold.texts
        let embeddings = try await LocalEmbedder(model: model).embed(texts)
        let vectors = Dictionary(uniqueKeysWithValues: zip(texts, embeddings.map(\.vector)))
        let rho = try #require(try gold.spearman(vectors: vectors))
        print("all-mpnet-base-v2: STS-B dev Spearman \(rho) on \(gold.pairs.count) pairs")
        #expect(abs(rho - 88.1091) <= 0.01)
    }
}
