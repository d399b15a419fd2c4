import Dispatch
import EmbedCore
import EmbedLocal
import EmbedTokenizer
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Speed figures for a local model on this machine, measured in process: tokenizer speed,
/// batch throughput, single-text latency, and how time grows with threads, text length and
/// batch size.
///
/// Timings use the monotonic clock. Each figure is the best of a few repetitions for
/// throughput (the machine's capability, not its noise) and percentiles over many calls for
/// latency.
public struct LocalBenchmark: Sendable {
    /// What to measure and how long.
    public struct Options: Sendable {
        /// Texts per `embed` call for the throughput figure.
        public var batchSize: Int = 256
        /// Repetitions of the throughput run; the best is reported.
        public var repetitions: Int = 3
        /// Single-text calls for the latency percentiles.
        public var latencyCalls: Int = 200
        /// The texts of the latency figures, embedded one per call (the first ``latencyCalls``);
        /// `nil` takes the corpus texts of at most 32 tokens. `embed bench` passes
        /// `Benchmarks/sts-sentences.jsonl`, 200 STS-B sentences.
        public var shortTexts: [String]?
        /// The pause before each call of the after-idle latency figure: long enough for the
        /// worker threads to have gone to sleep, as between a server's sporadic requests.
        public var idlePause: Duration = .milliseconds(20)
        /// Single-text calls after a pause; 0 skips that figure.
        public var idleCalls: Int = 100
        /// Whether to measure thread, length and batch-size scaling (slower).
        public var scaling: Bool = true
        /// Threads of the forward pass; `nil` reads `EMBED_THREADS`, else uses every core the
        /// process may run on.
        public var threadCount: Int?

        /// Creates options with defaults.
        public init() {}
    }

    /// One scaling point.
    public struct Point: Sendable, Codable, Hashable {
        /// The varied parameter's value (threads, tokens per text, or texts per batch).
        public var parameter: Int
        /// Tokens per second.
        public var tokensPerSecond: Double
        /// Milliseconds per text.
        public var millisecondsPerText: Double
    }

    /// Everything measured.
    public struct Report: Sendable, Codable, Hashable {
        public var model: String
        public var texts: Int
        public var tokens: Int
        public var threads: Int
        public var loadMilliseconds: Double
        /// Loads once the file is in the page cache, best of 3: with the checksums verified, and
        /// without (the difference is the cost of hashing the weights; an fp16 file's load
        /// includes widening its weights).
        public var cachedLoadMilliseconds: Double
        public var cachedLoadUnverifiedMilliseconds: Double
        public var tokenizerTokensPerSecond: Double
        public var batchSize: Int
        public var tokensPerSecond: Double
        public var textsPerSecond: Double
        public var singleTextMedianMilliseconds: Double
        public var singleTextP99Milliseconds: Double
        public var singleTextTokens: Double
        /// One text per call, each after ``Options/idlePause`` of idleness (0 when not measured).
        public var singleTextAfterIdleMedianMilliseconds: Double
        public var singleTextAfterIdleP99Milliseconds: Double
        public var idlePauseMilliseconds: Double
        public var threadScaling: [Point]
        public var lengthScaling: [Point]
        public var batchScaling: [Point]
        public var peakResidentMegabytes: Double
    }

    /// The model file or folder.
    public let modelURL: URL
    /// The corpus.
    public let texts: [String]
    /// What to measure.
    public let options: Options

    /// Creates a benchmark.
    public init(modelURL: URL, texts: [String], options: Options = Options()) {
        self.modelURL = modelURL
        self.texts = texts
        self.options = options
    }

    /// Runs every measurement; `progress` receives one line per step.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let encoderOptions = try SentenceEncoder.Options(threadCount: options.threadCount, environment: ProcessInfo.processInfo.environment)
        let loadStart = ContinuousClock.now
        let model = try LocalModel(contentsOf: modelURL, encoderOptions: encoderOptions)
        let loadTime = ContinuousClock.now - loadStart

        progress("model load: file cached, with and without checksums, best of 3")
        let clock = ContinuousClock()
        var cachedLoad = Duration.seconds(1_000_000)
        var cachedLoadUnverified = Duration.seconds(1_000_000)
        for _ in 0..<3 {
            cachedLoad = min(cachedLoad, try clock.measure { _ = try LocalModel(contentsOf: modelURL, encoderOptions: encoderOptions) })
            cachedLoadUnverified = min(cachedLoadUnverified, try clock.measure {
                _ = try LocalModel(contentsOf: modelURL, verifyChecksum: false, encoderOptions: encoderOptions)
            })
        }
        let embedder = LocalEmbedder(model: model)
        let tokenizer = model.tokenizer
        let tokenCounts = texts.map { tokenizer.encode($0).ids.count }
        let tokens = tokenCounts.reduce(0, +)

        progress("tokenizer: one core, whole corpus")
        let tokenizerSpeed = TokenizerThroughput.measure(tokenizer, texts: texts).tokensPerSecond

        progress("throughput: \(texts.count) texts, batches of \(options.batchSize), best of \(options.repetitions)")
        _ = try await embedder.embed(Array(texts.prefix(64)))  // warm-up: page in the weights
        var best = Duration.seconds(1_000_000)
        for _ in 0..<options.repetitions {
            let elapsed = try await Self.time { try await self.embedAll(embedder, batchSize: self.options.batchSize) }
            best = min(best, elapsed)
        }

        let shortTexts = options.shortTexts ?? zip(texts, tokenCounts).filter { $0.1 <= 32 }.map(\.0)
        let singles = Array((shortTexts.isEmpty ? texts : shortTexts).prefix(options.latencyCalls))
        progress("latency: \(singles.count) single short texts, back to back")
        var latencies: [Double] = []
        for text in singles {
            let elapsed = try await Self.time { _ = try await embedder.embed([text]) }
            latencies.append(elapsed.milliseconds)
        }
        latencies.sort()
        let singleTokens = Double(singles.map { tokenizer.encode($0).ids.count }.reduce(0, +)) / Double(max(singles.count, 1))

        var idleLatencies: [Double] = []
        if options.idleCalls > 0 {
            progress("latency: \(min(options.idleCalls, singles.count)) single short texts, each after \(Int(options.idlePause.milliseconds)) ms idle")
            for text in singles.prefix(options.idleCalls) {
                try await Task.sleep(for: options.idlePause)
                let elapsed = try await Self.time { _ = try await embedder.embed([text]) }
                idleLatencies.append(elapsed.milliseconds)
            }
            idleLatencies.sort()
        }

        var threadScaling: [Point] = []
        var lengthScaling: [Point] = []
        var batchScaling: [Point] = []
        if options.scaling {
            progress("scaling: threads")
            let threadCounts = Array(Set([1, model.encoder.options.threadCount])).sorted()
            for threads in threadCounts {
                let threaded = LocalEmbedder(model: try LocalModel(
                    contentsOf: modelURL, verifyChecksum: false, encoderOptions: SentenceEncoder.Options(threadCount: threads)))
                _ = try await threaded.embed(Array(texts.prefix(16)))
                let elapsed = try await Self.time { try await self.embedAll(threaded, batchSize: self.options.batchSize) }
                threadScaling.append(Point(parameter: threads, tokens: tokens, texts: texts.count, elapsed: elapsed))
            }

            progress("scaling: text length")
            for length in [16, 32, 64, 128, 256] where length <= model.tokenizer.maxLength {
                // Words of one token each: "[CLS] w w … w [SEP]" is exactly `length` tokens.
                let text = Array(repeating: "word", count: length - 2).joined(separator: " ")
                let batch = Array(repeating: text, count: 64)
                let elapsed = try await Self.time { _ = try await embedder.embed(batch) }
                lengthScaling.append(Point(parameter: length, tokens: length * batch.count, texts: batch.count, elapsed: elapsed))
            }

            progress("scaling: batch size")
            let sample = Array(texts.prefix(512))
            let sampleTokens = sample.map { tokenizer.encode($0).ids.count }.reduce(0, +)
            for size in [1, 8, 32, 128, 512] {
                let elapsed = try await Self.time {
                    for start in stride(from: 0, to: sample.count, by: size) {
                        _ = try await embedder.embed(Array(sample[start..<min(start + size, sample.count)]))
                    }
                }
                batchScaling.append(Point(parameter: size, tokens: sampleTokens, texts: sample.count, elapsed: elapsed))
            }
        }

        return Report(
            model: model.name, texts: texts.count, tokens: tokens,
            threads: model.encoder.options.threadCount, loadMilliseconds: loadTime.milliseconds,
            cachedLoadMilliseconds: cachedLoad.milliseconds, cachedLoadUnverifiedMilliseconds: cachedLoadUnverified.milliseconds,
            tokenizerTokensPerSecond: tokenizerSpeed, batchSize: options.batchSize,
            tokensPerSecond: Double(tokens) / best.seconds, textsPerSecond: Double(texts.count) / best.seconds,
            singleTextMedianMilliseconds: Self.percentile(latencies, 0.5),
            singleTextP99Milliseconds: Self.percentile(latencies, 0.99), singleTextTokens: singleTokens,
            singleTextAfterIdleMedianMilliseconds: Self.percentile(idleLatencies, 0.5),
            singleTextAfterIdleP99Milliseconds: Self.percentile(idleLatencies, 0.99),
            idlePauseMilliseconds: idleLatencies.isEmpty ? 0 : options.idlePause.milliseconds,
            threadScaling: threadScaling, lengthScaling: lengthScaling, batchScaling: batchScaling,
            peakResidentMegabytes: Self.peakResidentMegabytes())
    }

    private func embedAll(_ embedder: LocalEmbedder, batchSize: Int) async throws {
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            _ = try await embedder.embed(Array(texts[start..<min(start + batchSize, texts.count)]))
        }
    }

    static func time(_ work: () async throws -> Void) async throws -> Duration {
        let start = ContinuousClock.now
        try await work()
        return ContinuousClock.now - start
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// The process's peak resident set size so far, in MB (10⁶ bytes).
    ///
    /// Read from `VmHWM` in /proc/self/status, the high-water mark of this address space alone.
    /// `getrusage`'s `ru_maxrss` is only the fallback: Linux carries it across `execve`, so a
    /// process spawned by a large one (Foundation's `Process` uses vfork-style spawning) reports
    /// its parent's size as its own.
    public static func peakResidentMegabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kibibytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        {
            return kibibytes * 1024 / 1_000_000
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) * 1024 / 1_000_000
    }
}

extension LocalBenchmark.Point {
    init(parameter: Int, tokens: Int, texts: Int, elapsed: Duration) {
        self.init(
            parameter: parameter, tokensPerSecond: Double(tokens) / elapsed.seconds,
            millisecondsPerText: elapsed.milliseconds / Double(texts))
    }
}
