/// What a store's GGUF files are: which hold embedding models, and whether each converts.
public struct GGUFCatalogEntry: Sendable, Hashable, Encodable {
    /// The store's name for it (`all-minilm:latest`, `nomic-ai/…/file`).
    public let name: String
    /// The GGUF file.
    public let path: String
    /// Its size in bytes.
    public let size: Int
    /// `general.architecture`, when the file could be read.
    public let architecture: String?
    /// The vector length, when the model converts.
    public let dimensions: Int?
    /// The type of its largest tensor (`F16`, `Q8_0`).
    public let tensorType: String?
    /// Why it does not convert, or `nil` when it does.
    public let problem: String?

    /// Whether `embed convert` converts it.
    public var converts: Bool { problem == nil }
}

/// Sorts a store's GGUF files into embedding models (listed) and others (counted).
public enum GGUFCatalog {
    /// Architectures llama.cpp runs as embedders, whether or not this runtime converts them.
    static let encoderArchitectures: Set<String> = [
        "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert", "neo-bert", "t5encoder",
        "gemma-embedding",
    ]

    /// Reads each file's header and keeps the embedding models: an encoder architecture, or a
    /// file that records a pooling type. Files that are not GGUF at all are kept with their error.
    ///
    /// - Returns: the embedding models, and how many other (generative) models were skipped.
    public static func embeddingModels(_ files: [(name: String, path: String, size: Int)]) -> (models: [GGUFCatalogEntry], skipped: Int) {
        var models: [GGUFCatalogEntry] = []
        var skipped = 0
        for (name, path, size) in files {
            let file: GGUFFile
            do {
                file = try GGUFFile(path: path)
            } catch {
                models.append(GGUFCatalogEntry(name: name, path: path, size: size, architecture: nil, dimensions: nil, tensorType: nil, problem: "\(error)"))
                continue
            }
            let architecture = file.architecture ?? "?"
            guard encoderArchitectures.contains(architecture) || file["\(architecture).pooling_type"] != nil else {
                skipped += 1
                continue
            }
            let largest = file.tensors.max { $0.elementCount < $1.elementCount }?.type.description
            do {
                let model = try GGUFModel(file: file)
                models.append(GGUFCatalogEntry(
                    name: name, path: path, size: size, architecture: architecture,
                    dimensions: model.description.pooling.outputDimension, tensorType: largest, problem: nil))
            } catch {
                models.append(GGUFCatalogEntry(
                    name: name, path: path, size: size, architecture: architecture, dimensions: nil, tensorType: largest,
                    problem: "\(error.reason)"))
            }
        }
        return (models, skipped)
    }
}
