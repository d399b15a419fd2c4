/// What to compute and how to label it when comparing two embedders' vectors.
///
/// The defaults suit a comparison of a few thousand texts: every figure is exact up to 632 texts
/// (200,000 pairs); above that the pairwise-similarity correlation uses a deterministic sample,
/// and above 5,000 texts so does the neighbour overlap.
public struct ComparisonOptions: Sendable, Hashable, Codable {
    /// The name of side A in reports, typically its embedder spec (`local:all-MiniLM-L6-v2`).
    public var nameA: String

    /// The name of side B in reports, typically its embedder spec (`openai:text-embedding-3-small`).
    public var nameB: String

    /// How many of the texts with the lowest A-vs-B cosine to list.
    public var worstCount: Int

    /// The neighbourhood sizes for the top-k neighbour overlap; each is capped at `n − 1`.
    public var neighbourCounts: [Int]

    /// The most text pairs used for the Spearman correlation of pairwise similarities; with more
    /// pairs than this, a uniform sample of exactly this many distinct pairs is drawn.
    public var maxPairs: Int

    /// The most texts whose neighbourhoods are compared; with more texts, the top-k overlap is
    /// averaged over a seeded sample of this many (each still searched against all texts), so
    /// that the cost grows as `n`, not `n²`, past this size.
    public var maxNeighbourQueries: Int

    /// The seed of the pair sample (and of the scatter-plot sample), so that a comparison is
    /// reproducible.
    public var seed: UInt64

    /// The most points in the A-vs-B pairwise-similarity scatter plot.
    public var scatterPoints: Int

    /// The number of bars in the per-text cosine histogram.
    public var histogramBins: Int

    /// Creates options.
    public init(
        nameA: String = "A",
        nameB: String = "B",
        worstCount: Int = 10,
        neighbourCounts: [Int] = [1, 5, 10],
        maxPairs: Int = 200_000,
        maxNeighbourQueries: Int = 5_000,
        seed: UInt64 = 20_240_601,
        scatterPoints: Int = 2_000,
        histogramBins: Int = 40
    ) {
        self.nameA = nameA
        self.nameB = nameB
        self.worstCount = worstCount
        self.neighbourCounts = neighbourCounts
        self.maxPairs = maxPairs
        self.maxNeighbourQueries = maxNeighbourQueries
        self.seed = seed
        self.scatterPoints = scatterPoints
        self.histogramBins = histogramBins
    }

    /// Throws when a value is out of range.
    func validate() throws(ComparisonError) {
        guard worstCount >= 0 else {
            throw .invalidOption("worstCount must be 0 or more; got \(worstCount).")
        }
        if let bad = neighbourCounts.first(where: { $0 < 1 }) {
            throw .invalidOption("Every neighbour count must be at least 1; got \(bad).")
        }
        guard maxPairs >= 1 else {
            throw .invalidOption("maxPairs must be at least 1; got \(maxPairs).")
        }
        guard maxNeighbourQueries >= 1 else {
            throw .invalidOption("maxNeighbourQueries must be at least 1; got \(maxNeighbourQueries).")
        }
        guard scatterPoints >= 0 else {
            throw .invalidOption("scatterPoints must be 0 or more; got \(scatterPoints).")
        }
        guard histogramBins >= 1 else {
            throw .invalidOption("histogramBins must be at least 1; got \(histogramBins).")
        }
    }
}
