import EmbedCompare
import Testing

@Suite("Rank statistics", .offThePool)
struct RankStatisticsTests {
    @Test("Average ranks give tied values the mean of the ranks they span (scipy rankdata)")
    func averageRanks() async {
        #expect(RankStatistics.averageRanks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6])
        #expect(RankStatistics.averageRanks([3, 1, 4, 1, 5, 9, 2, 6]) == [4, 1.5, 5, 1.5, 6, 8, 3, 7])
        #expect(RankStatistics.averageRanks([7, 7, 7]) == [2, 2, 2])
        #expect(RankStatistics.averageRanks([]) == [])
    }

    @Test(
        "Spearman matches hand-computed and scipy.stats.spearmanr values",
        arguments: [
            // scipy's documentation example: one tie in y.
            ([1, 2, 3, 4, 5], [5, 6, 7, 8, 7], 0.8207826816681233),
            // No ties: 1 − 6·Σd²/(n(n²−1)) = 1 − 6·4/120.
            ([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], 0.8),
            // Monotone but not linear: ranks agree perfectly.
            ([1, 2, 3, 4], [1, 4, 9, 16], 1),
            ([1, 2, 3, 4], [16, 9, 4, 1], -1),
            // Ties on both sides that cancel out: centred ranks (−1,−1,1,1)·(−1,1,−1,1) = 0.
            ([1, 1, 2, 2], [1, 2, 1, 2], 0),
            // One tie: ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4) give 4.5/√(4.5·5) = 3/√10.
            ([1, 2, 2, 3], [1, 2, 3, 4], 0.9486832980505138),
            // scipy.stats.spearmanr, ties on both sides.
            ([0.9, 0.8, 0.8, 0.3, 0.5, 0.5, 0.1], [5, 4, 4.5, 1, 2, 2, 0.5], 0.9908673886137246),
        ] as [([Double], [Double], Double)]
    )
    func spearman(x: [Double], y: [Double], expected: Double) async throws {
        let rho = try #require(RankStatistics.spearman(x, y))
        #expect(abs(rho - expected) < 1e-12)
        // Symmetric in its arguments.
        #expect(abs((RankStatistics.spearman(y, x) ?? .nan) - expected) < 1e-12)
    }

    @Test("Spearman is undefined for a constant sample or fewer than two values")
    func undefinedSpearman() async {
        #expect(RankStatistics.spearman([1, 1, 1], [1, 2, 3]) == nil)
        #expect(RankStatistics.spearman([1, 2, 3], [4, 4, 4]) == nil)
        #expect(RankStatistics.spearman([1], [2]) == nil)
        #expect(RankStatistics.spearman([], []) == nil)
    }

    @Test("Pearson uses centred sums, so large offsets keep their precision")
    func pearsonOffset() async throws {
        let x: [Double] = [1e9 + 1, 1e9 + 2, 1e9 + 3]
        let y: [Double] = [2, 4, 6.5]
        let r = try #require(RankStatistics.pearson(x, y))
        // Centred: dx = (−1, 0, 1), dy = (−2.1667, −0.1667, 2.3333): r = 4.5 / √(2 · 10.1667).
        #expect(abs(r - 4.5 / (2 * 10.166666666666666).squareRoot()) < 1e-9)
    }

    @Test("Percentiles interpolate linearly between ranks, like numpy.percentile")
    func percentiles() async {
        let hundred = (1...100).map(Double.init)
        // numpy.percentile(np.arange(1, 101), [1, 5, 50]) == [1.99, 5.95, 50.5]
        #expect(abs(RankStatistics.percentile(sorted: hundred, 1) - 1.99) < 1e-12)
        #expect(abs(RankStatistics.percentile(sorted: hundred, 5) - 5.95) < 1e-12)
        #expect(RankStatistics.percentile(sorted: hundred, 50) == 50.5)
        #expect(RankStatistics.percentile(sorted: hundred, 0) == 1)
        #expect(RankStatistics.percentile(sorted: hundred, 100) == 100)
        #expect(RankStatistics.percentile(sorted: [0.25], 5) == 0.25)
        #expect(RankStatistics.percentile(sorted: [0, 10], 5) == 0.5)
    }
}
