/// How closely two embedders agree on the same texts — "is my offline model a faithful stand-in
/// for the hosted one?"
///
/// Made by ``compare(a:b:texts:options:)``; shown by ``render(_:)`` as a text table, JSON or a
/// self-contained HTML page. Three views, from strictest to loosest:
/// - ``perText``: the cosine between A's and B's vector of the same text. Only meaningful when
///   both describe the same space (the same model run two ways), so only computed when the
///   dimensions match.
/// - ``structure``: whether the two spaces *rank* texts alike, whatever their dimensions — the
///   Spearman correlation of all pairwise similarities, and how many nearest neighbours agree.
/// - ``gold``: each side's score on human-judged pairs (STS Benchmark style), set by the caller
///   from ``GoldPairs/agreement(a:b:)``.
public struct ComparisonReport: Sendable, Hashable, Codable {
    /// The version of this report's JSON layout; bumped when a field changes meaning.
    public var formatVersion: Int

    /// Side A: its name and vector length.
    public var a: Side

    /// Side B: its name and vector length.
    public var b: Side

    /// The number of texts compared.
    public var textCount: Int

    /// Statistics of the cosine between A's and B's vector of each text; `nil` when the two sides
    /// have different dimensions.
    public var perText: PerTextCosine?

    /// Agreement of the two similarity structures; computed whatever the dimensions.
    public var structure: StructureAgreement

    /// Both sides' Spearman correlation with human similarity scores, when gold pairs were given.
    public var gold: GoldAgreement?

    /// Creates a report from its parts; ``compare(a:b:texts:options:)`` is the usual way.
    public init(
        a: Side, b: Side, textCount: Int, perText: PerTextCosine?, structure: StructureAgreement,
        gold: GoldAgreement? = nil
    ) {
        formatVersion = 1
        self.a = a
        self.b = b
        self.textCount = textCount
        self.perText = perText
        self.structure = structure
        self.gold = gold
    }

    /// One side of a comparison.
    public struct Side: Sendable, Hashable, Codable {
        /// The side's name, typically its embedder spec.
        public var name: String
        /// The length of the side's vectors.
        public var dimensions: Int

        /// Creates a side.
        public init(name: String, dimensions: Int) {
            self.name = name
            self.dimensions = dimensions
        }
    }

    /// Statistics of the per-text cosine between A's and B's vector of the same text.
    ///
    /// Percentiles interpolate linearly between the two nearest ranks, as `numpy.percentile`
    /// does by default (see ``RankStatistics/percentile(sorted:_:)``).
    public struct PerTextCosine: Sendable, Hashable, Codable {
        /// The lowest cosine.
        public var min: Double
        /// The 1st percentile.
        public var p1: Double
        /// The 5th percentile.
        public var p5: Double
        /// The median (50th percentile).
        public var p50: Double
        /// The arithmetic mean.
        public var mean: Double
        /// The highest cosine.
        public var max: Double
        /// The texts with the lowest cosine, lowest first (ties by index).
        public var worst: [TextCosine]
        /// The distribution of all cosines, for plotting.
        public var histogram: Histogram

        /// Creates statistics.
        public init(
            min: Double, p1: Double, p5: Double, p50: Double, mean: Double, max: Double,
            worst: [TextCosine], histogram: Histogram
        ) {
            self.min = min
            self.p1 = p1
            self.p5 = p5
            self.p50 = p50
            self.mean = mean
            self.max = max
            self.worst = worst
            self.histogram = histogram
        }
    }

    /// The A-vs-B cosine of one text.
    public struct TextCosine: Sendable, Hashable, Codable {
        /// The text's 0-based position in the input.
        public var index: Int
        /// The text.
        public var text: String
        /// The cosine between A's and B's vector of the text.
        public var cosine: Double

        /// Creates an entry.
        public init(index: Int, text: String, cosine: Double) {
            self.index = index
            self.text = text
            self.cosine = cosine
        }
    }

    /// Equal-width bins over `lowerBound...upperBound`; a value on an inner edge counts in the
    /// bin above it, and `upperBound` itself in the last bin.
    public struct Histogram: Sendable, Hashable, Codable {
        /// The lower edge of the first bin.
        public var lowerBound: Double
        /// The upper edge of the last bin.
        public var upperBound: Double
        /// How many values fall in each bin, lowest bin first.
        public var counts: [Int]

        /// Creates a histogram.
        public init(lowerBound: Double, upperBound: Double, counts: [Int]) {
            self.lowerBound = lowerBound
            self.upperBound = upperBound
            self.counts = counts
        }

        /// The width of each bin.
        public var binWidth: Double {
            counts.isEmpty ? 0 : (upperBound - lowerBound) / Double(counts.count)
        }
    }

    /// How alike the two sides' similarity structures are.
    public struct StructureAgreement: Sendable, Hashable, Codable {
        /// The number of distinct text pairs, `n(n − 1)/2`.
        public var totalPairs: Int
        /// The number of pairs the Spearman correlation used: all of them, or a uniform sample of
        /// distinct pairs drawn with ``seed``.
        public var evaluatedPairs: Int
        /// The seed of the pair sample (recorded even when every pair was used).
        public var seed: UInt64
        /// Spearman's rank correlation between the cosine of each evaluated pair within A and
        /// within B; `nil` when undefined (fewer than two pairs, or one side's similarities
        /// are all equal).
        public var spearman: Double?
        /// The number of texts the neighbour overlap is averaged over: all `n`, or a seeded
        /// sample of ``ComparisonOptions/maxNeighbourQueries`` (0 with fewer than two texts).
        public var neighbourQueries: Int
        /// The mean top-k neighbour overlap, one entry per requested k.
        public var neighbourOverlap: [NeighbourOverlap]
        /// Up to ``ComparisonOptions/scatterPoints`` evaluated pairs, for the scatter plot.
        public var scatter: ScatterSample

        /// Creates an agreement summary.
        public init(
            totalPairs: Int, evaluatedPairs: Int, seed: UInt64, spearman: Double?, neighbourQueries: Int,
            neighbourOverlap: [NeighbourOverlap], scatter: ScatterSample
        ) {
            self.totalPairs = totalPairs
            self.evaluatedPairs = evaluatedPairs
            self.seed = seed
            self.spearman = spearman
            self.neighbourQueries = neighbourQueries
            self.neighbourOverlap = neighbourOverlap
            self.scatter = scatter
        }

        /// Whether ``spearman`` used a sample rather than every pair.
        public var isSampled: Bool { evaluatedPairs < totalPairs }
    }

    /// The mean, over the query texts (all texts up to
    /// ``ComparisonOptions/maxNeighbourQueries``), of `|kNN_A(t) ∩ kNN_B(t)| / k`, where
    /// `kNN_X(t)` is the `k` texts most similar to `t` among all texts in space X (by cosine, `t`
    /// itself excluded, ties by index).
    public struct NeighbourOverlap: Sendable, Hashable, Codable {
        /// The requested neighbourhood size.
        public var k: Int
        /// The size actually used: `min(k, n − 1)`.
        public var effectiveK: Int
        /// The mean overlap, from 0 (no neighbour shared) to 1 (the same neighbours).
        public var mean: Double

        /// Creates an entry.
        public init(k: Int, effectiveK: Int, mean: Double) {
            self.k = k
            self.effectiveK = effectiveK
            self.mean = mean
        }
    }

    /// A sample of text pairs with their cosine within A and within B, for the scatter plot:
    /// pair `i` has cosine `a[i]` in A and `b[i]` in B. Values are rounded to 4 decimals, far
    /// finer than a plot can show, to keep the JSON small.
    public struct ScatterSample: Sendable, Hashable, Codable {
        /// The cosines within A.
        public var a: [Double]
        /// The cosines within B, in the same pair order.
        public var b: [Double]

        /// Creates a sample.
        ///
        /// - Precondition: `a.count == b.count`.
        public init(a: [Double], b: [Double]) {
            precondition(a.count == b.count, "a scatter sample needs as many A values as B values")
            self.a = a
            self.b = b
        }

        /// The number of pairs.
        public var count: Int { a.count }

        /// Whether the sample has no pairs.
        public var isEmpty: Bool { a.isEmpty }
    }
}

/// Both sides' Spearman correlation (× 100, as STS results are reported) between the cosine of
/// each gold pair's sentences and its human score.
public struct GoldAgreement: Sendable, Hashable, Codable {
    /// The number of scored pairs.
    public var pairCount: Int
    /// Side A's Spearman × 100; `nil` when undefined (all cosines or all scores equal).
    public var spearmanA: Double?
    /// Side B's Spearman × 100; `nil` when undefined.
    public var spearmanB: Double?

    /// Creates a result.
    public init(pairCount: Int, spearmanA: Double?, spearmanB: Double?) {
        self.pairCount = pairCount
        self.spearmanA = spearmanA
        self.spearmanB = spearmanB
    }
}
