import EmbedCache
import ArgumentParser
import EmbedCompare
import EmbedCore
import EmbedJobs
import EmbedKit
import Foundation

extension EmbedCommand {
    /// `embed compare`: how closely two embedders agree on the same texts.
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two embedders on the same texts: per-text cosine, similarity structure, gold pairs.",
            discussion: """
                SPEC is a local model (name or path), PROVIDER:MODEL (openai:text-embedding-3-small, \
                ollama:nomic-embed-text, local:all-MiniLM-L6-v2), or a .json/.yaml configuration file.
                Reports, for the same texts: when the dimensions match, the cosine between A's and B's \
                vector of each text (min, mean, p1/p5/p50, the worst texts); always, the Spearman \
                correlation of all pairwise similarities (sampled above 200,000 pairs) and the mean \
                top-k neighbour overlap for k = 1, 5, 10; with --pairs (STS-B TSV), each side's \
                Spearman × 100 against the human scores.
                Vectors are cached in EMBED_HOME/cache (keyed by provider, model, options and text), so \
                a repeated comparison does not pay twice for hosted calls.
                """
        )

        @Option(name: .customLong("a"), help: ArgumentHelp("Side A.", valueName: "spec"))
        var sideA: String

        @Option(name: .customLong("b"), help: ArgumentHelp("Side B.", valueName: "spec"))
        var sideB: String

        @Option(name: .shortAndLong, help: ArgumentHelp("JSON Lines with a \"text\" field; - for stdin. Optional with --pairs.", valueName: "file"))
        var input: String?

        @Option(help: ArgumentHelp("Human-scored pairs, STS Benchmark TSV (genre, file, year, id, score, sentence1, sentence2).", valueName: "file"))
        var pairs: String?

        @OptionGroup var vectors: VectorOptions

        @Flag(help: "Print the report as JSON instead of tables.")
        var json = false

        @Option(help: ArgumentHelp("Also write a self-contained HTML report (histogram and scatter plot) to this file.", valueName: "file"))
        var html: String?

        @Option(help: "How many of the texts with the lowest A-vs-B cosine to list.")
        var worst: Int = 10

        @Option(help: "The most text pairs used for the pairwise-similarity correlation; more are sampled.")
        var maxPairs: Int = 200_000

        @Option(help: "The seed of the pair sample, for reproducible reports.")
        var seed: UInt64 = ComparisonOptions().seed

        @Option(help: "Texts per call to an embedder (default: 256 for a local model, 4096 for a provider).")
        var batchSize: Int?

        @Flag(help: "Do not read or write the vector cache.")
        var noCache = false

        @Option(help: ArgumentHelp("The vector cache folder (default EMBED_HOME/cache).", valueName: "dir"))
        var cacheDir: String?

        @Flag(help: "Embed empty texts as the models do instead of stopping with an error.")
        var allowEmpty = false

        @Flag(name: .shortAndLong, help: "No progress or summary on stderr.")
        var quiet = false

        func validate() throws {
            if input == nil && pairs == nil { throw ValidationError("Pass --input FILE (texts to compare), --pairs FILE (gold pairs), or both.") }
            if noCache && cacheDir != nil { throw ValidationError("Pass either --no-cache or --cache-dir, not both.") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
            guard worst >= 0 else { throw ValidationError("--worst must be 0 or more.") }
            guard maxPairs >= 1 else { throw ValidationError("--max-pairs must be at least 1.") }
        }

        func run() async throws {
            // Read and check every input before any embedder is built or called.
            let specA = try EmbedderSpec(sideA), specB = try EmbedderSpec(sideB)
            var texts: [String] = []
            if let input {
                let records = try JSONLinesReader(path: input).readAll()
                if !allowEmpty, let empty = records.first(where: { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                    throw JSONLinesError(
                        line: empty.line, reason: "the text is empty (pass --allow-empty to embed it anyway)",
                        source: input == "-" ? "<stdin>" : input)
                }
                guard !records.isEmpty else { throw JSONLinesError(line: 0, reason: "no texts to compare", source: input == "-" ? "<stdin>" : input) }
                texts = records.map(\.text)
            }
            let gold = try pairs.map { try GoldPairs.load(contentsOf: URL(fileURLWithPath: $0)) }

            let resolvedA = try specA.resolve(), resolvedB = try specB.resolve()
            var embedderA: any Embedder = resolvedA.embedder, embedderB: any Embedder = resolvedB.embedder
            var cached: [CachingEmbedder] = []
            let cache: VectorCache?
            if noCache {
                cache = nil
            } else {
                let directory = cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
                    ?? VectorCache.defaultDirectory()
                let quiet = quiet
                let opened = VectorCache(directory: directory) { problem in if !quiet { printError("compare: \(problem)") } }
                cache = opened
                let a = resolvedA.cached(in: opened), b = resolvedB.cached(in: opened)
                cached = [a, b]
                embedderA = a
                embedderB = b
            }

            let options = ComparisonOptions(nameA: specA.text, nameB: specB.text, worstCount: worst, maxPairs: maxPairs, seed: seed)
            let batchSizes = (a: batchSize ?? resolvedA.defaultBatchSize, b: batchSize ?? resolvedB.defaultBatchSize)
            let comparison = EmbedderComparison(options: options, embeddingOptions: vectors.embeddingOptions, batchSizes: batchSizes)
            let started = ContinuousClock.now
            let showProgress = !quiet
            // A provider's requests are reported while a call waits for them, as batches are.
            let requests = RemoteProgress(
                command: "compare", enabled: showProgress && (resolvedA.configuration != nil || resolvedB.configuration != nil))
            let result = try await requests.run { [embedderA, embedderB] in
                try await comparison.run(a: embedderA, b: embedderB, texts: texts, goldPairs: gold) { progress in
                    if showProgress && progress.total > (progress.side == "A" ? batchSizes.a : batchSizes.b) {
                        printError("compare: \(progress.side): \(progress.done)/\(progress.total) texts")
                    }
                }
            }

            if let html {
                try AtomicTextFile.write(try result.report.render(.html), to: html)
            }
            let output = try result.report.render(json ? .json : .text)
            FileHandle.standardOutput.write(Data((output.hasSuffix("\n") ? output : output + "\n").utf8))

            if !quiet {
                printError(String(format: "compare: %d texts in %.2f s", result.report.textCount, (ContinuousClock.now - started).seconds))
                for (label, embedder, truncated) in [("A", embedderA, result.truncatedA), ("B", embedderB, result.truncatedB)] where truncated > 0 {
                    printError("compare: \(label) (\(embedder.modelName)) truncated \(truncated) text(s) longer than its maximum length")
                }
                if let cache, cached.count == 2 {
                    printError("compare: A \(cached[0].statistics.summary); B \(cached[1].statistics.summary) (\(cache.directory.path))")
                }
                if let html { printError("compare: wrote \(html)") }
            }
        }
    }
}

/// Writes text to a file through a temporary sibling and a rename, so that a reader never sees
/// half a report.
enum AtomicTextFile {
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try Data(text.utf8).write(to: temporary)
            if FileManager.default.fileExists(atPath: url.path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure("Cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// A failure of a command, with the message to print.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
