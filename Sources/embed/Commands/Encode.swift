import EmbedCache
import ArgumentParser
import EmbedCompare
import EmbedCore
import EmbedJobs
import EmbedKit
import Foundation

extension EmbedCommand {
    /// `embed encode`: JSON Lines of texts in, JSON Lines of embeddings out.
    struct Encode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed texts: JSON Lines with \"text\" in, JSON Lines with \"embedding\" out, same order.",
            discussion: """
                Each output line is {"embedding": [...], "tokens": N, "input_tokens": M, "truncated": false}: \
                "tokens" is what the model read (special tokens included), "input_tokens" what the text \
                had before truncation; both are omitted when the engine does not report them. Texts \
                longer than the model's maximum length are truncated and counted on stderr.
                Input is read batch by batch, so any size fits in memory. A file is checked through \
                first: a bad line stops the run before anything is embedded. Standard input is read \
                once: a bad line stops the run there, after the batches before it were written.
                With --cache, vectors are kept in EMBED_HOME/cache (shared with `embed compare`) and a \
                repeated text is not embedded again.
                Friendly form: embed encode "first text" "second text"
                """
        )

        @OptionGroup var source: EmbedderOptions
        @OptionGroup var vectors: VectorOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("JSON Lines input with a \"text\" field; - for stdin.", valueName: "file"))
        var input: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write JSON Lines; - for stdout.", valueName: "file"))
        var output: String = "-"

        @Option(help: "Texts per call to the embedder (default: 256 for a local model; 4096 for a provider, whose requests within a call then run in parallel up to its max_concurrency).")
        var batchSize: Int?

        @Flag(help: "Embed empty texts as the model does instead of stopping with an error.")
        var allowEmpty = false

        @Flag(help: "Continue a run that stopped: keep the vectors in OUTPUT.partial and embed only the texts after them (same input and options as the stopped run).")
        var resume = false

        @Flag(help: "Read and write the vector cache (EMBED_HOME/cache), so that texts seen before are not embedded again.")
        var cache = false

        @Option(help: ArgumentHelp("The vector cache folder; implies --cache.", valueName: "dir"))
        var cacheDir: String?

        @Flag(name: .shortAndLong, help: "No progress or summary on stderr.")
        var quiet = false

        @Option(help: ArgumentHelp(
            "Embed only the K-th of N contiguous slices of the input's lines (1 ≤ K ≤ N), chosen by line number, so that N machines share one file with no coordination; the outputs of 1/N…N/N concatenated equal the whole run's. Needs --input FILE (a regular file) or texts.",
            valueName: "K/N"))
        var shard: String?

        @Argument(help: "Texts to embed (instead of --input).")
        var texts: [String] = []

        /// For `embed bench`: print the process's peak RSS on stderr at the end, even with -q.
        @Flag(help: ArgumentHelp("Print this process's peak memory on stderr at the end.", visibility: .hidden))
        var reportPeakMemory = false

        /// How the `--report-peak-memory` line starts; the figure (MB) follows.
        static let peakMemoryPrefix = "encode: peak RSS "

        func validate() throws {
            if input != nil && !texts.isEmpty { throw ValidationError("Pass texts as arguments or --input, not both.") }
            if input == nil && texts.isEmpty { throw ValidationError("Pass texts as arguments, or --input FILE (- for stdin).") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
            if resume && output == "-" { throw ValidationError("--resume needs --output FILE: standard output cannot be continued.") }
            if let shard {
                do { _ = try EncodeJob.Shard(parsing: shard) } catch { throw ValidationError(error.description) }
                if input == "-" { throw ValidationError("--shard needs --input FILE: standard input can be read only once, and the lines must be counted first.") }
            }
        }

        func run() async throws {
            let resolved = try source.resolve()
            let job = EncodeJob(
                input: input.map(EncodeJob.Input.file) ?? .texts(texts), output: output,
                batchSize: batchSize ?? resolved.defaultBatchSize, allowsEmptyTexts: allowEmpty, resumes: resume,
                options: vectors.embeddingOptions, shard: try shard.map { try EncodeJob.Shard(parsing: $0) })
            var embedder: any Embedder = resolved.embedder
            var cached: CachingEmbedder?
            if cache || cacheDir != nil {
                let directory = cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? VectorCache.defaultDirectory()
                let quiet = quiet
                let opened = resolved.cached(in: VectorCache(directory: directory) { problem in
                    if !quiet { printError("encode: \(problem)") }
                })
                cached = opened
                embedder = opened
            }
            let started = ContinuousClock.now
            // A provider's requests are reported while a call waits for them, as local batches are.
            let requests = RemoteProgress(command: "encode", enabled: !quiet && resolved.configuration != nil)
            // Ctrl-C stops after the batch in flight instead of losing everything computed.
            await Interruption.install()
            let summary: EncodeJob.Summary
            do {
                summary = try await job.run(
                    with: embedder, shouldStop: { Interruption.requested }, call: { try await requests.run($0) },
                    events: { event in
                        guard !quiet else { return }
                        switch event {
                        case .resumed(let count, let partial):
                            printError("encode: resuming after the \(count) vectors in \(partial)")
                        case .progress(let done, let total, let resumed):
                            if (total ?? .max) > job.batchSize {
                                printError(Self.progress(done: done, total: total, resumed: resumed, since: started))
                            }
                        }
                    })
            } catch let stopped as EncodeJobStopped {
                printError("encode: \(stopped)")
                if stopped.wasInterrupted { throw ExitCode(130) }
                throw stopped.cause ?? stopped
            }
            if !quiet {
                let seconds = (ContinuousClock.now - started).seconds
                printError(String(format: "encode: %d texts in %.2f s with %@", summary.texts, seconds, embedder.modelName))
                if summary.truncated > 0 {
                    printError("encode: \(summary.truncated) text(s) were longer than the model's maximum length and were truncated")
                }
                if let cached { printError("encode: \(cached.statistics.summary) (\(cached.cache.directory.path))") }
            }
            if reportPeakMemory {
                printError(Self.peakMemoryPrefix + String(format: "%.1f MB", LocalBenchmark.peakResidentMegabytes()))
            }
        }

        /// `encode: 5120/100000 texts, 231 texts/s, about 6 min left` (the rate counts this run's
        /// texts only, not those a resumed run found done).
        static func progress(done: Int, total: Int?, resumed: Int, since start: ContinuousClock.Instant) -> String {
            var line = "encode: \(done)" + (total.map { "/\($0)" } ?? "") + " texts"
            let seconds = (ContinuousClock.now - start).seconds
            guard seconds > 0, done > resumed else { return line }
            let rate = Double(done - resumed) / seconds
            line += String(format: ", %.0f texts/s", rate)
            if let total, total > done { line += ", about " + Self.duration(Double(total - done) / rate) + " left" }
            return line
        }

        /// `45 s`, `12 min`, `3 h 20 min`.
        static func duration(_ seconds: Double) -> String {
            if seconds < 90 { return "\(Int(seconds.rounded())) s" }
            let minutes = Int((seconds / 60).rounded())
            return minutes < 90 ? "\(minutes) min" : "\(minutes / 60) h \(minutes % 60) min"
        }
    }
}
