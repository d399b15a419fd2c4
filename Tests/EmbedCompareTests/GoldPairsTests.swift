import EmbedCompare
import EmbedTestSupport
import Foundation
import Testing

@Suite("Gold-scored pairs", .offThePool)
struct GoldPairsTests {
    static let stsbDev = Fixtures.url("reference/stsb-dev.tsv")

    @Test("The STS-B dev split parses: 1,500 pairs, extra attribution columns ignored")
    func parsesReferenceFile() async throws {
        let gold = try GoldPairs.load(contentsOf: Self.stsbDev)
        #expect(gold.pairs.count == 1_500)
        let first = try #require(gold.pairs.first)
        #expect(first == GoldPair(
            genre: "main-captions", file: "MSRvid", year: "2012test", id: "0000", score: 5,
            sentence1: "A man with a hard hat is dancing.", sentence2: "A man wearing a hard hat is dancing.", line: 1
        ))
        // Lines 1,479 onwards have 9 columns (a source attribution); the sentences are still 6 and 7.
        let attributed = try #require(gold.pairs.first { $0.sentence1.hasPrefix("US Supreme Court limits") })
        #expect(attributed.sentence2 == "High court checks President's recess appointment power")
        #expect(attributed.score == 5)
        #expect(attributed.line == 1_479)
        #expect(gold.pairs.allSatisfy { (0...5).contains($0.score) })
        #expect(Set(gold.texts).count == gold.texts.count)
        #expect(gold.texts.count > 2_500 && gold.texts.count <= 3_000)
    }

    @Test("A header, blank lines and CRLF line ends are accepted")
    func lenientLayout() async throws {
        let tsv = "genre\tfile\tyear\tid\tscore\tsentence1\tsentence2\r\n\r\ng\tf\t2012\t1\t3.5\tOne.\tTwo.\r\n\n"
        let gold = try GoldPairs.load(tsv: tsv)
        #expect(gold.pairs == [GoldPair(genre: "g", file: "f", year: "2012", id: "1", score: 3.5, sentence1: "One.", sentence2: "Two.", line: 3)])
        #expect(gold.texts == ["One.", "Two."])
    }

    @Test(
        "Malformed files fail with the line at fault",
        arguments: [
            ("g\tf\ty\t1\t5\ta\tb\ng\tf\ty\t2\t4\ta\n", GoldPairsError.tooFewColumns(line: 2, found: 6)),
            ("g\tf\ty\t1\t5\ta\tb\n\ng\tf\ty\t2\tfive\ta\tb\n", .invalidScore(line: 3, value: "five")),
            ("g\tf\ty\t1\tnan\ta\tb\n", .invalidScore(line: 1, value: "nan")),
            ("g\tf\ty\t1\t5\ta\tb\ng\tf\ty\t2\tscore\ta\tb\n", .invalidScore(line: 2, value: "score")),
            ("g\tf\ty\t1\t5\t\tb\n", .emptySentence(line: 1, column: 6)),
            ("g\tf\ty\t1\t5\ta\t\n", .emptySentence(line: 1, column: 7)),
            ("\n\n", .noPairs),
            ("a,b,c\n", .tooFewColumns(line: 1, found: 1)),
        ]
    )
    func malformed(tsv: String, expected: GoldPairsError) async {
        #expect(throws: expected) { try GoldPairs.load(tsv: tsv) }
    }

    @Test("Error messages name the line and the problem")
    func messages() async {
        #expect(GoldPairsError.tooFewColumns(line: 12, found: 3).description.contains("line 12"))
        #expect(GoldPairsError.invalidScore(line: 4, value: "x").description.contains("\"x\""))
        let missing = Fixtures.url("reference/no-such-file.tsv")
        #expect {
            try GoldPairs.load(contentsOf: missing)
        } throws: { error in
            "\(error)".contains("no-such-file.tsv")
        }
    }

    @Test("Spearman × 100 of cosines with ties equals scipy.stats.spearmanr")
    func spearmanWithTies() async throws {
        // The first 12 scores of stsb-dev (ties at 5.0) against pairs whose second sentence sits
        // at these angles from the first (ties at 20° and 30°). Expected value from
        // scipy.stats.spearmanr(np.cos(np.radians(angles)), scores)[0] * 100.
        let scores = [5.0, 4.75, 5.0, 2.4, 2.75, 2.615, 5.0, 2.333, 3.75, 5.0, 3.2, 1.583]
        let angles = [10.0, 20, 20, 45, 60, 5, 30, 30, 80, 15, 50, 25]
        var vectors: [String: [Float]] = [:]
        var pairs: [GoldPair] = []
        for (i, (score, angle)) in zip(scores, angles).enumerated() {
            pairs.append(GoldPair(score: score, sentence1: "first \(i)", sentence2: "second \(i)", line: i + 1))
            vectors["first \(i)"] = TestVectors.angle(0)
            vectors["second \(i)"] = TestVectors.angle(angle)
        }
        let rho = try #require(try GoldPairs(pairs: pairs).spearman(vectors: vectors))
        #expect(abs(rho - 29.645882387253735) < 1e-9)
    }

    @Test("Spearman on all of stsb-dev with bag-of-words vectors equals scipy's figure")
    func spearmanOnReferenceFile() async throws {
        // Each sentence becomes a 256-bucket count of its lower-cased, whitespace-split words
        // (bucket = FNV-1a 32 of the word's UTF-8 mod 256). Many pairs tie (720 distinct cosines
        // for 1,500 pairs), which exercises average ranks. The same construction in Python with
        // scipy.stats.spearmanr gives 53.72714901332716.
        let gold = try GoldPairs.load(contentsOf: Self.stsbDev)
        func bagOfWords(_ text: String) -> [Float] {
            var vector = [Float](repeating: 0, count: 256)
            for word in text.lowercased().split(whereSeparator: \.isWhitespace) {
                var hash: UInt32 = 0x811C_9DC5
                for byte in word.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
                vector[Int(hash % 256)] += 1
            }
            return vector
        }
        var calls = 0
        let rho = try #require(try gold.spearman { text in
            calls += 1
            return bagOfWords(text)
        })
        #expect(abs(rho - 53.72714901332716) < 1e-9)
        #expect(calls == gold.texts.count)  // once per distinct sentence
    }

    @Test("Scoring fails clearly on a missing or mismatched vector, and is nil when undefined")
    func scoringErrors() async throws {
        let gold = GoldPairs(pairs: [
            GoldPair(score: 1, sentence1: "a", sentence2: "b", line: 1),
            GoldPair(score: 2, sentence1: "c", sentence2: "d", line: 2),
        ])
        let full: [String: [Float]] = ["a": [1, 0], "b": [0, 1], "c": [1, 0], "d": [1, 1]]
        var missing = full
        missing["d"] = nil
        #expect(throws: GoldPairsError.missingVector(line: 2, text: "d")) { try gold.spearman(vectors: missing) }
        var short = full
        short["c"] = [1, 0, 0]
        #expect(throws: GoldPairsError.dimensionMismatch(line: 2, first: 3, second: 2)) { try gold.spearman(vectors: short) }
        var broken = full
        broken["a"] = [.nan, 0]
        #expect(throws: GoldPairsError.nonFinite(line: 1)) { try gold.spearman(vectors: broken) }

        #expect(try gold.spearman(vectors: full) == 100)
        let agreement = try gold.agreement(a: full, b: ["a": [1, 0], "b": [1, 0], "c": [1, 0], "d": [0, 1]])
        #expect(agreement == GoldAgreement(pairCount: 2, spearmanA: 100, spearmanB: -100))
        // All scores equal: the correlation is undefined, as scipy's NaN.
        let flat = GoldPairs(pairs: gold.pairs.map { var pair = $0; pair.score = 3; return pair })
        #expect(try flat.spearman(vectors: full) == nil)
    }
}
