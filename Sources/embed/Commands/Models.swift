import EmbedHub
import ArgumentParser
import EmbedGGUF
import EmbedKit
import Foundation

extension EmbedCommand {
    /// `embed models`: what models are available on this machine.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the local models --model can use: name, architecture and tokenizer, dimensions, maximum length, pooling, size, source.",
            discussion: "Searches EMBED_HOME/models (where `embed pull` stores models), ./Models and the checkout's Models/, in that order; a name found twice uses the first. Also lists interrupted pulls, which the same `embed pull` resumes."
        )

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Option(name: .customLong("ollama"), parsing: .unconditional, help: ArgumentHelp(
            "List the embedding models of an Ollama store instead (DIR: the folder holding manifests/ and blobs/; '' for OLLAMA_MODELS, else ~/.ollama/models, else /usr/share/ollama/.ollama/models). Convert one with `embed convert ollama:NAME OUT.embed`.",
            valueName: "dir"))
        var ollama: String?

        @Option(name: .customLong("lmstudio"), parsing: .unconditional, help: ArgumentHelp(
            "List the embedding models of an LM Studio models folder instead (DIR; '' for ~/.lmstudio/models). Convert one with `embed convert lmstudio:NAME OUT.embed`.",
            valueName: "dir"))
        var lmstudio: String?

        func run() async throws {
            if ollama != nil || lmstudio != nil {
                try listStore()
                return
            }
            let installed = InstalledModels.scan()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(installed), as: UTF8.self))
                return
            }
            print(Self.table(installed))
        }

        /// `--ollama` / `--lmstudio`: the store's embedding models and whether each converts.
        private func listStore() throws {
            let files: [(name: String, path: String, size: Int)]
            let location: String
            let prefix: String
            if let ollama {
                let store = ollama.isEmpty ? OllamaStore.located() : OllamaStore(directory: URL(fileURLWithPath: ollama, isDirectory: true))
                files = try store.entries().map { ($0.name, $0.blob.path, $0.size) }
                location = store.directory.path
                prefix = "ollama:"
            } else {
                let store = lmstudio?.isEmpty ?? true ? LMStudioStore.located() : LMStudioStore(directory: URL(fileURLWithPath: lmstudio!, isDirectory: true))
                files = try store.entries().map { ($0.name, $0.file.path, $0.size) }
                location = store.directory.path
                prefix = "lmstudio:"
            }
            let (models, skipped) = GGUFCatalog.embeddingModels(files)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(models), as: UTF8.self))
                return
            }
            var rows = [["NAME", "ARCHITECTURE", "DIMS", "TENSORS", "SIZE", "CONVERTS"]]
            for model in models {
                rows.append([
                    model.name, model.architecture ?? "?", model.dimensions.map(String.init) ?? "-", model.tensorType ?? "-",
                    String(format: "%.1f MB", Double(model.size) / 1_000_000),
                    model.converts ? "yes: embed convert \(prefix)\(model.name) OUT.embed" : "no: \(model.problem ?? "")",
                ])
            }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            var lines = rows.map { row in
                row.indices.map { column in
                    column == row.count - 1 ? row[column] : row[column] + String(repeating: " ", count: widths[column] - row[column].count)
                }.joined(separator: "  ")
            }
            if models.isEmpty { lines = ["No embedding models."] }
            lines.append("store: \(location)" + (skipped > 0 ? "; \(skipped) other (generative) models not listed" : ""))
            print(lines.joined(separator: "\n"))
        }

        static func table(_ installed: InstalledModels) -> String {
            var lines: [String] = []
            if installed.models.isEmpty {
                lines.append("No local models. Get one with `embed pull sentence-transformers/all-MiniLM-L6-v2`,")
                lines.append("or convert a sentence-transformers folder with `embed convert DIR NAME.embed`.")
            } else {
                let header = ["NAME", "ARCHITECTURE", "TOKENIZER", "DIMS", "MAX LEN", "POOLING", "SIZE", "SOURCE"]
                var rows = [header]
                for model in installed.models {
                    var pooling = model.pooling.joined(separator: "+")
                    if model.normalized { pooling += ", normalized" }
                    rows.append([
                        model.name + (model.isShadowed ? " (shadowed)" : ""), model.architecture, model.tokenizer,
                        "\(model.dimensions)", "\(model.maxSequenceLength)",
                        pooling, String(format: "%.1f MB", Double(model.fileSize) / 1_000_000) + " \(model.storage)",
                        model.source,
                    ])
                }
                let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
                let rightAligned: Set<Int> = [3, 4]
                for row in rows {
                    let cells = row.indices.map { column -> String in
                        let padding = String(repeating: " ", count: widths[column] - row[column].count)
                        if column == row.count - 1 { return row[column] }
                        return rightAligned.contains(column) ? padding + row[column] : row[column] + padding
                    }
                    lines.append(cells.joined(separator: "  "))
                }
            }
            for bad in installed.unreadable {
                lines.append("unreadable: \(bad.path): \(bad.reason)")
            }
            for partial in installed.partialDownloads {
                lines.append(String(
                    format: "interrupted pull: %@ (%.1f MB kept in %@); run `embed pull %@` to resume",
                    partial.repository, Double(partial.bytes) / 1_000_000, partial.path, partial.repository))
            }
            lines.append("searched: " + installed.searchDirectories.joined(separator: ", "))
            return lines.joined(separator: "\n")
        }
    }
}
