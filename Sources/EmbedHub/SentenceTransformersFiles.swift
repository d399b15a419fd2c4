import EmbedCore
import Foundation

/// Which files of a Hub repository make up a sentence-transformers model — and only those, so
/// that a pull skips the ONNX, OpenVINO and PyTorch copies many repositories also carry.
///
/// The root folder and every module folder named in `modules.json` contribute their
/// configuration (`config.json`, `sentence_bert_config.json`, `config_sentence_transformers.json`,
/// `modules.json`), tokenizer files (`tokenizer.json`, `tokenizer_config.json`,
/// `special_tokens_map.json`, `vocab.txt`) and safetensors weights (`model.safetensors`, or an
/// index and its shards).
public enum SentenceTransformersFiles {
    /// The file names taken from the root and from each module folder.
    public static let names: Set<String> = [
        "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
        "model.safetensors", "model.safetensors.index.json",
    ]

    /// One entry of `modules.json`.
    public struct Module: Sendable, Hashable, Decodable {
        /// The folder, relative to the root (`""` for the root itself, `1_Pooling`, …).
        public var path: String
        /// The Python class (`sentence_transformers.models.Pooling`, …).
        public var type: String

        /// Creates an entry.
        public init(path: String, type: String) {
            self.path = path
            self.type = type
        }

        /// The class name without its module path (`Pooling`).
        public var className: String { type.split(separator: ".").last.map(String.init) ?? type }

        /// Whether the module has weights of its own.
        public var hasWeights: Bool { className == "Transformer" || className == "Dense" }
    }

    /// Parses `modules.json`.
    ///
    /// - Throws: ``HubError/notSentenceTransformers(repository:reason:)`` when it is not a list
    ///   of modules.
    public static func modules(from data: Data, repository: String) throws(HubError) -> [Module] {
        do {
            return try JSONDecoder().decode([Module].self, from: data)
        } catch {
            throw .notSentenceTransformers(repository: repository, reason: "modules.json is not a list of {path, type} modules: \(DecodingProblem.describe(error, document: "it")).")
        }
    }

    /// The modules of a repository without `modules.json`: a transformer at the root, mean
    /// pooled — what sentence-transformers builds from a plain transformers checkpoint.
    public static let defaultModules = [
        Module(path: "", type: "Transformer"), Module(path: "", type: "Pooling"),
    ]

    /// Returns the files to download, smallest first (so that a configuration problem shows
    /// before the weights are fetched).
    ///
    /// - Parameters:
    ///   - files: Every file in the repository.
    ///   - modules: The modules from `modules.json` (or ``defaultModules``).
    ///   - repository: The id, for error messages.
    /// - Throws: ``HubError/pickleWeightsOnly(repository:folder:)`` when a module with weights
    ///   has only `pytorch_model.bin`; ``HubError/notSentenceTransformers(repository:reason:)``
    ///   when it has no weights at all or the root has no `config.json`.
    public static func select(from files: [HubFile], modules: [Module], repository: String) throws(HubError) -> [HubFile] {
        let folders = Set([""] + modules.map { normalizedFolder($0.path) })
        let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var selected: [HubFile] = []
        for file in files {
            let (folder, name) = split(file.path)
            guard folders.contains(folder) else { continue }
            if names.contains(name) || isShard(name) { selected.append(file) }
        }
        // Shards only when their folder has an index; a stray shard alone is not loadable.
        selected.removeAll { file in
            let (folder, name) = split(file.path)
            return isShard(name) && byPath[join(folder, "model.safetensors.index.json")] == nil
        }
        for module in modules where module.hasWeights {
            let folder = normalizedFolder(module.path)
            let hasSafetensors = byPath[join(folder, "model.safetensors")] != nil
                || byPath[join(folder, "model.safetensors.index.json")] != nil
            guard !hasSafetensors else { continue }
            if byPath[join(folder, "pytorch_model.bin")] != nil || byPath[join(folder, "pytorch_model.bin.index.json")] != nil {
                throw .pickleWeightsOnly(repository: repository, folder: folder)
            }
            throw .notSentenceTransformers(
                repository: repository,
                reason: "the \(module.className) module (\(folder.isEmpty ? "root" : folder)) has no model.safetensors.")
        }
        let transformerFolder = modules.first { $0.className == "Transformer" }.map { normalizedFolder($0.path) } ?? ""
        guard byPath[join(transformerFolder, "config.json")] != nil else {
            throw .notSentenceTransformers(repository: repository, reason: "it has no \(join(transformerFolder, "config.json")).")
        }
        return selected.sorted { ($0.size ?? 0, $0.path) < ($1.size ?? 0, $1.path) }
    }

    /// Whether `name` is a shard of sharded safetensors weights (`model-00001-of-00002.safetensors`).
    static func isShard(_ name: String) -> Bool {
        guard name.hasPrefix("model-"), name.hasSuffix(".safetensors") else { return false }
        let middle = name.dropFirst(6).dropLast(12).split(separator: "-")
        return middle.count == 3 && middle[1] == "of" && middle[0].allSatisfy(\.isNumber) && middle[2].allSatisfy(\.isNumber)
    }

    private static func normalizedFolder(_ path: String) -> String {
        var folder = path
        while folder.hasPrefix("./") { folder.removeFirst(2) }
        while folder.hasSuffix("/") { folder.removeLast() }
        return folder == "." ? "" : folder
    }

    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : folder + "/" + name
    }
}
