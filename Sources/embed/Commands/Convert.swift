import ArgumentParser
import EmbedCore
import EmbedLocal
import Foundation

extension EmbedCommand {
    /// `embed convert`: export a sentence-transformers folder to one flat model file.
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a sentence-transformers folder to one flat, memory-mappable model file.",
            discussion: "Reads modules.json, the Transformer's config, tokenizer, Pooling, Dense and Normalize modules and model.safetensors; validates everything; writes OUT_FILE atomically. See Models/FORMAT.md."
        )

        @Argument(help: ArgumentHelp("The sentence-transformers folder.", valueName: "hf-dir"))
        var folder: String

        @Argument(help: ArgumentHelp("The model file to write (conventionally NAME.embed).", valueName: "out-file"))
        var outputFile: String

        @Option(help: "How tensors are stored: f32 (exact), f16 (half the size; widened to f32 when loaded) or int8 (linear layers and the word table as int8 with per-row scales: about a quarter of the size, int8 products).")
        var dtype: ModelFileStorage = .float32

        @Option(help: "The model's name in the file; defaults to the folder's name.")
        var name: String?

        func run() async throws {
            let started = ContinuousClock.now
            let metadata = try LocalModel.export(
                folder: URL(fileURLWithPath: folder), to: URL(fileURLWithPath: outputFile), name: name,
                storage: dtype)
            let size = (try? FileManager.default.attributesOfItem(atPath: outputFile)[.size] as? Int) ?? 0
            printError(String(
                format: "convert: wrote %@ (%@, %.1f MB) in %.2f s", outputFile, metadata.name,
                Double(size) / 1_000_000, (ContinuousClock.now - started).seconds))
        }
    }
}

/// `--dtype f32`, `f16` or `int8`.
extension ModelFileStorage: ExpressibleByArgument {}
