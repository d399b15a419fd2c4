import ArgumentParser
import EmbedConfiguration
import EmbedCore
import EmbedKit
import EmbedLocal
import Foundation

/// Where vectors come from: a local model, a provider, or a mem0-style configuration file.
struct EmbedderOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A local model (a .embed file, a sentence-transformers folder, or a name looked up in EMBED_HOME/models, ./Models and the installation's share/embed/models), or the provider's model name with --provider.",
        valueName: "model"))
    var model: String?

    @Option(help: ArgumentHelp(
        "A provider: \(EmbedderProvider.validNames.joined(separator: ", ")). Credentials and endpoints come from the environment (OPENAI_API_KEY, OLLAMA_HOST, …).",
        valueName: "name"))
    var provider: String?

    @Option(help: ArgumentHelp(
        "A JSON or YAML file in mem0's shape {\"embedder\": {\"provider\": …, \"config\": {…}}}.",
        valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp(
        "Threads of the local forward pass, 1–1024 (default: EMBED_THREADS, else every core this process may run on).",
        valueName: "n"))
    var threads: Int?

    func validate() throws {
        if provider != nil && config != nil {
            throw ValidationError("Pass either --provider or --config, not both.")
        }
        try validateThreads(threads)
    }

    /// Builds the embedder these options select.
    func makeEmbedder() throws -> any Embedder {
        try resolve().embedder
    }

    /// Builds the embedder these options select, with its cache identity.
    func resolve() throws -> ResolvedEmbedder {
        try EmbedderFactory.resolve(model: model, provider: provider, configurationFile: config, threads: threads)
    }
}

/// Checks a `--threads` value.
func validateThreads(_ threads: Int?) throws {
    let allowed = SentenceEncoder.Options.allowedThreadCounts
    if let threads, !allowed.contains(threads) {
        throw ValidationError("--threads must be between \(allowed.lowerBound) and \(allowed.upperBound).")
    }
}

/// Options that shape the vectors.
struct VectorOptions: ParsableArguments {
    @Option(help: "What the vectors are for (picks the model's prompt, or the provider's task type).")
    var task: EmbeddingTask?

    @Option(help: "Keep only the first N dimensions (Matryoshka), re-normalized when the model normalizes.")
    var dimensions: Int?

    @Option(help: "A prompt prefix put before every text, overriding the prompt --task selects.")
    var prompt: String?

    @Option(help: ArgumentHelp("One of the local model's own prompts by name (e.g. search_query), as sentence-transformers' prompt_name.", valueName: "name"))
    var promptName: String?

    func validate() throws {
        if let dimensions, dimensions < 1 { throw ValidationError("--dimensions must be at least 1.") }
        if prompt != nil, promptName != nil { throw ValidationError("Give --prompt or --prompt-name, not both.") }
    }

    var embeddingOptions: EmbeddingOptions {
        EmbeddingOptions(task: task, dimensions: dimensions, prompt: prompt, promptName: promptName)
    }
}

extension EmbeddingTask: ExpressibleByArgument {}

/// Prints a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
