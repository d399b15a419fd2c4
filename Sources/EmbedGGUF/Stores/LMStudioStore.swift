import Foundation

/// The models LM Studio keeps on disk: `<models>/<publisher>/<repository>/<file>.gguf`, mirroring
/// the Hugging Face repositories they came from (LM Studio lists files exactly two levels down).
///
/// The folder is `~/.lmstudio/models`, or `~/.cache/lm-studio/models` for versions before 0.3;
/// one moved in LM Studio's settings is passed explicitly.
public struct LMStudioStore: Sendable {
    /// One GGUF file.
    public struct Entry: Sendable, Hashable {
        /// `publisher/repository/file` without `.gguf`.
        public let name: String
        /// The file.
        public let file: URL
        /// Its size in bytes.
        public let size: Int
    }

    /// The models folder.
    public let directory: URL

    /// A store at `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// This machine's LM Studio models folder: the first of `~/.lmstudio/models` and
    /// `~/.cache/lm-studio/models` that exists (the first when neither does).
    public static func located(environment: [String: String] = ProcessInfo.processInfo.environment) -> LMStudioStore {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let candidates = [
            home.appendingPathComponent(".lmstudio/models", isDirectory: true),
            home.appendingPathComponent(".cache/lm-studio/models", isDirectory: true),
        ]
        return LMStudioStore(directory: candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0])
    }

    /// Every `.gguf` file two levels below the folder, sorted by name.
    ///
    /// - Throws: ``StoreError`` when the folder does not exist.
    public func entries() throws -> [Entry] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(location: directory.path, reason: "no LM Studio models folder here; pass the folder that holds PUBLISHER/REPOSITORY/*.gguf")
        }
        var entries: [Entry] = []
        for publisher in (try? manager.contentsOfDirectory(atPath: directory.path)) ?? [] where !publisher.hasPrefix(".") {
            let publisherURL = directory.appendingPathComponent(publisher, isDirectory: true)
            for repository in (try? manager.contentsOfDirectory(atPath: publisherURL.path)) ?? [] where !repository.hasPrefix(".") {
                let repositoryURL = publisherURL.appendingPathComponent(repository, isDirectory: true)
                for file in (try? manager.contentsOfDirectory(atPath: repositoryURL.path)) ?? [] where file.lowercased().hasSuffix(".gguf") {
                    let url = repositoryURL.appendingPathComponent(file)
                    let size = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                    entries.append(Entry(name: "\(publisher)/\(repository)/\(file.dropLast(5))", file: url, size: size))
                }
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The entry `name` names: `publisher/repository/file`, or just the file's name (without
    /// `.gguf`) when only one file has it.
    ///
    /// - Throws: ``StoreError`` listing the folder's models when none or several match.
    public func entry(named name: String) throws -> Entry {
        let all = try entries()
        let wanted = (name.lowercased().hasSuffix(".gguf") ? String(name.dropLast(5)) : name).lowercased()
        let matches = all.filter { $0.name.lowercased() == wanted || $0.name.lowercased().hasSuffix("/" + wanted) }
        if matches.count == 1 { return matches[0] }
        let names = (matches.isEmpty ? all : matches).map(\.name)
        throw StoreError(
            location: directory.path,
            reason: matches.isEmpty
                ? "no model \(name) in this LM Studio folder; it has: \(names.isEmpty ? "none" : names.joined(separator: ", "))"
                : "\(name) names several files: \(names.joined(separator: ", ")); give PUBLISHER/REPOSITORY/FILE")
    }
}
