import EmbedHub
import ArgumentParser
import EmbedCore
import EmbedKit
import EmbedLocal
import Foundation
import Synchronization

extension EmbedCommand {
    /// `embed pull`: download a sentence-transformers model from the Hub into the model cache.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a sentence-transformers model from the Hugging Face Hub and store it, converted, in EMBED_HOME/models.",
            discussion: """
                Fetches only what the model needs (configuration, tokenizer, safetensors weights of \
                the transformer and any Dense heads), checks every file's size and digest against the \
                Hub's metadata (SHA-256 for weights, git's blob id for the rest), refuses an unsupported \
                architecture before fetching the weights, converts the folder and writes \
                EMBED_HOME/models/NAME.embed (NAME is the repository's last component), where \
                --model NAME finds it.
                An interrupted pull keeps what arrived: run it again to resume. Pulling a revision that \
                is already present downloads nothing.
                Environment: HF_TOKEN (private and gated models), HF_ENDPOINT (a mirror), EMBED_HOME \
                (default ~/.cache/embed).
                On a machine without network, copy a sentence-transformers folder over and use \
                `embed convert DIR NAME.embed` instead.
                """
        )

        @Argument(help: ArgumentHelp("The Hub repository, e.g. sentence-transformers/all-MiniLM-L6-v2.", valueName: "repo-id"))
        var repository: String

        @Option(help: "A branch, tag or commit.")
        var revision: String = "main"

        @Option(help: "Store the model under this name instead of the repository's last component.")
        var name: String?

        @Option(help: "How tensors are stored: f32 (exact), f16 (half the size) or int8 (about a quarter; int8 products).")
        var dtype: ModelFileStorage = .float32

        @Flag(help: "Convert again even if the model is up to date, and replace a model of the same name from elsewhere.")
        var force = false

        @Flag(name: .shortAndLong, help: "No progress on stderr.")
        var quiet = false

        func run() async throws {
            let home = EmbedHome()
            let hub = HubClient(configuration: try HubConfiguration())
            let puller = ModelPuller(home: home, hub: hub)
            let display = PullDisplay(enabled: !quiet)
            let started = ContinuousClock.now
            let result = try await puller.pull(
                repository, revision: revision, name: name, storage: dtype, force: force,
                progress: { display.show($0) })
            if result.wasUpToDate {
                printError("pull: \(result.name) is up to date (\(result.repository)@\(result.commit.prefix(12))): \(result.modelFile.path)")
            } else if !quiet {
                let size = (try? FileManager.default.attributesOfItem(atPath: result.modelFile.path)[.size] as? Int) ?? 0
                printError(String(
                    format: "pull: wrote %@ (%.1f MB, %@@%@) in %.1f s; use it with --model %@",
                    result.modelFile.path, Double(size) / 1_000_000, result.repository, String(result.commit.prefix(12)),
                    (ContinuousClock.now - started).seconds, result.name))
            }
        }
    }
}

/// Prints pull progress on stderr: one line per file, and for large files a line every 10%.
final class PullDisplay: Sendable {
    private let enabled: Bool
    private let lastDecile = Mutex<[String: Int]>([:])

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ event: PullEvent) {
        guard enabled else { return }
        switch event {
        case .resolved(let repository, let revision, let commit):
            printError("pull: \(repository)@\(revision) is commit \(commit.prefix(12))")
        case .planned(let files, let totalBytes):
            printError("pull: \(files.count) files, \(Self.megabytes(totalBytes))")
        case .downloading(let path, let offset, let size):
            if offset > 0 {
                printError("pull: \(path): resuming at \(Self.megabytes(offset))" + (size.map { " of \(Self.megabytes($0))" } ?? ""))
            }
        case .progress(let path, let received, let size):
            guard let size, size >= 10_000_000 else { return }
            let decile = min(10, received * 10 / max(size, 1))
            let previous = lastDecile.withLock { state in defer { state[path] = decile }; return state[path] ?? 0 }
            if decile > previous && decile < 10 {
                printError("pull: \(path): \(decile * 10)% of \(Self.megabytes(size))")
            }
        case .retrying(let path, let attempt, let reason):
            printError("pull: \(path): attempt \(attempt) after: \(reason)")
        case .verified(let path, let digest):
            printError("pull: \(path) ok" + (digest.map { " (\($0.algorithm.rawValue))" } ?? ""))
        case .reused(let path):
            printError("pull: \(path) already downloaded")
        case .converting(let name):
            printError("pull: converting to \(name).embed")
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes < 100_000 ? "\(bytes) bytes" : String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
