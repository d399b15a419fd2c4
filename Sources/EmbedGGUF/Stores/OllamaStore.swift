import Foundation

/// The models an Ollama installation keeps on disk: `manifests/<host>/<namespace>/<model>/<tag>`
/// JSON manifests whose `application/vnd.ollama.image.model` layer names a blob
/// `blobs/sha256-<hex>` — a plain GGUF file.
///
/// The folder is `OLLAMA_MODELS` when set, else `~/.ollama/models`, else the Linux service's
/// `/usr/share/ollama/.ollama/models`; an operator copying a store to an air-gapped machine passes
/// it explicitly.
public struct OllamaStore: Sendable {
    /// One pulled model.
    public struct Entry: Sendable, Hashable {
        /// The name as `ollama list` shows it for the default registry: `all-minilm:latest`, or
        /// `namespace/model:tag` outside the default `library` namespace.
        public let name: String
        /// The registry host the model was pulled from (the first folder under `manifests/`):
        /// `ollama list` puts it before the name of a model pulled from another registry, and
        /// ``OllamaStore/entry(named:)`` accepts that spelling too.
        public let host: String
        /// The manifest file.
        public let manifest: URL
        /// The GGUF blob of its model layer.
        public let blob: URL
        /// The blob's size in bytes, as the manifest records it.
        public let size: Int
    }

    /// The media type of a manifest's GGUF layer.
    public static let modelLayerType = "application/vnd.ollama.image.model"

    /// The models folder.
    public let directory: URL

    /// A store at `directory` (the folder holding `manifests/` and `blobs/`).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The store this machine's Ollama uses: `OLLAMA_MODELS`, else the first of
    /// `~/.ollama/models` and `/usr/share/ollama/.ollama/models` that exists (the first when
    /// neither does).
    public static func located(environment: [String: String] = ProcessInfo.processInfo.environment) -> OllamaStore {
        if let configured = environment["OLLAMA_MODELS"], !configured.isEmpty {
            return OllamaStore(directory: URL(fileURLWithPath: configured, isDirectory: true))
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let candidates = [
            home.appendingPathComponent(".ollama/models", isDirectory: true),
            URL(fileURLWithPath: "/usr/share/ollama/.ollama/models", isDirectory: true),
        ]
        let existing = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("manifests").path) }
        return OllamaStore(directory: existing ?? candidates[0])
    }

    /// Every model whose manifest has a GGUF layer present in `blobs/`, sorted by name.
    ///
    /// - Throws: ``StoreError`` when the folder has no `manifests/`.
    public func entries() throws -> [Entry] {
        let manifests = directory.appendingPathComponent("manifests", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: manifests.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(location: directory.path, reason: "no Ollama store here (it has no manifests/ folder); pass the folder holding manifests/ and blobs/, or set OLLAMA_MODELS")
        }
        guard let walker = FileManager.default.enumerator(at: manifests, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var entries: [Entry] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            // <host>/<namespace>/<model>/<tag>; some versions add a segment before the model.
            let parts = url.path.dropFirst(manifests.path.count).split(separator: "/").map(String.init)
            guard parts.count >= 4 else { continue }
            let tag = parts[parts.count - 1], model = parts[parts.count - 2], namespace = parts[1]
            guard let layer = Self.modelLayer(of: url) else { continue }
            let blob = directory.appendingPathComponent("blobs", isDirectory: true)
                .appendingPathComponent(layer.digest.replacingOccurrences(of: ":", with: "-"))
            guard FileManager.default.fileExists(atPath: blob.path) else { continue }
            let name = (namespace == "library" ? model : "\(namespace)/\(model)") + ":" + tag
            entries.append(Entry(name: name, host: parts[0], manifest: url, blob: blob, size: layer.size))
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The entry `name` names, as `ollama run` reads names: `:latest` when no tag is given,
    /// the `library` namespace when none is, and optionally the registry host first
    /// (`host/namespace/model:tag`, as `ollama list` shows a model pulled from another registry).
    ///
    /// - Throws: ``StoreError`` listing the store's models when none matches.
    public func entry(named name: String) throws -> Entry {
        let all = try entries()
        let wanted = (name.split(separator: "/").last?.contains(":") == true ? name : name + ":latest").lowercased()
        let bare = wanted.hasPrefix("library/") ? String(wanted.dropFirst(8)) : wanted
        let matches = all.filter { entry in
            let own = entry.name.lowercased(), host = entry.host.lowercased()
            return own == bare || "\(host)/\(own)" == wanted || "\(host)/library/\(own)" == wanted
        }
        // The same name from two registries needs the host to tell them apart.
        if matches.count > 1, let qualified = matches.first(where: { wanted.hasPrefix($0.host.lowercased() + "/") }) { return qualified }
        if let entry = matches.first, matches.count == 1 { return entry }
        if matches.count > 1 {
            throw StoreError(location: directory.path, reason: "\(name) is in this store from several registries (\(matches.map(\.host).joined(separator: ", "))); put the registry first, as in HOST/\(bare)")
        }
        let names = all.map(\.name)
        throw StoreError(location: directory.path, reason: "no model \(name) in this Ollama store; it has: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
    }

    /// The GGUF layer of a manifest: its digest (`sha256:<hex>`, checked) and size.
    static func modelLayer(of manifest: URL) -> (digest: String, size: Int)? {
        guard let data = try? Data(contentsOf: manifest), data.count < 1 << 20,
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let layers = object["layers"] as? [[String: Any]],
            let layer = layers.first(where: { ($0["mediaType"] as? String) == modelLayerType }),
            let digest = layer["digest"] as? String
        else { return nil }
        // A digest names a file: anything but sha256:<64 hex digits> could leave blobs/.
        let hex = digest.dropFirst(7)
        guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return (digest, (layer["size"] as? NSNumber)?.intValue ?? 0)
    }
}

/// A model store that cannot be read, or a name it does not hold.
public struct StoreError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The store's folder.
    public let location: String
    /// What is wrong.
    public let reason: String

    public var description: String { "\(location): \(reason)" }
}
