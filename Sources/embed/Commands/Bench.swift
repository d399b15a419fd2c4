import EmbedHub
import ArgumentParser
import EmbedCore
import EmbedJobs
import EmbedKit
import EmbedTokenizer
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension EmbedCommand {
    /// `embed bench`: speed of the local runtime on this machine.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the local runtime: throughput, latency, cold start, peak memory, tokenizer speed, scaling.",
            discussion: """
                Run it on a release build (Scripts/embed bench). The default corpus, \
                Benchmarks/corpus.jsonl, is 2,000 mixed texts (STS-B sentences, prose, stress texts); \
                single-text latency is measured on Benchmarks/sts-sentences.jsonl, 200 STS-B dev \
                sentences spread over its genres, back to back and each after 20 ms idle (as a \
                server's sporadic requests arrive). Process-level figures run this binary's `encode` \
                as a child process.
                """
        )

        @Option(help: ArgumentHelp("A local model: a .embed file, a sentence-transformers folder, or a name.", valueName: "model"))
        var model: String?

        @Option(help: ArgumentHelp("JSON Lines corpus with a \"text\" field.", valueName: "file"))
        var corpus: String?

        @Option(help: ArgumentHelp(
            "JSON Lines of texts for the single-text latency (default: Benchmarks/sts-sentences.jsonl when present, else the corpus texts of at most 32 tokens).",
            valueName: "file"))
        var shortTexts: String?

        @Option(help: "Texts per embed call in the throughput run.")
        var batchSize: Int = 256

        @Option(help: ArgumentHelp(
            "Threads of the forward pass, 1–1024 (default: EMBED_THREADS, else every core this process may run on).",
            valueName: "n"))
        var threads: Int?

        @Flag(help: "Skip the scaling measurements.")
        var quick = false

        @Option(help: ArgumentHelp(
            "Measure only tokenizers: a tokenizer.json or a folder holding one (repeatable), on the corpus, one core each.",
            valueName: "path"))
        var tokenizer: [String] = []

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            try validateThreads(threads)
        }

        func run() async throws {
            let modelURL = try ModelLocator().resolve(model)
            let corpusPath = corpus ?? Self.benchmarkFile("corpus.jsonl")
            let texts = try JSONLinesReader(path: corpusPath).readAll().map(\.text)
            if !tokenizer.isEmpty {
                try measureTokenizers(on: texts, corpus: corpusPath)
                return
            }
            var options = LocalBenchmark.Options()
            let shortTextsPath = shortTexts ?? Self.benchmarkFile("sts-sentences.jsonl")
            if shortTexts != nil || FileManager.default.fileExists(atPath: shortTextsPath) {
                options.shortTexts = try JSONLinesReader(path: shortTextsPath).readAll().map(\.text)
            }
            options.batchSize = batchSize
            options.scaling = !quick
            options.threadCount = threads
            // The child `embed encode` processes run with the same threads.
            let threadArguments = threads.map { ["--threads", "\($0)"] } ?? []
            let benchmark = LocalBenchmark(modelURL: modelURL, texts: texts, options: options)
            let report = try await benchmark.run { printError("bench: \($0)") }

            printError("bench: cold start (process start → first vector), 5 runs")
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            var coldStarts: [Double] = []
            for _ in 0..<5 {
                coldStarts.append(try Self.timeToFirstLine(binary, ["encode", "-q", "--model", modelURL.path] + threadArguments + ["A man is playing a guitar."]))
            }
            coldStarts.sort()
            printError("bench: whole `embed encode` process on the corpus")
            let start = ContinuousClock.now
            let (status, childError) = try Self.runToEnd(binary, [
                "encode", "-q", "--report-peak-memory", "--allow-empty", "--model", modelURL.path,
                "--batch-size", "\(batchSize)", "--input", corpusPath, "--output", "/dev/null",
            ] + threadArguments)
            let processSeconds = (ContinuousClock.now - start).seconds
            guard status == 0 else { throw ValidationError("embed encode failed on the corpus (status \(status)): \(childError)") }
            // The child reports its own peak: getrusage(RUSAGE_CHILDREN) would include this
            // process's size, which Linux carries into a spawned child across execve.
            guard let reported = childError.split(separator: "\n").last(where: { $0.hasPrefix(Encode.peakMemoryPrefix) }),
                  let processPeak = Double(reported.dropFirst(Encode.peakMemoryPrefix.count).split(separator: " ").first ?? "")
            else { throw ValidationError("embed encode did not report its peak memory.") }

            let summary = Summary(
                report: report, coldStartMedianMilliseconds: coldStarts[coldStarts.count / 2],
                processTokensPerSecond: Double(report.tokens) / processSeconds, processSeconds: processSeconds,
                processPeakResidentMegabytes: processPeak, machine: Self.machineDescription())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print(summary.text)
            }
        }

        /// Tokens per CPU second of each `--tokenizer` on the corpus, ids without truncation, and
        /// the wall time of reading its files and of building the tokenizer from them.
        private func measureTokenizers(on texts: [String], corpus: String) throws {
            print("machine: \(Self.machineDescription())")
            print("corpus: \(corpus), \(texts.count) texts, one core, fastest of 3 passes, no truncation")
            for path in tokenizer {
                let start = ContinuousClock.now
                let definition = try TokenizerDefinition.load(fromPath: path)
                let loaded = ContinuousClock.now
                let built = try definition.makeTokenizer()
                let ready = ContinuousClock.now
                let throughput = TokenizerThroughput.measure(built, texts: texts)
                print(String(format: "%@ (%@, %d entries): %.2f M tokens/s, %.1f MB/s; load %.1f ms, build %.1f ms", path,
                             definition.modelName, definition.vocabularyCount, throughput.tokensPerSecond / 1e6,
                             Double(throughput.bytes) / max(throughput.seconds, 1e-9) / 1e6,
                             (loaded - start).milliseconds, (ready - loaded).milliseconds))
            }
        }

        struct Summary: Encodable {
            var report: LocalBenchmark.Report
            var coldStartMedianMilliseconds: Double
            var processTokensPerSecond: Double
            var processSeconds: Double
            var processPeakResidentMegabytes: Double
            var machine: String

            var text: String {
                let r = report
                var lines = [
                    "machine: \(machine)",
                    "model: \(r.model); corpus: \(r.texts) texts, \(r.tokens) tokens; \(r.threads) thread\(r.threads == 1 ? "" : "s")",
                    String(format: "whole `embed encode` process: %.0f tokens/s (%.2f s), peak RSS %.0f MB", processTokensPerSecond, processSeconds, processPeakResidentMegabytes),
                    String(format: "in process, batches of %d: %.0f tokens/s, %.1f texts/s", r.batchSize, r.tokensPerSecond, r.textsPerSecond),
                    String(format: "one short text (%.1f tokens on average), back to back: median %.2f ms, p99 %.2f ms", r.singleTextTokens, r.singleTextMedianMilliseconds, r.singleTextP99Milliseconds),
                ]
                if r.idlePauseMilliseconds > 0 {
                    lines.append(String(format: "one short text, each after %.0f ms idle: median %.2f ms, p99 %.2f ms", r.idlePauseMilliseconds, r.singleTextAfterIdleMedianMilliseconds, r.singleTextAfterIdleP99Milliseconds))
                }
                lines += [
                    String(format: "cold start (process start → first vector written): median %.0f ms", coldStartMedianMilliseconds),
                    String(format: "model load (map + verify checksums): %.1f ms", r.loadMilliseconds),
                    String(format: "model load, file cached, best of 3: %.1f ms verifying checksums, %.1f ms without",
                           r.cachedLoadMilliseconds, r.cachedLoadUnverifiedMilliseconds),
                    String(format: "tokenizer, one core: %.2f M tokens/s", r.tokenizerTokensPerSecond / 1e6),
                    String(format: "peak RSS of this process: %.0f MB", r.peakResidentMegabytes),
                ]
                if !r.threadScaling.isEmpty {
                    lines.append("threads → tokens/s: " + r.threadScaling.map { String(format: "%d: %.0f", $0.parameter, $0.tokensPerSecond) }.joined(separator: ", "))
                }
                if !r.lengthScaling.isEmpty {
                    lines.append("tokens per text → ms per text (batches of 64): " + r.lengthScaling.map { String(format: "%d: %.2f", $0.parameter, $0.millisecondsPerText) }.joined(separator: ", "))
                }
                if !r.batchScaling.isEmpty {
                    lines.append("texts per call → tokens/s (512 texts): " + r.batchScaling.map { String(format: "%d: %.0f", $0.parameter, $0.tokensPerSecond) }.joined(separator: ", "))
                }
                return lines.joined(separator: "\n")
            }
        }

        /// `Benchmarks/NAME` of the working directory, else of the checkout `embed` was built in.
        static func benchmarkFile(_ name: String) -> String {
            let local = "Benchmarks/" + name
            if FileManager.default.fileExists(atPath: local) { return local }
            return ModelLocator.checkoutDirectory()?.appendingPathComponent(local).path ?? local
        }

        /// Milliseconds from launching `binary` to its first line on stdout.
        static func timeToFirstLine(_ binary: String, _ arguments: [String]) throws -> Double {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            var elapsed: Duration?
            let handle = output.fileHandleForReading
            while elapsed == nil {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if chunk.contains(UInt8(ascii: "\n")) { elapsed = ContinuousClock.now - start }
            }
            _ = handle.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let elapsed else {
                throw ValidationError("`embed encode` failed during the cold-start measurement.")
            }
            return elapsed.seconds * 1000
        }

        /// Runs `binary` to its end and returns its exit status and standard error.
        static func runToEnd(_ binary: String, _ arguments: [String]) throws -> (status: Int32, standardError: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// The CPU (its name, family and model — one cloud name covers several generations — and
        /// the vector instructions it offers), cores and memory.
        static func machineDescription() -> String {
            var cpu = "unknown CPU"
            if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
                let lines = cpuinfo.split(separator: "\n")
                func field(_ name: String) -> String? {
                    guard let line = lines.first(where: { $0.hasPrefix(name) && $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces).hasPrefix(":") }),
                          let colon = line.firstIndex(of: ":") else { return nil }
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                if let name = field("model name") {
                    cpu = name
                    if let family = field("cpu family"), let model = field("model") { cpu += " (family \(family), model \(model))" }
                    let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
                    let isa = [("avx2", "AVX2"), ("fma", "FMA"), ("avx512f", "AVX-512")].filter { flags.contains($0.0) }.map(\.1)
                    if !isa.isEmpty { cpu += ", " + isa.joined(separator: " + ") }
                }
            }
            return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
        }
    }
}
