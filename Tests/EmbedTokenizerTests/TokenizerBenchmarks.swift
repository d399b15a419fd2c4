import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CPU time of the calling thread, in seconds: unlike the wall clock, it does not count time
/// other processes on a busy machine take from us.
private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// CPU time of the whole process (all threads), in seconds.
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Throughput of the tokenizer on the reference texts. Opt-in, and meaningful in release builds:
/// `RUN_BENCHMARKS=1 swift test -c release --filter TokenizerBenchmarks`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["RUN_BENCHMARKS"] == "1"), .offThePool)
struct TokenizerBenchmarks {
    @Test("Tokens per second on one core (tokens-dev + minilm-dev texts)")
    func singleCoreThroughput() async throws {
        let tokenizer = try TokenizerFixtures.defaultTokenizer.get()
        let texts = try ["reference/tokens-dev.jsonl.gz", "reference/minilm-dev-ids.jsonl.gz"].flatMap {
            try Fixtures.readJSONLines(Fixtures.url($0), as: TokenizerFixtures.Row.self).map(\.text)
        }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var bestWall = Double.infinity
        var tokens = 0
        for _ in 0..<5 {
            let start = threadCPUSeconds()
            let wallStart = ContinuousClock.now
            tokens = 0
            for text in texts { tokens += tokenizer.encode(text, maxLength: 1_000_000).count }
            best = min(best, threadCPUSeconds() - start)
            let wall = ContinuousClock.now - wallStart
            bestWall = min(bestWall, Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18)
        }
        print(
            "tokenizer: \(texts.count) texts, \(bytes) UTF-8 bytes, \(tokens) tokens in \(best) s CPU (\(bestWall) s wall) → "
                + "\(Int(Double(tokens) / best)) tokens/s, \(Int(Double(bytes) / best / 1e6)) MB/s on one core")
        var bestBatch = Double.infinity
        var batchCPU = Double.infinity
        var batchTokens = 0
        for _ in 0..<5 {
            let cpuStart = processCPUSeconds()
            defer { batchCPU = min(batchCPU, processCPUSeconds() - cpuStart) }
            let batchStart = ContinuousClock.now
            let batch = tokenizer.encode(batch: texts, maxLength: 1_000_000)
            let batchTime = ContinuousClock.now - batchStart
            bestBatch = min(bestBatch, Double(batchTime.components.seconds) + Double(batchTime.components.attoseconds) * 1e-18)
            batchTokens = batch.reduce(0) { $0 + $1.count }
        }
        print(
            "tokenizer batch: \(Int(Double(batchTokens) / bestBatch)) tokens/s wall on "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores (single-thread wall: \(Int(Double(tokens) / bestWall))), "
                + "\(batchCPU) s CPU in all threads")
        #expect(tokens > 0)
    }

    @Test(
        "Tokens per second on one core for each kind (the multilingual stress texts of arch/tokenizers)",
        arguments: ["arch/tiny-mpnet-mean", "arch/tiny-xlmr-mean", "arch/tiny-roberta-bpe", "tokenizers-extra/llama-bpe"])
    func throughputPerKind(folder: String) async throws {
        let texts = try ["arch/tokenizers/unigram-ids.jsonl.gz", "arch/tokenizers/bpe-ids.jsonl.gz"].flatMap {
            try Fixtures.readJSONLines(Fixtures.url($0), as: TokenizerFixtures.Row.self).map(\.text)
        }
        let definition = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url(folder))
        let result = TokenizerThroughput.measure(try definition.makeTokenizer(), texts: texts, passes: 5)
        print("tokenizer \(definition.modelName) (\(folder)): \(result)")
        #expect(result.tokens > 0)
    }
}
