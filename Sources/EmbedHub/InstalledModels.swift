import EmbedCore
import EmbedLocal
import Foundation

/// One model file found on this machine, described from its metadata (the weights are not read).
public struct InstalledModel: Sendable, Hashable, Codable {
    /// The name `--model` finds it by (the file name without `.embed`).
    public var name: String
    /// The model file.
    public var path: String
    /// The encoder's architecture (`bert`, `mpnet`, `distilbert`, `modernbert`).
    public var architecture: String
    /// The tokenizer's kind (`WordPiece`, `Unigram`, `BPE`).
    public var tokenizer: String
    /// The length of its vectors.
    public var dimensions: Int
    /// The most tokens it reads per text.
    public var maxSequenceLength: Int
    /// The pooling modes (`mean`, `cls`, …).
    public var pooling: [String]
    /// Whether its vectors are unit length.
    public var normalized: Bool
    /// How its weights are stored (`f32`, `f16`).
    public var storage: String
    /// The file's size in bytes.
    public var fileSize: Int
    /// Where it came from: `hub:ORG/NAME@COMMIT` for a pulled model, else the converted folder.
    public var source: String
    /// Whether a file of the same name earlier in the search order hides this one.
    public var isShadowed: Bool
}

/// A model file that is in a search folder but cannot be described.
public struct UnreadableModel: Sendable, Hashable, Codable {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String
}

/// A download that `embed pull` started and did not finish.
public struct PartialDownload: Sendable, Hashable, Codable {
    /// The repository, as `ORG/NAME`.
    public var repository: String
    /// The folder holding what arrived.
    public var path: String
    /// The bytes kept so far.
    public var bytes: Int
}

/// What models are available locally — `embed models`.
public struct InstalledModels: Sendable, Hashable, Codable {
    /// The folders searched, in the model locator's order.
    public var searchDirectories: [String]
    /// Every readable model file, in search order, then by name.
    public var models: [InstalledModel]
    /// Files that look like models but cannot be read.
    public var unreadable: [UnreadableModel]
    /// Pulls that were interrupted and can be resumed.
    public var partialDownloads: [PartialDownload]

    /// Lists the `.embed` files in every folder the locator searches, and the partial downloads
    /// under `EMBED_HOME`.
    ///
    /// - Parameters:
    ///   - searchDirectories: The folders to list, in search order; the model locator's by default.
    ///   - home: Where partial downloads are.
    public static func scan(
        searchDirectories: [URL] = ModelLocator().searchDirectories, home: EmbedHome = EmbedHome()
    ) -> InstalledModels {
        var models: [InstalledModel] = []
        var unreadable: [UnreadableModel] = []
        var seenNames = Set<String>()
        let manager = FileManager.default
        for directory in searchDirectories {
            guard let entries = try? manager.contentsOfDirectory(atPath: directory.path) else { continue }
            for entry in entries.sorted() where entry.hasSuffix(".embed") && !entry.hasPrefix(".") {
                let url = directory.appendingPathComponent(entry)
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let name = String(entry.dropLast(6))
                do {
                    var model = try describe(url, name: name)
                    model.isShadowed = !seenNames.insert(name).inserted
                    models.append(model)
                } catch {
                    unreadable.append(UnreadableModel(path: url.path, reason: "\(error)"))
                }
            }
        }
        return InstalledModels(
            searchDirectories: searchDirectories.map(\.path), models: models, unreadable: unreadable,
            partialDownloads: partialDownloads(in: home))
    }

    /// Reads a model file's header and metadata (not its weights).
    static func describe(_ url: URL, name: String) throws -> InstalledModel {
        let file = try ModelFile(path: url.path, verifyChecksum: false)
        let metadata: LocalModelMetadata
        do {
            metadata = try JSONDecoder().decode(LocalModelMetadata.self, from: file.metadata)
        } catch {
            throw ModelFileError.invalidMetadata(path: url.path, reason: DecodingProblem.describe(error, document: "the metadata"))
        }
        let description = metadata.model
        return InstalledModel(
            name: name, path: url.path, architecture: description.encoder.name,
            tokenizer: metadata.tokenizer.modelName, dimensions: description.outputDimension,
            maxSequenceLength: metadata.tokenizer.maxLength, pooling: description.pooling.modes.map(\.rawValue),
            normalized: description.isNormalized, storage: file.storage.rawValue, fileSize: file.fileSize,
            source: metadata.source, isShadowed: false)
    }

    private static func partialDownloads(in home: EmbedHome) -> [PartialDownload] {
        let manager = FileManager.default
        let root = home.downloadsDirectory
        guard let entries = try? manager.contentsOfDirectory(atPath: root.path) else { return [] }
        var result: [PartialDownload] = []
        for entry in entries.sorted() where !entry.hasSuffix(".lock") && !entry.hasPrefix(".") {
            let folder = root.appendingPathComponent(entry, isDirectory: true)
            var bytes = 0
            if let enumerator = manager.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) {
                for case let file as URL in enumerator {
                    guard let values = try? file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]),
                        values.isRegularFile == true
                    else { continue }
                    bytes += values.fileSize ?? 0
                }
            }
            let repository = entry.replacingOccurrences(of: "--", with: "/")
            result.append(PartialDownload(repository: repository, path: folder.path, bytes: bytes))
        }
        return result
    }
}
