import Foundation

/// One human-scored sentence pair.
public struct GoldPair: Sendable, Hashable, Codable {
    /// The genre column (`main-captions`, `main-news`, …).
    public var genre: String
    /// The source file column (`MSRvid`, `headlines`, …).
    public var file: String
    /// The year column.
    public var year: String
    /// The pair's id within its source.
    public var id: String
    /// The human similarity score (0–5 in STS-B).
    public var score: Double
    /// The first sentence.
    public var sentence1: String
    /// The second sentence.
    public var sentence2: String
    /// The 1-based line of the pair in its file, for error messages.
    public var line: Int

    /// Creates a pair.
    public init(
        genre: String = "", file: String = "", year: String = "", id: String = "", score: Double,
        sentence1: String, sentence2: String, line: Int = 0
    ) {
        self.genre = genre
        self.file = file
        self.year = year
        self.id = id
        self.score = score
        self.sentence1 = sentence1
        self.sentence2 = sentence2
        self.line = line
    }
}

/// Human-scored sentence pairs in the STS Benchmark TSV layout, and the Spearman correlation of
/// an embedder's cosines with their scores — the figure the MTEB STS tasks report.
///
/// The layout is tab-separated, one pair a line: genre, file, year, id, score, sentence 1,
/// sentence 2. Further columns (STS-B attributes some news lines to their source there) are
/// ignored; empty lines and one header line whose fifth column reads `score` are skipped.
/// Columns are taken as is — no trimming, no quote handling — because STS-B quotes nothing.
public struct GoldPairs: Sendable, Hashable {
    /// The pairs, in file order.
    public var pairs: [GoldPair]

    /// Creates a set of pairs.
    public init(pairs: [GoldPair]) {
        self.pairs = pairs
    }

    /// Parses STS-B TSV text.
    ///
    /// - Throws: ``GoldPairsError`` naming the line when a line has fewer than 7 columns, a
    ///   score is not a finite number or a sentence is empty; or when there are no pairs.
    public static func load(tsv: String) throws(GoldPairsError) -> GoldPairs {
        var pairs: [GoldPair] = []
        var lineNumber = 0
        // Split on the byte, not the Character: "\r\n" is one Character and would not match "\n".
        for rawLine in tsv.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine[...]
            if bytes.isEmpty { continue }
            let columns = bytes.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                .map { String(Substring($0)) }
            guard columns.count >= 7 else { throw .tooFewColumns(line: lineNumber, found: columns.count) }
            let scoreText = String(columns[4])
            guard let score = Double(scoreText.trimmingCharacters(in: .whitespaces)), score.isFinite else {
                if pairs.isEmpty, scoreText.lowercased() == "score" { continue }  // a header
                throw .invalidScore(line: lineNumber, value: scoreText)
            }
            guard !columns[5].isEmpty else { throw .emptySentence(line: lineNumber, column: 6) }
            guard !columns[6].isEmpty else { throw .emptySentence(line: lineNumber, column: 7) }
            pairs.append(
                GoldPair(
                    genre: String(columns[0]), file: String(columns[1]), year: String(columns[2]),
                    id: String(columns[3]), score: score,
                    sentence1: String(columns[5]), sentence2: String(columns[6]), line: lineNumber
                )
            )
        }
        guard !pairs.isEmpty else { throw .noPairs }
        return GoldPairs(pairs: pairs)
    }

    /// Reads and parses an STS-B TSV file.
    ///
    /// - Throws: ``GoldPairsError`` when the file cannot be read, is not UTF-8, or does not parse
    ///   (see ``load(tsv:)``).
    public static func load(contentsOf url: URL) throws(GoldPairsError) -> GoldPairs {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8(path: url.path) }
        return try load(tsv: text)
    }

    /// Every distinct sentence, in order of first appearance — what to embed before scoring.
    public var texts: [String] {
        var seen = Set<String>()
        var result: [String] = []
        for pair in pairs {
            for sentence in [pair.sentence1, pair.sentence2] where seen.insert(sentence).inserted {
                result.append(sentence)
            }
        }
        return result
    }

    /// Returns the Spearman correlation × 100 between each pair's cosine and its score, with the
    /// ranks and ties of `scipy.stats.spearmanr` (average ranks, then Pearson), or `nil` when it
    /// is undefined (all cosines or all scores equal).
    ///
    /// Cosines are accumulated in `Double`.
    ///
    /// - Parameter vectorFor: Returns the vector of a sentence, or `nil` when there is none; called
    ///   once per distinct sentence.
    /// - Throws: ``GoldPairsError`` when a sentence has no vector, a vector is empty or not
    ///   finite, or a pair's vectors differ in length; rethrows what `vectorFor` throws.
    public func spearman(vectorFor: (String) throws -> [Float]?) throws -> Double? {
        var vectors: [String: [Float]] = [:]
        for text in texts {
            if let vector = try vectorFor(text) { vectors[text] = vector }
        }
        return try spearman(vectors: vectors)
    }

    /// Returns the Spearman correlation × 100 using vectors looked up by sentence (see
    /// ``spearman(vectorFor:)``).
    ///
    /// - Throws: ``GoldPairsError`` when a sentence has no vector, a vector is empty or not
    ///   finite, or a pair's vectors differ in length.
    public func spearman(vectors: [String: [Float]]) throws(GoldPairsError) -> Double? {
        var cosines: [Double] = []
        cosines.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let first = vectors[pair.sentence1] else {
                throw .missingVector(line: pair.line, text: pair.sentence1)
            }
            guard let second = vectors[pair.sentence2] else {
                throw .missingVector(line: pair.line, text: pair.sentence2)
            }
            guard !first.isEmpty, !second.isEmpty, first.allSatisfy(\.isFinite), second.allSatisfy(\.isFinite) else {
                throw .nonFinite(line: pair.line)
            }
            guard first.count == second.count else {
                throw .dimensionMismatch(line: pair.line, first: first.count, second: second.count)
            }
            cosines.append(UnitVectors.cosine(first, second))
        }
        return RankStatistics.spearman(cosines, pairs.map(\.score)).map { $0 * 100 }
    }

    /// Scores both sides of a comparison, for ``ComparisonReport/gold``.
    ///
    /// - Parameters:
    ///   - a: Side A's vector of every sentence in ``texts``.
    ///   - b: Side B's vector of every sentence in ``texts``.
    /// - Throws: ``GoldPairsError`` as ``spearman(vectorFor:)`` does.
    public func agreement(a: [String: [Float]], b: [String: [Float]]) throws(GoldPairsError) -> GoldAgreement {
        GoldAgreement(pairCount: pairs.count, spearmanA: try spearman(vectors: a), spearmanB: try spearman(vectors: b))
    }
}
