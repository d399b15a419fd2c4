import ArgumentParser

/// The `embed` command-line tool.
@main
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Create text embeddings locally (offline BERT on OpenBLAS) or through a provider.",
        discussion: """
            With no --provider or --config, embeddings come from the local model: --model, then \
            EMBED_MODEL, then the default all-MiniLM-L6-v2 exported by Scripts/setup.sh.
            """,
        version: BuildInformation.versionText,
        subcommands: [Encode.self, Tokenize.self, Compare.self, Convert.self, Pull.self, Models.self, Info.self, Serve.self, Bench.self]
    )
}
