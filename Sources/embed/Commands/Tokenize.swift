import ArgumentParser
import EmbedKit
import EmbedLocal
import Foundation

extension EmbedCommand {
    /// `embed tokenize`: the token ids the local model reads.
    struct Tokenize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize texts with a local model's tokenizer: JSON Lines with \"text\" in, {\"ids\": [...]} out.",
            discussion: "Ids include [CLS] and [SEP] and are truncated at the model's maximum length, as the model reads them; the number of truncated inputs is reported on stderr."
        )

        @Option(help: ArgumentHelp("A local model: a .embed file, a sentence-transformers folder, or a name.", valueName: "model"))
        var model: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("JSON Lines input with a \"text\" field; - for stdin.", valueName: "file"))
        var input: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write JSON Lines; - for stdout.", valueName: "file"))
        var output: String = "-"

        func run() async throws {
            let records = try JSONLinesReader(path: input).readAll()
            let tokenizer = try EmbedderFactory.loadTokenizer(model: model)
            let writer = try JSONLinesWriter(path: output)
            var truncated = 0
            do {
                let encoded = tokenizer.encode(batch: records.map(\.text))
                for tokens in encoded {
                    try writer.write(line: "{\"ids\":" + JSONFormatting.array(tokens.ids.map(Int.init)) + "}")
                    if tokens.isTruncated { truncated += 1 }
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            printError("tokenize: \(records.count) texts, \(truncated) truncated at \(tokenizer.maxLength) tokens")
        }
    }
}
