import EmbedCore

extension ComparisonReport {
    /// Compares two embedders' vectors of the same texts.
    ///
    /// - Parameters:
    ///   - a: Side A's vector of each text, in text order; all of one length.
    ///   - b: Side B's vector of each text, in text order; all of one length, which may differ
    ///     from A's.
    ///   - texts: The texts, used to count and to name the worst-agreeing ones.
    ///   - options: Names, sample sizes and the seed.
    /// - Returns: The report, without ``gold`` (see ``GoldPairs/agreement(a:b:)``).
    /// - Throws: ``ComparisonError`` when there are no texts, a side's vector count differs from
    ///   the text count, a side mixes lengths or has an empty vector, a component is NaN or
    ///   infinite, or an option is out of range.
    ///
    /// Cost: `O(q · n · (dA + dB))` for the neighbour overlap, where `q = min(n,
    /// maxNeighbourQueries)`, spread over the available cores: about two seconds for 2,000 texts
    /// at 384 + 1,536 dimensions on two busy cores in a release build.
    public static func compare(
        a: [[Float]], b: [[Float]], texts: [String], options: ComparisonOptions = ComparisonOptions()
    ) throws(ComparisonError) -> ComparisonReport {
        try options.validate()
        guard !texts.isEmpty else { throw .noTexts }
        let dimensionsA = try validated(a, side: label("A", options.nameA), textCount: texts.count)
        let dimensionsB = try validated(b, side: label("B", options.nameB), textCount: texts.count)

        let perText = dimensionsA == dimensionsB ? perTextCosine(a: a, b: b, texts: texts, options: options) : nil
        return ComparisonReport(
            a: Side(name: options.nameA, dimensions: dimensionsA),
            b: Side(name: options.nameB, dimensions: dimensionsB),
            textCount: texts.count,
            perText: perText,
            structure: structureAgreement(a: a, b: b, options: options)
        )
    }

    private static func label(_ side: String, _ name: String) -> String {
        name == side ? side : "\(side) (\(name))"
    }

    /// Checks one side and returns its vector length.
    private static func validated(_ vectors: [[Float]], side: String, textCount: Int) throws(ComparisonError) -> Int {
        guard vectors.count == textCount else {
            throw .countMismatch(side: side, vectors: vectors.count, texts: textCount)
        }
        let dimensions = vectors.first?.count ?? 0
        for (index, vector) in vectors.enumerated() {
            guard !vector.isEmpty else { throw .emptyVector(side: side, index: index) }
            guard vector.count == dimensions else {
                throw .inconsistentDimensions(side: side, index: index, expected: dimensions, found: vector.count)
            }
            if let component = vector.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(side: side, index: index, component: component)
            }
        }
        return dimensions
    }

    private static func perTextCosine(a: [[Float]], b: [[Float]], texts: [String], options: ComparisonOptions) -> PerTextCosine {
        let cosines = zip(a, b).map { UnitVectors.cosine($0, $1) }
        let sorted = cosines.sorted()
        let worst = cosines.indices
            .sorted { cosines[$0] < cosines[$1] || (cosines[$0] == cosines[$1] && $0 < $1) }
            .prefix(options.worstCount)
            .map { TextCosine(index: $0, text: texts[$0], cosine: cosines[$0]) }
        return PerTextCosine(
            min: sorted[0],
            p1: RankStatistics.percentile(sorted: sorted, 1),
            p5: RankStatistics.percentile(sorted: sorted, 5),
            p50: RankStatistics.percentile(sorted: sorted, 50),
            mean: cosines.reduce(0, +) / Double(cosines.count),
            max: sorted[sorted.count - 1],
            worst: worst,
            histogram: histogram(sorted: sorted, bins: options.histogramBins)
        )
    }

    /// Bins over the range of the values, widened to whole thousandths so that the axis labels
    /// are round numbers.
    static func histogram(sorted: [Double], bins: Int) -> Histogram {
        guard let first = sorted.first, let last = sorted.last else {
            return Histogram(lowerBound: 0, upperBound: 1, counts: [Int](repeating: 0, count: bins))
        }
        let lower = (first * 1000).rounded(.down) / 1000
        var upper = (last * 1000).rounded(.up) / 1000
        if upper <= lower { upper = lower + 0.001 }
        var counts = [Int](repeating: 0, count: bins)
        let width = (upper - lower) / Double(bins)
        for value in sorted {
            let bin = Int(((value - lower) / width).rounded(.down))
            counts[min(bins - 1, max(0, bin))] += 1
        }
        return Histogram(lowerBound: lower, upperBound: upper, counts: counts)
    }

    private static func structureAgreement(a: [[Float]], b: [[Float]], options: ComparisonOptions) -> StructureAgreement {
        let n = a.count
        let totalPairs = n * (n - 1) / 2
        var generator = SeededGenerator(seed: options.seed)
        let pairs = PairList(textCount: n, limit: options.maxPairs, generator: &generator)
        let ks = n >= 2 ? options.neighbourCounts : []
        let kMax = max(min(ks.max() ?? 0, n - 1), 0)

        // Above maxNeighbourQueries texts, the overlap is averaged over a seeded sample of query
        // texts (their neighbours are still searched among all n), with its own stream.
        var queryGenerator = SeededGenerator(seed: options.seed ^ 0x0E16_4B0A_0E16_4B0A)
        let queries = n <= options.maxNeighbourQueries
            ? Array(0..<n)
            : queryGenerator.sampleSorted(options.maxNeighbourQueries, from: UInt64(n)).map { Int($0) }

        let pass = StructurePass(a: UnitVectors(a), b: UnitVectors(b), kMax: kMax, queries: ks.isEmpty ? [] : queries, pairs: pairs)

        let overlaps = ks.map { k in
            let effectiveK = min(k, n - 1)
            var total = 0.0
            for slot in queries.indices {
                let row = slot * pass.kMax
                let neighboursA = Set(pass.neighboursA[row..<(row + effectiveK)])
                let shared = pass.neighboursB[row..<(row + effectiveK)].filter { neighboursA.contains($0) }.count
                total += Double(shared) / Double(effectiveK)
            }
            return NeighbourOverlap(k: k, effectiveK: effectiveK, mean: total / Double(queries.count))
        }

        let similaritiesA = pass.pairSimilarityA.map(Double.init)
        let similaritiesB = pass.pairSimilarityB.map(Double.init)

        // The scatter plot gets its own stream, so changing its size leaves the pair sample alone.
        var scatterGenerator = SeededGenerator(seed: options.seed ^ 0x5CA7_7E25_CA77_E250)
        let shown = min(options.scatterPoints, pairs.count)
        let shownPairs = scatterGenerator.sampleSorted(shown, from: UInt64(pairs.count)).map { Int($0) }
        func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
        let scatter = ScatterSample(
            a: shownPairs.map { rounded(similaritiesA[$0]) }, b: shownPairs.map { rounded(similaritiesB[$0]) }
        )

        return StructureAgreement(
            totalPairs: totalPairs,
            evaluatedPairs: pairs.count,
            seed: options.seed,
            spearman: RankStatistics.spearman(similaritiesA, similaritiesB),
            neighbourQueries: ks.isEmpty ? 0 : queries.count,
            neighbourOverlap: overlaps,
            scatter: scatter
        )
    }
}
