import EmbedCompare
import EmbedCore
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// The int8 issue's accuracy bars on the real models: converted with `--dtype int8` here, then
/// measured against sentence-transformers' f32 reference (Benchmarks/README.md, "int8", has the
/// full figures and the peer's).
@Suite("int8 models against sentence-transformers' f32 reference", .offThePool)
struct Int8AccuracyTests {
    /// Converts `folder` to an int8 file in a temporary folder and opens it.
    static func int8Model(_ folder: URL) throws -> (LocalModel, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("int8-accuracy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("model.embed")
        try LocalModel.export(folder: folder, to: file, storage: .int8)
        return (try LocalModel(contentsOf: file), directory)
    }

    @Test("all-MiniLM-L6-v2 in int8: STS-B dev Spearman ×100 within 0.3 of the f32 model's 86.7163",
          .requires(Fixtures.defaultModelFolder))
    func miniLMSTSBenchmark() async throws {
        let (model, directory) = try Self.int8Model(Fixtures.defaultModelFolder.url)
        defer { try? FileManager.default.removeItem(at: directory) }
        let gold = try GoldPairs.load(contentsOf: Fixtures.url("reference/stsb-dev.tsv"))
        let embeddings = try await LocalEmbedder(model: model).embed(gold.texts)
        let rho = try #require(try gold.spearman(vectors: Dictionary(uniqueKeysWithValues: zip(gold.texts, embeddings.map(\.vector)))))
        print("all-MiniLM-L6-v2 int8: STS-B dev Spearman \(rho) on \(gold.pairs.count) pairs")
        #expect(abs(rho - 86.7163) <= 0.3)
    }

    @Test("all-mpnet-base-v2 in int8 on 150 reference texts: every cosine ≥ 0.97, all but one ≥ 0.99",
          .requires(Fixtures.mpnetFolder))
    func mpnetReferenceTexts() async throws {
        let (model, directory) = try Self.int8Model(Fixtures.mpnetFolder.url)
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/mpnet-dev-150.jsonl.gz"), as: MPNetReferenceTests.Reference.self)
        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        let cosines = zip(embeddings, records).map { Similarity.preciseCosine($0.0.vector, $0.1.embedding) }.sorted()
        print("all-mpnet-base-v2 int8, 150 texts: min \(cosines[0]), 2nd \(cosines[1]), median \(cosines[75])")
        #expect(cosines[0] >= 0.97)
        #expect(cosines[1] >= 0.99)  // the 1st percentile of 150 texts
    }
}
