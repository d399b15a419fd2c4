import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// One line of a golden file: the text, the ids sentence-transformers fed the model, and the
/// final embedding it returned (7 decimals).
struct GoldenRecord: Decodable, Sendable {
    let text: String
    let ids: [Int32]
    let embedding: [Float]
}

/// Compares vectors with reference vectors and records the first failures.
struct ParityReport: CustomStringConvertible {
    var worstCosine = 1.0
    var worstCosineText = ""
    var worstDifference: Float = 0
    var worstDifferenceText = ""
    var count = 0

    mutating func add(_ vector: [Float], _ reference: GoldenRecord) {
        count += 1
        // Cosine in Double: in Float every value here would round to 1.
        var ab = 0.0, aa = 0.0, bb = 0.0
        var difference: Float = 0
        for (x, y) in zip(vector, reference.embedding) {
            ab += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
            difference = max(difference, abs(x - y))
        }
        let cosine = ab / (aa * bb).squareRoot()
        if cosine < worstCosine {
            worstCosine = cosine
            worstCosineText = reference.text
        }
        if difference > worstDifference {
            worstDifference = difference
            worstDifferenceText = reference.text
        }
    }

    var description: String {
        "\(count) texts: worst cosine \(worstCosine) (\(worstCosineText.debugDescription.prefix(50))), "
            + "worst max |Δ| \(worstDifference) (\(worstDifferenceText.debugDescription.prefix(50)))"
    }
}

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
