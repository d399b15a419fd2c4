import EmbedCompare
import EmbedCore
import Foundation
import Testing

@Suite("Comparing two sets of vectors", .offThePool)
struct ComparisonTests {
    /// Four texts in the plane. In A they sit at 0°, 10°, 30° and 70°; B moves them to 70°, 0°,
    /// 10° and 30°, so the same set of points is assigned to different texts.
    static let planeA = [0.0, 10, 30, 70].map(TestVectors.angle)
    static let planeB = [70.0, 0, 10, 30].map(TestVectors.angle)

    @Test("Neighbour overlap and pairwise Spearman of a hand-worked permuted space")
    func permutedSpace() async throws {
        let report = try ComparisonReport.compare(
            a: Self.planeA, b: Self.planeB, texts: TestVectors.texts(4),
            options: ComparisonOptions(neighbourCounts: [1, 2, 5])
        )
        // Nearest neighbours. A: 0→1, 1→0, 2→1, 3→2. B: 0→3, 1→2, 2→1, 3→2. Two of four agree.
        // Two nearest. A: {1,2} {0,2} {1,0} {2,1}; B: {3,2} {2,3} {1,3} {2,1}: ½, ½, ½, 1.
        // k = 5 is capped at n − 1 = 3: every other text, so full agreement.
        #expect(report.structure.neighbourOverlap == [
            .init(k: 1, effectiveK: 1, mean: 0.5),
            .init(k: 2, effectiveK: 2, mean: 0.625),
            .init(k: 5, effectiveK: 3, mean: 1),
        ])
        // Pair angles (01, 02, 03, 12, 13, 23): A (10, 30, 70, 20, 60, 40), B (70, 60, 40, 10, 30,
        // 20). Ranks (1,3,6,2,5,4) vs (6,5,4,1,3,2): Σd² = 42, ρ = 1 − 6·42/(6·35) = −0.2.
        let rho = try #require(report.structure.spearman)
        #expect(abs(rho - -0.2) < 1e-9)
        #expect(report.structure.totalPairs == 6)
        #expect(report.structure.evaluatedPairs == 6)
        #expect(!report.structure.isSampled)
        #expect(report.structure.scatter.count == 6)
    }

    @Test("Per-text cosine statistics of the hand-worked space")
    func perTextStatistics() async throws {
        let report = try ComparisonReport.compare(
            a: Self.planeA, b: Self.planeB, texts: ["zero", "ten", "thirty", "seventy"],
            options: ComparisonOptions(worstCount: 3)
        )
        let stats = try #require(report.perText)
        // Each text moved by 70°, 10°, 20° and 40°.
        func cosine(_ degrees: Double) -> Double { cos(degrees * .pi / 180) }
        let tolerance = 1e-6
        #expect(abs(stats.min - cosine(70)) < tolerance)
        #expect(abs(stats.max - cosine(10)) < tolerance)
        #expect(abs(stats.mean - (cosine(70) + cosine(10) + cosine(20) + cosine(40)) / 4) < tolerance)
        // Sorted (cos 70, cos 40, cos 20, cos 10): p50 at position 1.5, p5 at 0.15, p1 at 0.03.
        #expect(abs(stats.p50 - (cosine(40) + cosine(20)) / 2) < tolerance)
        #expect(abs(stats.p5 - (cosine(70) + 0.15 * (cosine(40) - cosine(70)))) < tolerance)
        #expect(abs(stats.p1 - (cosine(70) + 0.03 * (cosine(40) - cosine(70)))) < tolerance)
        #expect(stats.worst.map(\.index) == [0, 3, 2])
        #expect(stats.worst.map(\.text) == ["zero", "seventy", "thirty"])
        #expect(stats.histogram.counts.reduce(0, +) == 4)
        #expect(stats.histogram.lowerBound <= stats.min && stats.max <= stats.histogram.upperBound)
    }

    @Test("Identical spaces agree perfectly")
    func identical() async throws {
        let vectors = TestVectors.random(count: 30, dimensions: 24, seed: 7)
        let report = try ComparisonReport.compare(a: vectors, b: vectors, texts: TestVectors.texts(30))
        let stats = try #require(report.perText)
        #expect(abs(stats.min - 1) < 1e-12)
        #expect(abs(try #require(report.structure.spearman) - 1) < 1e-12)
        #expect(report.structure.neighbourOverlap.map(\.mean) == [1, 1, 1])
        #expect(report.structure.neighbourOverlap.map(\.effectiveK) == [1, 5, 10])
    }

    @Test("Different dimensions skip the per-text cosine but still compare the structure")
    func dimensionMismatch() async throws {
        // B is A rotated into three dimensions with a scale: the same geometry, a different space.
        let a = TestVectors.random(count: 20, dimensions: 2, seed: 3)
        let b = a.map { [0.6 * $0[0] * 3, $0[1] * 3, 0.8 * $0[0] * 3] }
        let report = try ComparisonReport.compare(
            a: a, b: b, texts: TestVectors.texts(20), options: ComparisonOptions(nameA: "local", nameB: "hosted")
        )
        #expect(report.perText == nil)
        #expect(report.a == .init(name: "local", dimensions: 2))
        #expect(report.b == .init(name: "hosted", dimensions: 3))
        #expect(abs(try #require(report.structure.spearman) - 1) < 1e-6)
        #expect(report.structure.neighbourOverlap.allSatisfy { $0.mean == 1 })
    }

    @Test(
        "Structure figures match a brute-force computation, on one thread and on several",
        arguments: [(40, 16), (300, 64)]
    )
    func bruteForce(count: Int, dimensions: Int) async throws {
        let a = TestVectors.random(count: count, dimensions: dimensions, seed: 11)
        let b = TestVectors.perturbed(a, by: 0.6, seed: 12)
        let report = try ComparisonReport.compare(a: a, b: b, texts: TestVectors.texts(count))

        var similaritiesA: [Double] = [], similaritiesB: [Double] = []
        for i in 0..<count {
            for j in (i + 1)..<count {
                similaritiesA.append(Double(Similarity.cosine(a[i], a[j])))
                similaritiesB.append(Double(Similarity.cosine(b[i], b[j])))
            }
        }
        let expected = try #require(RankStatistics.spearman(similaritiesA, similaritiesB))
        let rho = try #require(report.structure.spearman)
        #expect(abs(rho - expected) < 1e-4)
        #expect(rho > 0.3 && rho < 0.99)  // noisy but related: a real test of the ranks

        func neighbours(_ vectors: [[Float]], of i: Int, k: Int) -> Set<Int> {
            var others: [(index: Int, similarity: Float)] = []
            for j in 0..<count where j != i {
                others.append((j, Similarity.cosine(vectors[i], vectors[j])))
            }
            others.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.index < $1.index) }
            return Set(others.prefix(k).map { $0.index })
        }
        for entry in report.structure.neighbourOverlap {
            let k = entry.effectiveK
            let mean = (0..<count).map { i in
                Double(neighbours(a, of: i, k: k).intersection(neighbours(b, of: i, k: k)).count) / Double(k)
            }.reduce(0, +) / Double(count)
            #expect(abs(entry.mean - mean) < 1e-9, "k = \(k)")
        }
    }

    @Test("Large inputs use a reproducible sample of distinct pairs")
    func sampledPairs() async throws {
        let a = TestVectors.random(count: 120, dimensions: 8, seed: 21)
        let b = TestVectors.perturbed(a, by: 0.4, seed: 22)
        let texts = TestVectors.texts(120)
        let options = ComparisonOptions(maxPairs: 1_000, seed: 5, scatterPoints: 50)
        let first = try ComparisonReport.compare(a: a, b: b, texts: texts, options: options)
        let second = try ComparisonReport.compare(a: a, b: b, texts: texts, options: options)
        #expect(first == second)
        #expect(first.structure.totalPairs == 7_140)
        #expect(first.structure.evaluatedPairs == 1_000)
        #expect(first.structure.isSampled)
        #expect(first.structure.scatter.count == 50)

        var reseeded = options
        reseeded.seed = 6
        let other = try ComparisonReport.compare(a: a, b: b, texts: texts, options: reseeded)
        #expect(other.structure.spearman != first.structure.spearman)
        // A sample of 1,000 of 7,140 pairs estimates the full figure closely.
        let full = try ComparisonReport.compare(a: a, b: b, texts: texts)
        #expect(!full.structure.isSampled)
        let estimate = try #require(first.structure.spearman), exact = try #require(full.structure.spearman)
        #expect(abs(estimate - exact) < 0.05)
        // The neighbour overlap never samples.
        #expect(first.structure.neighbourOverlap == full.structure.neighbourOverlap)

        let same = try ComparisonReport.compare(a: a, b: a, texts: texts, options: options)
        #expect(abs(try #require(same.structure.spearman) - 1) < 1e-12)
    }

    @Test("Beyond maxNeighbourQueries texts the overlap is averaged over a sample; the pairs are unaffected")
    func sampledNeighbourQueries() async throws {
        let a = TestVectors.random(count: 150, dimensions: 12, seed: 41)
        let b = TestVectors.perturbed(a, by: 0.3, seed: 42)
        let texts = TestVectors.texts(150)
        let full = try ComparisonReport.compare(a: a, b: b, texts: texts, options: .init(maxPairs: 3_000))
        let sampled = try ComparisonReport.compare(
            a: a, b: b, texts: texts, options: .init(maxPairs: 3_000, maxNeighbourQueries: 60)
        )
        #expect(full.structure.neighbourQueries == 150)
        #expect(sampled.structure.neighbourQueries == 60)
        // The same pairs, computed by the row pass or one by one, give identical similarities.
        #expect(sampled.structure.spearman == full.structure.spearman)
        #expect(sampled.structure.scatter == full.structure.scatter)
        for (estimate, exact) in zip(sampled.structure.neighbourOverlap, full.structure.neighbourOverlap) {
            #expect(abs(estimate.mean - exact.mean) < 0.12, "k = \(exact.k)")
        }
        let text = try sampled.render(.text)
        #expect(text.contains("mean over 60 sampled texts"))

        let identical = try ComparisonReport.compare(a: a, b: a, texts: texts, options: .init(maxNeighbourQueries: 7))
        #expect(identical.structure.neighbourOverlap.allSatisfy { $0.mean == 1 })
        #expect(identical.structure.neighbourQueries == 7)
    }

    @Test("A single text has per-text figures but no pairs")
    func singleText() async throws {
        let report = try ComparisonReport.compare(a: [[1, 0]], b: [[1, 1]], texts: ["only"])
        #expect(report.structure.totalPairs == 0)
        #expect(report.structure.spearman == nil)
        #expect(report.structure.neighbourOverlap.isEmpty)
        #expect(abs(try #require(report.perText).p50 - 0.5.squareRoot()) < 1e-6)
    }

    @Test("Invalid input is rejected with a precise error")
    func invalidInput() async {
        let two: [[Float]] = [[1, 0], [0, 1]]
        #expect(throws: ComparisonError.noTexts) {
            try ComparisonReport.compare(a: [], b: [], texts: [])
        }
        #expect(throws: ComparisonError.countMismatch(side: "B", vectors: 1, texts: 2)) {
            try ComparisonReport.compare(a: two, b: [[1, 0]], texts: ["x", "y"])
        }
        #expect(throws: ComparisonError.countMismatch(side: "A (local)", vectors: 2, texts: 3)) {
            try ComparisonReport.compare(a: two, b: two, texts: ["x", "y", "z"], options: .init(nameA: "local"))
        }
        #expect(throws: ComparisonError.nonFinite(side: "A", index: 1, component: 0)) {
            try ComparisonReport.compare(a: [[1, 0], [.nan, 1]], b: two, texts: ["x", "y"])
        }
        #expect(throws: ComparisonError.nonFinite(side: "B", index: 0, component: 1)) {
            try ComparisonReport.compare(a: two, b: [[1, .infinity], [0, 1]], texts: ["x", "y"])
        }
        #expect(throws: ComparisonError.inconsistentDimensions(side: "A", index: 1, expected: 2, found: 3)) {
            try ComparisonReport.compare(a: [[1, 0], [0, 1, 2]], b: two, texts: ["x", "y"])
        }
        #expect(throws: ComparisonError.emptyVector(side: "B", index: 0)) {
            try ComparisonReport.compare(a: two, b: [[], []], texts: ["x", "y"])
        }
        #expect(throws: ComparisonError.self) {
            try ComparisonReport.compare(a: two, b: two, texts: ["x", "y"], options: .init(neighbourCounts: [0]))
        }
        let message = ComparisonError.countMismatch(side: "B", vectors: 1, texts: 2).description
        #expect(message.contains("1 vectors for 2 texts"))
    }
}
