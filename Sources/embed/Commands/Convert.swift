import ArgumentParser
import EmbedCore
import EmbedGGUF
import EmbedLocal
import Foundation

extension EmbedCommand {
    /// `embed convert`: export a sentence-transformers folder to one flat model file.
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a sentence-transformers folder, or a GGUF file, to one flat, memory-mappable model file.",
            discussion: """
                A folder: reads modules.json, the Transformer's config, tokenizer, Pooling, Dense and Normalize \
                modules and model.safetensors. A GGUF file (llama.cpp's bert and nomic-bert; F32, F16, BF16, Q8_0 \
                tensors), ollama:NAME (a model of the Ollama store) or lmstudio:NAME (a file of LM Studio's models \
                folder): reads the metadata, tokenizer and tensors; `embed info` on it shows what will be written and \
                which settings the file lacks. Validates everything; writes OUT_FILE atomically. See Models/FORMAT.md.
                """
        )

        @Argument(help: ArgumentHelp("The sentence-transformers folder, a .gguf file, ollama:NAME or lmstudio:NAME.", valueName: "source"))
        var folder: String

        @Argument(help: ArgumentHelp("The model file to write (conventionally NAME.embed).", valueName: "out-file"))
        var outputFile: String

        @Option(help: "How tensors are stored: f32 (exact), f16 (half the size; widened to f32 when loaded) or int8 (linear layers and the word table as int8 with per-row scales: about a quarter of the size, int8 products). Default: f32 for a folder; for a GGUF file its own precision (F16 → f16, Q8_0 → int8, F32 and BF16 → f32).")
        var dtype: ModelFileStorage?

        @Option(help: "The model's name in the file; defaults to the folder's name (a GGUF file's name, the Ollama or LM Studio name).")
        var name: String?

        @OptionGroup var gguf: GGUFOptions

        func run() async throws {
            let started = ContinuousClock.now
            let metadata: LocalModelMetadata
            if let location = try GGUFLocation.resolve(folder) {
                let model = try GGUFModel(file: GGUFFile(path: location.path), options: gguf.options)
                for (setting, value) in model.defaults { printError("convert: \(setting) not in the file; using \(value)") }
                metadata = try model.export(to: URL(fileURLWithPath: outputFile), name: name ?? location.name, source: folder, storage: dtype)
            } else {
                if gguf.isSet { throw ValidationError("--max-length, --pooling and --normalize/--no-normalize apply to GGUF files only; a folder records them.") }
                metadata = try LocalModel.export(
                    folder: URL(fileURLWithPath: folder), to: URL(fileURLWithPath: outputFile), name: name,
                    storage: dtype ?? .float32)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: outputFile)[.size] as? Int) ?? 0
            printError(String(
                format: "convert: wrote %@ (%@, %.1f MB) in %.2f s", outputFile, metadata.name,
                Double(size) / 1_000_000, (ContinuousClock.now - started).seconds))
        }
    }
}

/// `--dtype f32`, `f16` or `int8`.
extension ModelFileStorage: ExpressibleByArgument {}

/// What a GGUF file does not record, for `convert` and `info`.
struct GGUFOptions: ParsableArguments {
    @Option(help: ArgumentHelp("GGUF: the most tokens per text (default: the file's context length; sentence-transformers' max_seq_length is not in GGUF files, e.g. 256 for all-MiniLM-L6-v2).", valueName: "n"))
    var maxLength: Int?

    @Option(help: ArgumentHelp("GGUF: the pooling instead of the file's pooling_type: mean, cls or lasttoken.", valueName: "mode"))
    var pooling: PoolingConfiguration.Mode?

    @Flag(inversion: .prefixedNo, help: "GGUF: L2-normalize the vectors (default: yes, as llama.cpp and Ollama do; the file does not say).")
    var normalize: Bool?

    func validate() throws {
        if let maxLength, maxLength < 3 { throw ValidationError("--max-length must be at least 3.") }
        if let pooling, ![.mean, .cls, .lastToken].contains(pooling) {
            throw ValidationError("--pooling must be mean, cls or lasttoken; GGUF models are pooled one way.")
        }
    }

    var isSet: Bool { maxLength != nil || pooling != nil || normalize != nil }

    var options: GGUFModel.Options { GGUFModel.Options(maxLength: maxLength, normalizes: normalize, pooling: pooling) }
}

extension PoolingConfiguration.Mode: ExpressibleByArgument {}
