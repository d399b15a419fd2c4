import ArgumentParser

@main
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Create text embeddings locally or through a provider."
    )
}
