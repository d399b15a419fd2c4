import EmbedKit
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("embed bench's in-process measurements", .offThePool)
struct LocalBenchmarkTests {
    let modelURL = Fixtures.url("tiny/tiny-cls-normalize")
    let corpus = [
        "A man is playing a guitar.", "Someone plays music on a stage tonight.",
        String(repeating: "a long text of many words ", count: 12), "Short.",
    ]

    func options(shortTexts: [String]?, idleCalls: Int) -> LocalBenchmark.Options {
        var options = LocalBenchmark.Options()
        options.batchSize = 2
        options.repetitions = 1
        options.latencyCalls = 3
        options.scaling = false
        options.threadCount = 2
        options.shortTexts = shortTexts
        options.idleCalls = idleCalls
        options.idlePause = .milliseconds(1)
        return options
    }

    @Test("Latency runs on the given short texts, back to back and after a pause")
    func givenShortTexts() async throws {
        let short = ["A dog runs.", "Two women are talking in the kitchen.", "Stocks fell.", "never measured"]
        let report = try await LocalBenchmark(modelURL: modelURL, texts: corpus, options: options(shortTexts: short, idleCalls: 2)).run()
        let tokenizer = try LocalModel(contentsOf: modelURL).tokenizer
        let expected = Double(short.prefix(3).map { tokenizer.encode($0).ids.count }.reduce(0, +)) / 3
        #expect(report.singleTextTokens == expected)
        #expect(report.texts == corpus.count)
        #expect(report.singleTextMedianMilliseconds > 0)
        #expect(report.singleTextP99Milliseconds >= report.singleTextMedianMilliseconds)
        #expect(report.idlePauseMilliseconds == 1)
        #expect(report.singleTextAfterIdleMedianMilliseconds > 0)
        #expect(report.singleTextAfterIdleP99Milliseconds >= report.singleTextAfterIdleMedianMilliseconds)
        #expect(report.cachedLoadMilliseconds > 0 && report.cachedLoadUnverifiedMilliseconds > 0)
    }

    @Test("Without short texts, the corpus texts of at most 32 tokens; no pause figure when not asked")
    func corpusShortTexts() async throws {
        let report = try await LocalBenchmark(modelURL: modelURL, texts: corpus, options: options(shortTexts: nil, idleCalls: 0)).run()
        let tokenizer = try LocalModel(contentsOf: modelURL).tokenizer
        let short = corpus.map { tokenizer.encode($0).ids.count }.filter { $0 <= 32 }
        #expect(short.count == 3)
        #expect(report.singleTextTokens == Double(short.reduce(0, +)) / 3)
        #expect(report.idlePauseMilliseconds == 0)
        #expect(report.singleTextAfterIdleMedianMilliseconds == 0)
    }
}
