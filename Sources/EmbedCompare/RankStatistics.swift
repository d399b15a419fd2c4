/// Rank statistics used by the comparison: average ranks, Pearson and Spearman correlation, and
/// percentiles — written to give the same numbers as `scipy.stats.rankdata`,
/// `scipy.stats.spearmanr` and `numpy.percentile`.
///
/// Inputs must be finite; the comparison rejects NaN and infinity before it gets here.
public enum RankStatistics {
    /// Returns the 1-based rank of every value, giving tied values the average of the ranks they
    /// span (`scipy.stats.rankdata(method="average")`).
    ///
    /// `[10, 20, 20, 30]` ranks as `[1, 2.5, 2.5, 4]`.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            // Positions start..<end (0-based) hold equal values: ranks start+1 ... end, averaged.
            let rank = Double(start + 1 + end) / 2
            for position in start..<end { ranks[order[position]] = rank }
            start = end
        }
        return ranks
    }

    /// Returns Pearson's correlation coefficient of two equally long samples, or `nil` when it is
    /// undefined: fewer than two values, or one sample is constant (where SciPy returns NaN).
    ///
    /// - Precondition: `x.count == y.count`.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "samples must have the same length (\(x.count) vs \(y.count))")
        let n = x.count
        guard n >= 2 else { return nil }
        var meanX = 0.0, meanY = 0.0
        for i in 0..<n {
            meanX += x[i]
            meanY += y[i]
        }
        meanX /= Double(n)
        meanY /= Double(n)
        // Two passes (mean first, then centred sums) rather than the one-pass formula, which
        // loses most of its digits when the values are large relative to their spread.
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = x[i] - meanX, dy = y[i] - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }

    /// Returns Spearman's rank correlation of two equally long samples — Pearson's correlation of
    /// their average ranks, exactly as `scipy.stats.spearmanr` computes it — or `nil` when it is
    /// undefined (fewer than two values, or one sample is constant).
    ///
    /// - Precondition: `x.count == y.count`.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "samples must have the same length (\(x.count) vs \(y.count))")
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// Returns the `p`-th percentile of values sorted in ascending order, interpolating linearly
    /// between the two nearest ranks (`numpy.percentile`'s default, Hyndman & Fan type 7).
    ///
    /// With `n` values the percentile sits at 0-based position `h = (n − 1) · p / 100`; the
    /// result is `sorted[⌊h⌋] + (h − ⌊h⌋) · (sorted[⌊h⌋ + 1] − sorted[⌊h⌋])`. So p0 is the
    /// minimum, p100 the maximum and p50 the median.
    ///
    /// - Precondition: `sorted` is non-empty and ascending; `0 ≤ p ≤ 100`.
    public static func percentile(sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty, "percentile of an empty sample")
        precondition(p >= 0 && p <= 100, "percentile must be between 0 and 100, got \(p)")
        let position = Double(sorted.count - 1) * p / 100
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
    }
}
