import Foundation

/// Where a GGUF model is, as the CLI names it: a `.gguf` path (or any file starting with
/// `GGUF`), `ollama:NAME` (a model of this machine's Ollama store, or of `OLLAMA_MODELS`), or
/// `lmstudio:NAME` (a file of LM Studio's models folder).
public struct GGUFLocation: Sendable, Hashable {
    /// The GGUF file.
    public let path: String
    /// The model's name for the converted file: the Ollama or LM Studio name, else the file's
    /// name without `.gguf`.
    public let name: String

    /// Resolves `text`, or returns `nil` when it names no GGUF model (a folder, a `.embed`
    /// file), so that other readers can take it.
    ///
    /// - Throws: ``StoreError`` when an `ollama:` or `lmstudio:` name is not in its store.
    public static func resolve(
        _ text: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GGUFLocation? {
        if text.hasPrefix("ollama:") {
            let entry = try OllamaStore.located(environment: environment).entry(named: String(text.dropFirst(7)))
            let bare = entry.name.hasSuffix(":latest") ? String(entry.name.dropLast(7)) : entry.name
            return GGUFLocation(path: entry.blob.path, name: bare.replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ":", with: "-"))
        }
        if text.hasPrefix("lmstudio:") {
            let entry = try LMStudioStore.located(environment: environment).entry(named: String(text.dropFirst(9)))
            return GGUFLocation(path: entry.file.path, name: entry.file.deletingPathExtension().lastPathComponent)
        }
        guard isGGUF(path: text) else { return nil }
        let url = URL(fileURLWithPath: text)
        let name = url.pathExtension.lowercased() == "gguf" ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        return GGUFLocation(path: text, name: name)
    }

    /// Whether `path` is a regular file starting with the GGUF magic.
    public static func isGGUF(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}
