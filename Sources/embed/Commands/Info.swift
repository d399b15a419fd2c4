import EmbedHub
import ArgumentParser
import EmbedGGUF
import EmbedKit
import EmbedLocal
import Foundation

extension EmbedCommand {
    /// `embed info`: what a local model holds.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a local model holds: sizes, pooling, heads, maximum length, prompts, checksum."
        )

        @Argument(help: ArgumentHelp("A .embed file, a sentence-transformers folder, or a model name.", valueName: "model"))
        var model: String?

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @OptionGroup var gguf: GGUFOptions

        func run() async throws {
            if let model, let location = try GGUFLocation.resolve(model) {
                // A GGUF file: what `embed convert` would write from it, before writing anything.
                let converted = try GGUFModel(file: GGUFFile(path: location.path), options: gguf.options)
                let lines = [("file", location.path), ("name", location.name)] + converted.summary
                if json {
                    var object: [String: Any] = [:]
                    for (label, value) in lines { object[label] = object[label].map { "\($0); \(value)" } ?? value }
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    let width = lines.map(\.0.count).max() ?? 0
                    for (label, value) in lines { print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
                }
                return
            }
            let url = try ModelLocator().resolve(model)
            let loaded = try LocalModel(contentsOf: url)
            let summary = ModelSummary(model: loaded, location: url.path)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print(summary.text)
            }
        }
    }
}

/// The facts `embed info` reports.
struct ModelSummary: Encodable {
    var name: String
    var location: String
    var source: String
    var exportedBy: String
    var formatVersion: Int?
    var storage: String?
    var fileSize: Int?
    var checksum: String?
    var dimensions: Int
    var architecture: String
    var architectureSettings: [String: String]
    var tokenizer: String
    var layers: Int
    var hiddenSize: Int
    var attentionHeads: Int
    var intermediateSize: Int
    var vocabularySize: Int
    var maxSequenceLength: Int
    var pooling: [String]
    var includesPrompt: Bool
    var outputModules: [String]
    var normalized: Bool
    var prompts: [String: String]
    var defaultPrompt: String?
    var similarity: String
    /// The architecture's settings in order, for the text form.
    private var settings: [(label: String, value: String)] = []

    private enum CodingKeys: String, CodingKey {
        case name, location, source, exportedBy, formatVersion, storage, fileSize, checksum, dimensions, architecture
        case architectureSettings, tokenizer, layers, hiddenSize, attentionHeads, intermediateSize, vocabularySize
        case maxSequenceLength, pooling, includesPrompt, outputModules, normalized, prompts, defaultPrompt, similarity
    }

    init(model: LocalModel, location: String) {
        let description = model.metadata.model
        name = model.name
        self.location = location
        source = model.metadata.source
        exportedBy = model.metadata.exportedBy
        formatVersion = model.file.map { Int($0.formatVersion) }
        storage = model.file.map { file in
            guard file.storage == .int8 else { return "\(file.storage)" }
            let matrices = file.tensors.filter { $0.dataType == .int8 }.count
            return "int8 (\(matrices) matrices — linear layers and word table — as int8 with a scale per row; the rest f32)"
        }
        fileSize = model.file?.fileSize
        checksum = model.file?.checksum
        dimensions = description.outputDimension
        architecture = description.encoder.name
        settings = description.encoder.summary
        architectureSettings = Dictionary(settings.map { ($0.label, $0.value) }, uniquingKeysWith: { first, _ in first })
        tokenizer = "\(model.metadata.tokenizer.modelName), \(model.metadata.tokenizer.vocabularyCount) entries"
        layers = description.encoder.layerCount
        hiddenSize = description.encoder.hiddenSize
        attentionHeads = description.encoder.attentionHeadCount
        intermediateSize = description.encoder.intermediateSize
        vocabularySize = description.encoder.vocabularySize
        maxSequenceLength = model.tokenizer.maxLength
        pooling = description.pooling.modes.map(\.rawValue)
        includesPrompt = description.pooling.includesPrompt
        outputModules = description.outputModules.map { module in
            switch module {
            case .dense(let layer): "Dense(\(layer.inputDimension)→\(layer.outputDimension), \(layer.activation.rawValue))"
            case .normalize: "Normalize"
            }
        }
        normalized = description.isNormalized
        prompts = description.prompts
        defaultPrompt = description.defaultPromptName
        similarity = description.similarityFunction.rawValue
    }

    var text: String {
        var lines: [(String, String)] = [
            ("name", name), ("location", location), ("source", source), ("exported by", exportedBy),
        ]
        if let formatVersion { lines.append(("format version", "\(formatVersion)")) }
        if let storage { lines.append(("storage", storage)) }
        if let fileSize { lines.append(("file size", String(format: "%.1f MB", Double(fileSize) / 1_000_000))) }
        if let checksum { lines.append(("checksum", checksum)) }
        lines += [
            ("dimensions", "\(dimensions)"),
            ("architecture", ([architecture] + settings.map { "\($0.label) \($0.value)" }).joined(separator: ", ")),
            ("tokenizer", tokenizer),
            ("vocabulary", "\(vocabularySize) tokens"),
            ("max length", "\(maxSequenceLength) tokens"),
            ("pooling", pooling.joined(separator: " + ") + (includesPrompt ? "" : " (prompt excluded)")),
            ("after pooling", outputModules.isEmpty ? "nothing" : outputModules.joined(separator: " → ")),
            ("similarity", similarity),
        ]
        let promptText = prompts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.debugDescription)" }.joined(separator: ", ")
        lines.append(("prompts", promptText.isEmpty ? "none" : promptText + (defaultPrompt.map { " (default: \($0))" } ?? "")))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}
