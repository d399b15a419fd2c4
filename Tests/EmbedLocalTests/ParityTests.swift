import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("Parity with sentence-transformers", .offThePool)
struct ParityTests {
    /// Runs the model in `fixtures/NAME` on the golden ids of `fixtures/NAME.jsonl.gz` and checks the
    /// vectors at the parity bars.
    private func checkGolden(_ fixtures: String, _ name: String, count: Int) async throws {
        let encoder = try SentenceEncoder(folder: Fixtures.url("\(fixtures)/\(name)"))
        let records = try Fixtures.readJSONLines(Fixtures.url("\(fixtures)/\(name).jsonl.gz"), as: GoldenRecord.self)
        try #require(records.count == count)
        let vectors = try await offThePool { try encoder.encode(records.map(\.ids)) }
        var report = ParityReport()
        for (vector, record) in zip(vectors, records) {
            try #require(vector.count == record.embedding.count, "dimension of \(record.text.debugDescription)")
            report.add(vector, record)
        }
        print("\(name): \(report)")
        #expect(report.worstCosine >= 0.99999, "\(report)")
        #expect(report.worstDifference <= 2e-5, "\(report)")
    }

    @Test("Tiny models match their golden embeddings", arguments: Fixtures.tinyModels)
    func tinyModelMatchesGolden(name: String) async throws {
        try await checkGolden("tiny", name, count: 160)
    }

    @Test("Each architecture's tiny model matches its golden embeddings", arguments: Fixtures.architectureModels)
    func architectureMatchesGolden(name: String) async throws {
        try await checkGolden("arch", name, count: 200)
    }

    @Test("NomicBERT (nomic-embed-text's architecture) matches the model's own remote code")
    func nomicMatchesGolden() async throws {
        try await checkGolden("nomic", "tiny-nomic-bert", count: 200)
    }

    @Test("all-MiniLM-L6-v2 matches sentence-transformers on 603 texts", .requires(Fixtures.defaultModelFolder))
    func defaultModelMatchesGolden() async throws {
        let folder = Fixtures.defaultModelFolder.url
        let encoder = try SentenceEncoder(folder: folder)
        #expect(encoder.outputDimension == 384)
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"), as: GoldenRecord.self)
        try #require(records.count == 603)
        let ids = records.map(\.ids)
        let start = ContinuousClock.now
        let vectors = try await offThePool { try encoder.encode(ids) }
        let elapsed = ContinuousClock.now - start
        var report = ParityReport()
        for (vector, record) in zip(vectors, records) { report.add(vector, record) }
        let tokens = records.reduce(0) { $0 + $1.ids.count }
        print("all-MiniLM-L6-v2: \(report); \(tokens) tokens in \(elapsed)")
        #expect(report.worstCosine >= 0.99999, "\(report)")
        #expect(report.worstDifference <= 2e-5, "\(report)")
    }
}
