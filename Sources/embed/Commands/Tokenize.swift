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

        /// Texts tokenized per call: enough to spread over the cores, few enough to bound memory.
        static let batchSize = 8192

        func run() async throws {
            // As in `encode`: batch by batch in bounded memory, a file checked through first.
            let reader = JSONLinesReader(path: input)
            if reader.canReadTwice { _ = try reader.checkAll() }
            let records = try reader.open()
            let tokenizer = try EmbedderFactory.loadTokenizer(model: model)
            let writer = try JSONLinesWriter(path: output)
            var truncated = 0
            var count = 0
            do {
                while true {
                    var batch: [String] = []
                    while batch.count < Self.batchSize, let record = try records.next() { batch.append(record.text) }
                    if batch.isEmpty { break }
                    for tokens in tokenizer.encode(batch: batch) {
                        try writer.write(line: "{\"ids\":" + JSONFormatting.array(tokens.ids.map(Int.init)) + "}")
                        if tokens.isTruncated { truncated += 1 }
                    }
                    count += batch.count
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            printError("tokenize: \(count) texts, \(truncated) truncated at \(tokenizer.maxLength) tokens")
        }
    }
}
