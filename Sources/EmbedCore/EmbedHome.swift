import Foundation

/// The folder where `embed` keeps what it downloads and caches: pulled models, partial
/// downloads and cached vectors.
///
/// `EMBED_HOME` when set (a leading `~/` is expanded with `HOME`), else `~/.cache/embed`:
///
///     EMBED_HOME/models/NAME.embed        models from `embed pull` (searched by ModelLocator)
///     EMBED_HOME/downloads/ORG--NAME/…    partial downloads, resumed by the next `embed pull`
///     EMBED_HOME/cache/…                  vectors cached by `embed compare` and `embed encode --cache`
public struct EmbedHome: Sendable, Hashable {
    /// The root folder; it need not exist yet.
    public let url: URL

    /// Uses `url` as the root folder.
    public init(url: URL) { self.url = url.standardizedFileURL }

    /// Resolves the root folder from the environment: `EMBED_HOME`, else `~/.cache/embed`.
    ///
    /// - Parameter environment: Where `EMBED_HOME` and `HOME` are read.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        if let value = environment["EMBED_HOME"], !value.isEmpty {
            if value == "~" {
                self.init(url: userHome)
            } else if value.hasPrefix("~/") {
                self.init(url: userHome.appendingPathComponent(String(value.dropFirst(2)), isDirectory: true))
            } else {
                self.init(url: URL(fileURLWithPath: value, isDirectory: true))
            }
        } else {
            self.init(url: userHome.appendingPathComponent(".cache/embed", isDirectory: true))
        }
    }

    /// `EMBED_HOME/models`: where `embed pull` stores models and the model locator looks first.
    public var modelsDirectory: URL { url.appendingPathComponent("models", isDirectory: true) }

    /// `EMBED_HOME/downloads`: partial downloads, kept until a pull completes.
    public var downloadsDirectory: URL { url.appendingPathComponent("downloads", isDirectory: true) }

    /// `EMBED_HOME/cache`: the vector cache's default folder.
    public var vectorCacheDirectory: URL { url.appendingPathComponent("cache", isDirectory: true) }

    /// The file a model called `name` is stored in: `EMBED_HOME/models/NAME.embed`.
    public func modelFile(named name: String) -> URL {
        modelsDirectory.appendingPathComponent(name + ".embed")
    }
}
