import EmbedCore
import Foundation

/// A model name or path that could not be resolved to a model on this machine.
public struct ModelNotFoundError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was asked for.
    public let requested: String
    /// Every place that was looked at, in order.
    public let searched: [String]

    /// Whether the request is a file system path rather than a name (absolute, or relative
    /// from `.`, `..` or `~`): then only that path was looked at.
    var isPath: Bool {
        ["/", "./", "../", "~"].contains { requested.hasPrefix($0) }
    }

    public var description: String {
        if isPath {
            return "No model file or folder at \(requested). Pass the path of a model file written by `embed convert` "
                + "(any extension) or of a sentence-transformers folder, or a model name."
        }
        var message = "No local model named \"\(requested)\". Looked for:\n"
        message += searched.map { "  \($0)" }.joined(separator: "\n")
        message += "\nTo get it:\n  embed pull \(repositoryGuess)"
        message += "    (downloads it from the Hugging Face Hub into EMBED_HOME/models)\n"
        message += "  embed convert DIR \(ModelLocator.shortName(requested)).embed"
        message += "    (on a machine without network: converts a copied sentence-transformers folder; "
        message += "put the file in one of the folders above, or pass its path to --model)"
        if requested == ModelLocator.defaultModelName {
            message += "\nIn a checkout, Scripts/setup.sh fetches and exports the default model."
        }
        return message
    }

    /// The Hub repository to suggest: the name as given when it has an organisation, else the
    /// sentence-transformers organisation, where most such models live.
    var repositoryGuess: String {
        var name = requested
        let base = name.split(separator: ":").first.map(String.init) ?? name
        if let repository = ModelLocator.ollamaNames[base]?.first { return repository }
        if name.hasSuffix(".embed") { name = String(name.dropLast(6)) }
        return name.contains("/") ? name : "sentence-transformers/\(name)"
    }
}

/// Finds local models by path or by name.
///
/// Resolution order for the model to use: the explicit `--model` value, then `EMBED_MODEL`, then
/// ``defaultModelName``. A value naming an existing file (an exported `.embed` model) or folder (a
/// sentence-transformers folder) is used as is. A name (optionally prefixed with
/// `sentence-transformers/`) is looked up as `NAME.embed` in, in order:
/// 1. `$EMBED_HOME/models/` (`EMBED_HOME` defaults to `~/.cache/embed`; see ``EmbedHome``), where
///    `embed pull` stores models,
/// 2. `./Models/` in the working directory,
/// 3. `share/embed/models/` beside the installation's `bin/` (`/usr/share/embed/models/` for
///    `/usr/bin/embed`, or the unpacked release tarball's own folder), when it exists, so that an
///    installed binary finds its bundled model and models an operator copies there with no flag
///    or environment variable,
/// 4. the `Models/` folder of the checkout the running `embed` binary was built in.
public struct ModelLocator: Sendable {
    /// The model used when nothing else is configured: all-MiniLM-L6-v2.
    public static let defaultModelName = "all-MiniLM-L6-v2"

    /// The folders searched for `NAME.embed`, in order.
    public let searchDirectories: [URL]

    private let environment: [String: String]

    /// Creates a locator.
    ///
    /// - Parameters:
    ///   - environment: Where `EMBED_MODEL` and `EMBED_HOME` are read from.
    ///   - executablePath: The running binary, whose installation's `share/embed/models/` and
    ///     checkout's `Models/` are searched after the other two; `nil` searches neither.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = ModelLocator.runningExecutablePath
    ) {
        self.environment = environment
        var directories: [URL] = []
        directories.append(EmbedHome(environment: environment).modelsDirectory)
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Models"))
        if let executablePath {
            if let installed = Self.installedModelsDirectory(of: executablePath) { directories.append(installed) }
            if let checkout = Self.checkoutModels(above: executablePath) { directories.append(checkout) }
        }
        var seen = Set<String>()
        searchDirectories = directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// Returns the file or folder of the model to use.
    ///
    /// - Parameter requested: The explicit `--model` value, if any.
    /// - Throws: ``ModelNotFoundError`` listing every place looked at.
    public func resolve(_ requested: String?) throws -> URL {
        let value = requested ?? environment["EMBED_MODEL"] ?? Self.defaultModelName
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory) {
            return URL(fileURLWithPath: value)
        }
        let names = Self.candidateNames(for: Self.shortName(value))
        var searched: [String] = []
        for name in names {
            for directory in searchDirectories {
                let candidate = directory.appendingPathComponent(name + ".embed")
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                searched.append(candidate.path)
            }
        }
        throw ModelNotFoundError(requested: value, searched: searched)
    }

    /// The Hugging Face names of the models Ollama's library names differently, so that an
    /// application configured for Ollama (mem0's `nomic-embed-text`) finds the same model here
    /// once it is installed (`embed pull nomic-ai/nomic-embed-text-v1.5`).
    public static let ollamaNames: [String: [String]] = [
        "nomic-embed-text": ["nomic-ai/nomic-embed-text-v1.5", "nomic-ai/nomic-embed-text-v1"],
        "all-minilm": ["sentence-transformers/all-MiniLM-L6-v2"],
        "mxbai-embed-large": ["mixedbread-ai/mxbai-embed-large-v1"],
    ]

    /// The file names a model name may be installed under, in order: the name itself, then
    /// without an Ollama tag (`nomic-embed-text:latest` → `nomic-embed-text`), then the
    /// Hugging Face names of an Ollama library name.
    static func candidateNames(for name: String) -> [String] {
        var names = [name]
        if let colon = name.lastIndex(of: ":") { names.append(String(name[..<colon])) }
        for base in names {
            names += (ollamaNames[base] ?? []).map(shortName)
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Returns a model name without its organisation prefix and `.embed` extension:
    /// `sentence-transformers/all-MiniLM-L6-v2` → `all-MiniLM-L6-v2`.
    public static func shortName(_ name: String) -> String {
        var result = name
        if let slash = result.lastIndex(of: "/") { result = String(result[result.index(after: slash)...]) }
        if result.hasSuffix(".embed") { result = String(result.dropLast(6)) }
        return result
    }

    /// Returns the checkout (the folder holding `Package.swift`) a binary was built in, walking
    /// up from e.g. `.build/x86_64-unknown-linux-gnu/release/embed`.
    public static func checkoutDirectory(of executablePath: String? = runningExecutablePath) -> URL? {
        guard let executablePath else { return nil }
        var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// The path of the running binary. A binary started through `PATH` sees only its bare name in
    /// `argv[0]`, so Linux's `/proc/self/exe` comes first; `argv[0]` is the fallback elsewhere.
    public static var runningExecutablePath: String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first
    }

    /// Returns `share/embed/models/` of the installation a binary sits in (`PREFIX/bin/embed` →
    /// `PREFIX/share/embed/models/`), or `nil` when that folder does not exist.
    public static func installedModelsDirectory(of executablePath: String) -> URL? {
        let directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/embed/models", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return directory
    }

    private static func checkoutModels(above executablePath: String) -> URL? {
        checkoutDirectory(of: executablePath)?.appendingPathComponent("Models")
    }
}
