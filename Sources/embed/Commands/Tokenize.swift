import ArgumentParser
import EmbedCore
import EmbedJobs
import EmbedKit
import EmbedLocal
import EmbedTokenizer
import Foundation

extension EmbedCommand {
    /// `embed tokenize`: the token ids the local model reads.
    struct Tokenize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize texts with a local model's tokenizer, or any tokenizer.json: JSON Lines with \"text\" in, {\"ids\": [...]} out.",
            discussion: """
                Ids include the special tokens ([CLS] … [SEP], <s> … </s>). With --model they are truncated at the model's \
                maximum length, as the model reads them; with --tokenizer they are not truncated. --max-length N cuts \
                either at N (special tokens kept). The number of truncated inputs is reported on stderr.
                """
        )

        @Option(help: ArgumentHelp("A local model: a .embed file, a sentence-transformers folder, or a name.", valueName: "model"))
        var model: String?

        @Option(help: ArgumentHelp("A tokenizer.json (WordPiece, Unigram or BPE), or a folder holding one, instead of a model.", valueName: "path"))
        var tokenizer: String?

        @Option(name: .customLong("max-length"), help: ArgumentHelp("Cut each text's ids at N, special tokens included.", valueName: "N"))
        var maxLength: Int?

        @Option(name: .shortAndLong, help: ArgumentHelp("JSON Lines input with a \"text\" field; - for stdin.", valueName: "file"))
        var input: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write JSON Lines; - for stdout.", valueName: "file"))
        var output: String = "-"

        /// Texts tokenized per call: enough to spread over the cores, few enough to bound memory.
        static let batchSize = 8192

        func validate() throws {
            if model != nil, tokenizer != nil {
                throw ValidationError("Give --model or --tokenizer, not both.")
            }
            if let maxLength, maxLength < 1 {
                throw ValidationError("--max-length must be at least 1; it is \(maxLength).")
            }
        }

        func run() async throws {
            // As in `encode`: batch by batch in bounded memory, a file checked through first.
            let reader = JSONLinesReader(path: input)
            if reader.canReadTwice { _ = try reader.checkAll() }
            let records = try reader.open()
            let tokenizer: any TextTokenizer = if let path = self.tokenizer {
                try TokenizerDefinition.load(fromPath: path).makeTokenizer()
            } else {
                try EmbedderFactory.loadTokenizer(model: model)
            }
            // A bare tokenizer has no model to fit: no limit unless one is asked for.
            let limit = maxLength ?? (self.tokenizer == nil ? tokenizer.maxLength : Int(Int32.max))
            let writer = try JSONLinesWriter(path: output)
            var truncated = 0
            var count = 0
            do {
                while true {
                    var batch: [String] = []
                    while batch.count < Self.batchSize, let record = try records.next() { batch.append(record.text) }
                    if batch.isEmpty { break }
                    for tokens in tokenizer.encode(batch: batch, maxLength: limit) {
                        var json = JSONWriter(capacity: 16 + tokens.ids.count * 6)
                        json.raw("{\"ids\":")
                        json.integers(tokens.ids)
                        json.raw("}")
                        try writer.write(line: json.text)
                        if tokens.isTruncated { truncated += 1 }
                    }
                    count += batch.count
                }
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            if limit < Int(Int32.max) {
                printError("tokenize: \(count) texts, \(truncated) truncated at \(limit) tokens")
            } else {
                printError("tokenize: \(count) texts, none truncated")
            }
        }
    }
}
