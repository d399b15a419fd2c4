import EmbedCore
import EmbedLocal
import EmbedTokenizer
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Downloads a sentence-transformers repository from the Hub and stores it, converted, in the
/// model cache — `embed pull`.
///
/// ```swift
/// let puller = ModelPuller(home: EmbedHome(), hub: HubClient(configuration: try HubConfiguration()))
/// let result = try await puller.pull("sentence-transformers/multi-qa-MiniLM-L6-cos-v1")
/// let model = try LocalModel(contentsOf: result.modelFile)
/// ```
///
/// Steps: resolve the revision to a commit; choose the files a sentence-transformers model needs
/// (``SentenceTransformersFiles``); download each into
/// `EMBED_HOME/downloads/ORG--NAME/COMMIT/`, resuming and verifying (``HubClient``) — the
/// configuration and tokenizer first, checked (architecture, modules, tokenizer) before the
/// weights are fetched; convert the folder to `EMBED_HOME/models/NAME.embed` (written
/// atomically); remove the download folder.
/// An interrupted pull keeps what arrived, and the next pull of the same repository resumes.
/// The model file records `hub:ORG/NAME@COMMIT` as its source, so that a pull of a revision
/// already present downloads nothing.
public struct ModelPuller: Sendable {
    /// Where models and partial downloads are kept.
    public let home: EmbedHome
    /// The Hub client.
    public let hub: HubClient

    /// Creates a puller.
    public init(home: EmbedHome = EmbedHome(), hub: HubClient) {
        self.home = home
        self.hub = hub
    }

    /// What a pull did.
    public struct Result: Sendable, Hashable {
        /// The model file (`EMBED_HOME/models/NAME.embed`).
        public var modelFile: URL
        /// The model's name, by which `--model` finds it.
        public var name: String
        /// The repository.
        public var repository: String
        /// The commit the model came from.
        public var commit: String
        /// The source recorded in the model file.
        public var source: String
        /// Bytes transferred by this pull (0 when nothing had to be fetched).
        public var downloadedBytes: Int
        /// Whether the model file was already at this commit, so nothing was done.
        public var wasUpToDate: Bool
    }

    /// Downloads, converts and stores a model.
    ///
    /// - Parameters:
    ///   - repositoryID: `ORG/NAME` on the Hub.
    ///   - revision: A branch, tag or commit; `main` by default.
    ///   - name: The name to store the model under; the repository's last component by default.
    ///   - storage: fp32 (default) or fp16 weights in the model file.
    ///   - force: Replace a model of the same name from another source, and convert again even
    ///     when the file is already at this commit.
    ///   - progress: Receives progress events.
    /// - Throws: ``HubError`` (network, access, verification, repository layout, name clash),
    ///   or the model description, tokenizer or model-file error when the downloaded folder
    ///   cannot be converted.
    public func pull(
        _ repositoryID: String, revision: String = "main", name: String? = nil, storage: ModelFileStorage = .float32,
        force: Bool = false, progress: (@Sendable (PullEvent) -> Void)? = nil
    ) async throws -> Result {
        let repository = try HubRepositoryID(repositoryID)
        let name = name ?? repository.name
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw HubError.invalidRepository(name)
        }
        let lock = try acquireLock(for: repository)
        defer { lock.release() }

        let info = try await hub.modelInfo(repository, revision: revision)
        progress?(.resolved(repository: repository.id, revision: revision, commit: info.commit))
        let source = Self.source(repository: repository, commit: info.commit, configuration: hub.configuration)
        let modelFile = home.modelFile(named: name)

        if let existing = Self.recordedSource(of: modelFile) {
            if existing == source && !force {
                return Result(
                    modelFile: modelFile, name: name, repository: repository.id, commit: info.commit, source: source,
                    downloadedBytes: 0, wasUpToDate: true)
            }
            if !force && Self.repository(ofSource: existing) != repository.id {
                throw HubError.nameTaken(name: name, file: modelFile.path, source: existing)
            }
        }

        let repositoryFolder = home.downloadsDirectory.appendingPathComponent(repository.folderName, isDirectory: true)
        let folder = repositoryFolder.appendingPathComponent(info.commit, isDirectory: true)
        var downloaded = 0

        // modules.json first: it says which folders hold the rest.
        var modules = SentenceTransformersFiles.defaultModules
        if let modulesFile = info.file("modules.json") {
            let url = folder.appendingPathComponent("modules.json")
            downloaded += try await hub.download(modulesFile, from: repository, commit: info.commit, to: url, progress: progress)
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw HubError.fileSystem(path: url.path, reason: error.localizedDescription)
            }
            modules = try SentenceTransformersFiles.modules(from: data, repository: repository.id)
        }
        let files: [HubFile]
        do {
            files = try SentenceTransformersFiles.select(from: info.files, modules: modules, repository: repository.id)
        } catch {
            try? FileManager.default.removeItem(at: repositoryFolder)  // nothing worth resuming
            throw error
        }
        progress?(.planned(files: files, totalBytes: files.reduce(0) { $0 + ($1.size ?? 0) }))
        // Configuration and tokenizer first, checked before the (large) weights are fetched: a
        // model this runtime cannot run is refused without downloading it.
        let isWeights = { (file: HubFile) in file.path.hasSuffix(".safetensors") }
        for file in files where file.path != "modules.json" && !isWeights(file) {
            let destination = folder.appendingPathComponent(file.path)
            downloaded += try await hub.download(file, from: repository, commit: info.commit, to: destination, progress: progress)
        }
        do {
            let description = try ModelDescription.load(fromFolder: folder)
            _ = try LocalModel.loadTokenizer(fromFolder: folder, description: description).makeTokenizer()
        } catch {
            try? FileManager.default.removeItem(at: repositoryFolder)
            throw HubError.notSentenceTransformers(repository: repository.id, reason: "\(error)")
        }
        for file in files where isWeights(file) {
            let destination = folder.appendingPathComponent(file.path)
            downloaded += try await hub.download(file, from: repository, commit: info.commit, to: destination, progress: progress)
        }

        progress?(.converting(name: name))
        try Self.export(folder: folder, to: modelFile, name: name, source: source, storage: storage)
        // The download is now inside the model file; older commits' partial folders are stale.
        try? FileManager.default.removeItem(at: repositoryFolder)
        return Result(
            modelFile: modelFile, name: name, repository: repository.id, commit: info.commit, source: source,
            downloadedBytes: downloaded, wasUpToDate: false)
    }

    // MARK: Source records

    /// The source a pulled model records: `hub:ORG/NAME@COMMIT`, with ` via ENDPOINT` for a mirror.
    public static func source(repository: HubRepositoryID, commit: String, configuration: HubConfiguration) -> String {
        "hub:\(repository.id)@\(commit)" + (configuration.isMirror ? " via \(configuration.endpoint)" : "")
    }

    /// The repository id in a source written by ``source(repository:commit:configuration:)``,
    /// or `nil` for another kind of source (a converted folder).
    public static func repository(ofSource source: String) -> String? {
        guard source.hasPrefix("hub:"), let at = source.lastIndex(of: "@") else { return nil }
        return String(source[source.index(source.startIndex, offsetBy: 4)..<at])
    }

    /// The source recorded in an existing model file, read without loading the weights.
    static func recordedSource(of modelFile: URL) -> String? {
        guard FileManager.default.fileExists(atPath: modelFile.path),
            let file = try? ModelFile(path: modelFile.path, verifyChecksum: false),
            let metadata = try? JSONDecoder().decode(LocalModelMetadata.self, from: file.metadata)
        else { return nil }
        return metadata.source
    }

    /// Converts a downloaded folder, as ``EmbedLocal/LocalModel/export(folder:to:name:storage:)``
    /// does, but recording the Hub source instead of the temporary folder's path.
    static func export(folder: URL, to output: URL, name: String, source: String, storage: ModelFileStorage) throws {
        do {
            try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: output.deletingLastPathComponent().path, reason: error.localizedDescription)
        }
        try LocalModel.export(folder: folder, to: output, name: name, source: source, storage: storage)
    }

    // MARK: Locking

    /// An exclusive `flock` on `downloads/ORG--NAME.lock`, so that two pulls of one repository
    /// do not write the same partial files. The kernel releases it if the process dies.
    private struct Lock {
        let descriptor: Int32
        func release() {
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    private func acquireLock(for repository: HubRepositoryID) throws(HubError) -> Lock {
        let directory = home.downloadsDirectory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: directory.path, reason: "cannot create the downloads folder: \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent(repository.folderName + ".lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw .fileSystem(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .busy(repository: repository.id, lockFile: path)
        }
        return Lock(descriptor: descriptor)
    }
}
