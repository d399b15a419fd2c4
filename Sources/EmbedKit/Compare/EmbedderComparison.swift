import EmbedCompare
import EmbedCore

/// Runs `embed compare`: embeds the same texts (and the sentences of gold pairs) with two
/// embedders and builds a ``EmbedCompare/ComparisonReport``.
///
/// ```swift
/// let comparison = EmbedderComparison(options: ComparisonOptions(nameA: "local", nameB: "openai"))
/// let run = try await comparison.run(a: local, b: openai, texts: texts, goldPairs: pairs)
/// print(try run.report.render(.text))
/// ```
///
/// Each side embeds every distinct text once — the texts and the gold sentences together — in
/// batches of its own ``batchSizes`` entry (a local model and a provider want different sizes,
/// see ``ResolvedEmbedder/defaultBatchSize``), so wrapping the sides in ``EmbedCache/CachingEmbedder`` makes a
/// repeated run free.
public struct EmbedderComparison: Sendable {
    /// Names, sample sizes and the seed of the report.
    public var options: ComparisonOptions
    /// The options both sides embed with (task, dimensions, prompt).
    public var embeddingOptions: EmbeddingOptions
    /// Texts per call to each side's embedder.
    public var batchSizes: (a: Int, b: Int)

    /// Creates a comparison.
    public init(
        options: ComparisonOptions = ComparisonOptions(), embeddingOptions: EmbeddingOptions = EmbeddingOptions(),
        batchSizes: (a: Int, b: Int) = (256, 256)
    ) {
        self.options = options
        self.embeddingOptions = embeddingOptions
        self.batchSizes = (max(1, batchSizes.a), max(1, batchSizes.b))
    }

    /// What a run produced.
    public struct Run: Sendable {
        /// The report, with ``EmbedCompare/ComparisonReport/gold`` set when gold pairs were given.
        public var report: ComparisonReport
        /// How many of the distinct texts each side had to truncate.
        public var truncatedA: Int
        /// How many of the distinct texts side B had to truncate (0 when it does not say).
        public var truncatedB: Int
    }

    /// Which side is working, and how far it is.
    public struct Progress: Sendable, Hashable {
        /// `A` or `B`.
        public var side: String
        /// Distinct texts embedded so far.
        public var done: Int
        /// Distinct texts in all.
        public var total: Int
    }

    /// Embeds and compares.
    ///
    /// - Parameters:
    ///   - a: Side A.
    ///   - b: Side B.
    ///   - texts: The texts compared; may be empty when `goldPairs` is given, which then supplies
    ///     the texts (its distinct sentences).
    ///   - goldPairs: Human-scored pairs to score both sides on.
    ///   - progress: Called after each batch.
    /// - Throws: What the embedders throw; ``EmbedCore/EmbeddingError`` when one returns the wrong
    ///   number of vectors; ``EmbedCompare/ComparisonError`` or ``EmbedCompare/GoldPairsError``
    ///   when the vectors cannot be compared.
    public func run(
        a: any Embedder, b: any Embedder, texts: [String], goldPairs: GoldPairs? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Run {
        let compared = texts.isEmpty ? (goldPairs?.texts ?? []) : texts
        var distinct: [String] = []
        var seen = Set<String>()
        for text in compared + (goldPairs?.texts ?? []) where seen.insert(text).inserted { distinct.append(text) }

        let (vectorsA, truncatedA) = try await embedAll(distinct, with: a, batchSize: batchSizes.a, side: "A", progress: progress)
        let (vectorsB, truncatedB) = try await embedAll(distinct, with: b, batchSize: batchSizes.b, side: "B", progress: progress)
        var report = try ComparisonReport.compare(
            a: compared.map { vectorsA[$0] ?? [] }, b: compared.map { vectorsB[$0] ?? [] }, texts: compared, options: options)
        if let goldPairs { report.gold = try goldPairs.agreement(a: vectorsA, b: vectorsB) }
        return Run(report: report, truncatedA: truncatedA, truncatedB: truncatedB)
    }

    private func embedAll(
        _ texts: [String], with embedder: any Embedder, batchSize: Int, side: String, progress: (@Sendable (Progress) -> Void)?
    ) async throws -> (vectors: [String: [Float]], truncated: Int) {
        var vectors: [String: [Float]] = [:]
        vectors.reserveCapacity(texts.count)
        var truncated = 0
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            let embeddings = try await embedder.embed(batch, options: embeddingOptions)
            guard embeddings.count == batch.count else {
                throw EmbeddingError.countMismatch(expected: batch.count, received: embeddings.count, source: embedder.modelName)
            }
            for (text, embedding) in zip(batch, embeddings) {
                vectors[text] = embedding.vector
                if embedding.isTruncated { truncated += 1 }
            }
            progress?(Progress(side: side, done: start + batch.count, total: texts.count))
        }
        return (vectors, truncated)
    }
}
