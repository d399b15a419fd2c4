import EmbedHub
import EmbedCore
import EmbedKit
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("embed pull against a loopback Hub serving the tiny model", .offThePool)
struct HubPullTests {
    static let texts = ["A man is playing a guitar.", "Une femme coupe un oignon.", "naïve café 東京"]

    @Test("a pull fetches only the model's files, verifies them, and stores a model that embeds like the folder")
    func pullsAndConverts() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let repository = try tinyRepository()
        try await withHubServer([repository]) { server in
            let log = EventLog()
            let result = try await makePuller(server, home: home).pull(tinyRepositoryID, progress: { log.record($0) })

            #expect(result.modelFile.path == home.appendingPathComponent("models/tiny-cls-normalize.embed").path)
            #expect(result.commit == repository.commit)
            #expect(result.source == "hub:\(tinyRepositoryID)@\(repository.commit) via \(server.endpoint)")
            #expect(!result.wasUpToDate)
            let modelFiles = repository.files.filter { !["README.md", ".gitattributes", "onnx/model.onnx", "pytorch_model.bin", "openvino/openvino_model.xml"].contains($0.key) }
            #expect(result.downloadedBytes == modelFiles.values.reduce(0) { $0 + $1.count })

            // Only the model's files were fetched, each once; the weights through the storage redirect.
            let fetched = Set(server.requests.compactMap(\.file))
            #expect(fetched == Set(modelFiles.keys))
            #expect(server.downloads(of: "model.safetensors").allSatisfy { $0.path.hasPrefix("/lfs-store/") })
            #expect(server.downloads(of: "pytorch_model.bin").isEmpty)
            let info = try #require(server.infoRequests.first)
            #expect(info.query?.contains("blobs=true") == true)
            #expect(info.header("authorization") == nil)
            // Files are fetched by commit, not by the moving branch name.
            #expect(server.requests.filter { $0.path.contains("/resolve/") }.allSatisfy { $0.path.contains("/resolve/\(repository.commit)/") })

            // Every file was verified, the weights with SHA-256 and the small files with git's blob id.
            let verified = log.all.compactMap { event -> (String, FileDigest?)? in
                if case .verified(let path, let digest) = event { return (path, digest) }
                return nil
            }
            #expect(Set(verified.map(\.0)) == Set(modelFiles.keys))
            #expect(verified.first { $0.0 == "model.safetensors" }?.1?.algorithm == .sha256)
            #expect(verified.first { $0.0 == "config.json" }?.1?.algorithm == .gitBlobSHA1)

            // The partial download folder is gone; the model file embeds exactly like the folder.
            #expect(relativeFiles(under: home.appendingPathComponent("downloads")).allSatisfy { $0.hasSuffix(".lock") })
            let pulled = try LocalModel(contentsOf: result.modelFile)
            #expect(pulled.name == "tiny-cls-normalize")
            #expect(pulled.metadata.source == result.source)
            let direct = try LocalModel(contentsOf: Fixtures.url("tiny/tiny-cls-normalize"))
            let a = try await LocalEmbedder(model: pulled).vectors(Self.texts)
            let b = try await LocalEmbedder(model: direct).vectors(Self.texts)
            #expect(a == b)
        }
    }

    @Test("the pulled model is found by name, with or without its organisation")
    func locatorFindsPulledModel() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withHubServer([try tinyRepository()]) { server in
            let result = try await makePuller(server, home: home).pull(tinyRepositoryID)
            let locator = ModelLocator(environment: ["EMBED_HOME": home.path], executablePath: nil)
            #expect(try locator.resolve("tiny-cls-normalize").path == result.modelFile.path)
            #expect(try locator.resolve(tinyRepositoryID).path == result.modelFile.path)
            let embedder = try EmbedderFactory.make(model: tinyRepositoryID, provider: nil, configurationFile: nil, environment: ["EMBED_HOME": home.path])
            let direct = try LocalModel(contentsOf: Fixtures.url("tiny/tiny-cls-normalize"))
            #expect(try await embedder.vectors(Self.texts) == LocalEmbedder(model: direct).vectors(Self.texts))
        }
    }

    @Test("a NomicBERT repository is pulled without its remote Python code, and Ollama's name finds it")
    func nomicWithoutRemoteCode() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let id = "nomic-ai/nomic-embed-text-v1.5"
        let repository = try FixtureRepository.from(
            folder: Fixtures.url("nomic/tiny-nomic-bert"), id: id,
            extra: [
                "modeling_hf_nomic_bert.py": Data("raise SystemExit('never run')\n".utf8),
                "configuration_hf_nomic_bert.py": Data("raise SystemExit('never run')\n".utf8),
                "onnx/model.onnx": Data(repeating: 7, count: 3000),
            ])
        try await withHubServer([repository]) { server in
            let result = try await makePuller(server, home: home).pull(id)
            #expect(result.modelFile.lastPathComponent == "nomic-embed-text-v1.5.embed")
            let fetched = Set(server.requests.compactMap(\.file))
            #expect(!fetched.contains { $0.hasSuffix(".py") || $0.hasPrefix("onnx/") }, "\(fetched)")
            let model = try LocalModel(contentsOf: result.modelFile)
            #expect(model.metadata.model.encoder.name == "nomic_bert")
            // mem0's Ollama default name reaches the same file.
            let locator = ModelLocator(environment: ["EMBED_HOME": home.path], executablePath: nil)
            #expect(try locator.resolve("nomic-embed-text").path == result.modelFile.path)
            let direct = try LocalModel(contentsOf: Fixtures.url("nomic/tiny-nomic-bert"))
            #expect(try await LocalEmbedder(model: model).vectors(Self.texts) == LocalEmbedder(model: direct).vectors(Self.texts))
        }
    }

    @Test("pulling a revision already present downloads nothing; --force converts again")
    func upToDate() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withHubServer([try tinyRepository()]) { server in
            let puller = try makePuller(server, home: home)
            _ = try await puller.pull(tinyRepositoryID)
            let downloadsAfterFirst = server.requests.filter { $0.file != nil }.count
            let again = try await puller.pull(tinyRepositoryID)
            #expect(again.wasUpToDate)
            #expect(again.downloadedBytes == 0)
            #expect(server.requests.filter { $0.file != nil }.count == downloadsAfterFirst)
            let forced = try await puller.pull(tinyRepositoryID, force: true)
            #expect(!forced.wasUpToDate)
            #expect(forced.downloadedBytes > 0)
        }
    }

    @Test("a new commit on the branch replaces the model")
    func newCommitReplaces() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withHubServer([try tinyRepository()]) { server in
            let puller = try makePuller(server, home: home)
            _ = try await puller.pull(tinyRepositoryID)
            let newCommit = "fedcba9876543210fedcba9876543210fedcba98"
            server.updateRepository(tinyRepositoryID) { $0.commit = newCommit }
            let updated = try await puller.pull(tinyRepositoryID)
            #expect(!updated.wasUpToDate)
            #expect(updated.commit == newCommit)
            #expect(try LocalModel(contentsOf: updated.modelFile).metadata.source.contains(newCommit))
        }
    }

    @Test("a download cut off mid-file resumes with Range from where it stopped")
    func resumesWithinOnePull() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let cut = try #require(try tinyRepository().files["model.safetensors"]).count / 4  // a quarter of the weights
        try await withHubServer([try tinyRepository()], behaviour: FixtureBehaviour(cutAfter: ["model.safetensors": cut])) { server in
            let log = EventLog()
            let result = try await makePuller(server, home: home).pull(tinyRepositoryID, progress: { log.record($0) })
            let requests = server.downloads(of: "model.safetensors")
            try #require(requests.count == 2)
            #expect(requests[0].header("range") == nil)
            let range = try #require(requests[1].header("range"))
            let resumedAt = try #require(Int(range.dropFirst("bytes=".count).dropLast()))
            #expect(resumedAt > 0 && resumedAt <= cut)
            #expect(log.all.contains { if case .retrying(let path, 2, _) = $0 { path == "model.safetensors" } else { false } })
            #expect(log.all.contains { if case .downloading("model.safetensors", let offset, _) = $0 { offset == resumedAt } else { false } })
            // The bytes that arrived before the cut were kept, not fetched again.
            let modelBytes = ["modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
                              "tokenizer.json", "tokenizer_config.json", "model.safetensors", "1_Pooling/config.json",
                              "2_Normalize/config.json"].reduce(0) { $0 + ((try? tinyRepository().files[$1]?.count) ?? 0) }
            #expect(result.downloadedBytes == modelBytes)
            _ = try LocalModel(contentsOf: result.modelFile)
        }
    }

    @Test("an interrupted pull keeps what arrived and the next pull resumes it")
    func resumesAcrossPulls() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let repository = try tinyRepository()
        let cut = try #require(repository.files["model.safetensors"]).count * 3 / 8
        try await withHubServer([repository], behaviour: FixtureBehaviour(cutAfter: ["model.safetensors": cut])) { server in
            let error = await #expect(throws: HubError.self) {
                try await makePuller(server, home: home, maxAttempts: 1).pull(tinyRepositoryID)
            }
            #expect(error?.isTransient == true)
            #expect(error?.description.contains("run the same `embed pull` again to resume") == true, "\(String(describing: error))")
            let partial = home.appendingPathComponent("downloads/fixtures--tiny-cls-normalize/\(repository.commit)/model.safetensors.incomplete")
            let kept = try #require(try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int)
            #expect(kept > 0 && kept <= cut)
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("models/tiny-cls-normalize.embed").path))
            // `embed models` would show it.
            let scan = InstalledModels.scan(searchDirectories: [home.appendingPathComponent("models")], home: EmbedHome(url: home))
            #expect(scan.partialDownloads.map(\.repository) == [tinyRepositoryID])

            let smallFilesBefore = server.requests.filter { $0.file == "config.json" }.count
            let result = try await makePuller(server, home: home, maxAttempts: 1).pull(tinyRepositoryID)
            let last = try #require(server.downloads(of: "model.safetensors").last)
            #expect(last.header("range") == "bytes=\(kept)-")
            // Files completed by the first pull were re-verified and reused, not fetched again.
            #expect(server.requests.filter { $0.file == "config.json" }.count == smallFilesBefore)
            #expect(result.downloadedBytes == repository.files["model.safetensors"]!.count - kept)
            _ = try LocalModel(contentsOf: result.modelFile)
        }
    }

    @Test("a server that ignores Range gets the whole file again, and the result is still right")
    func rangeIgnored() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let cut = try #require(try tinyRepository().files["model.safetensors"]).count / 6
        let behaviour = FixtureBehaviour(cutAfter: ["model.safetensors": cut], honoursRange: false)
        try await withHubServer([try tinyRepository()], behaviour: behaviour) { server in
            let result = try await makePuller(server, home: home).pull(tinyRepositoryID)
            #expect(server.downloads(of: "model.safetensors").count == 2)
            _ = try LocalModel(contentsOf: result.modelFile)
        }
    }

    @Test("weights that do not match the Hub's SHA-256 are rejected and deleted")
    func checksumMismatch() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var repository = try tinyRepository()
        var corrupted = try #require(repository.files["model.safetensors"])
        corrupted[corrupted.count - 10] ^= 0x01
        repository.servedInstead["model.safetensors"] = corrupted
        try await withHubServer([repository]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            let message = error?.description ?? ""
            #expect(message.contains("model.safetensors") && message.contains("sha256"), "\(message)")
            #expect(message.contains(repository.sha256["model.safetensors"]!), "names the expected digest: \(message)")
            #expect(error?.isTransient == false)
            let folder = home.appendingPathComponent("downloads/fixtures--tiny-cls-normalize/\(repository.commit)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors.incomplete").path))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("models/tiny-cls-normalize.embed").path))
        }
    }

    @Test("a small file that does not match its git blob id is rejected")
    func gitBlobMismatch() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var repository = try tinyRepository()
        let original = try #require(repository.files["tokenizer_config.json"])
        repository.servedInstead["tokenizer_config.json"] = Data(original.map { $0 == UInt8(ascii: "a") ? UInt8(ascii: "b") : $0 })
        try await withHubServer([repository]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error?.description.contains("tokenizer_config.json failed its git blob sha1 check") == true, "\(String(describing: error))")
        }
    }

    @Test("a size that differs from the Hub's is rejected")
    func sizeMismatch() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var repository = try tinyRepository()
        let size = try #require(repository.files["config.json"]).count  // 665
        repository.servedInstead["config.json"] = try #require(repository.files["config.json"]) + Data(" ".utf8)
        try await withHubServer([repository]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error?.description.contains("config.json has \(size + 1) bytes but the Hub says \(size)") == true, "\(String(describing: error))")
        }
    }

    @Test("the token goes to the Hub as a bearer credential; without it a gated repository is refused clearly")
    func token() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withHubServer([try tinyRepository()], behaviour: FixtureBehaviour(requiredToken: "hf_secret")) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error?.description.contains("HF_TOKEN") == true)
            let result = try await makePuller(server, home: home, token: "hf_secret").pull(tinyRepositoryID)
            #expect(server.infoRequests.last?.header("authorization") == "Bearer hf_secret")
            #expect(server.requests.filter { $0.path.contains("/resolve/") }.allSatisfy { $0.header("authorization") == "Bearer hf_secret" })
            _ = try LocalModel(contentsOf: result.modelFile)
        }
    }

    @Test("an unknown repository or revision is a clear error")
    func unknownRepository() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withHubServer([try tinyRepository()]) { server in
            let puller = try makePuller(server, home: home)
            let missing = await #expect(throws: HubError.self) { try await puller.pull("fixtures/no-such-model") }
            #expect(missing == .repositoryNotFound(repository: "fixtures/no-such-model", revision: "main"))
            let badRevision = await #expect(throws: HubError.self) { try await puller.pull(tinyRepositoryID, revision: "v9") }
            #expect(badRevision == .repositoryNotFound(repository: tinyRepositoryID, revision: "v9"))
            // A revision with a slash travels as one path component.
            _ = try await puller.pull(tinyRepositoryID, revision: "refs/pr/1")
            #expect(server.infoRequests.last?.path.hasSuffix("/revision/refs%2Fpr%2F1") == true)
        }
    }

    @Test("a repository with only pytorch_model.bin is refused before any weights are fetched, pointing to the export script")
    func pickleOnly() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var repository = try tinyRepository()
        repository.removeFile("model.safetensors")
        try await withHubServer([repository]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error == .pickleWeightsOnly(repository: tinyRepositoryID, folder: ""))
            #expect(error?.description.contains("Scripts/export_model.py") == true)
            #expect(server.downloads(of: "pytorch_model.bin").isEmpty)
            #expect(server.requests.compactMap(\.file) == ["modules.json"])
        }
    }

    @Test("a name held by a model from elsewhere is not overwritten without --force")
    func nameTaken() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let models = home.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let existing = models.appendingPathComponent("tiny-cls-normalize.embed")
        try LocalModel.export(folder: Fixtures.url("tiny/tiny-cls-normalize"), to: existing)
        let before = try Data(contentsOf: existing)
        try await withHubServer([try tinyRepository()]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error?.description.contains("--name") == true)
            #expect(try Data(contentsOf: existing) == before)
            let renamed = try await makePuller(server, home: home).pull(tinyRepositoryID, name: "tiny-from-hub")
            #expect(renamed.modelFile.lastPathComponent == "tiny-from-hub.embed")
            let forced = try await makePuller(server, home: home).pull(tinyRepositoryID, force: true)
            #expect(try LocalModel(contentsOf: forced.modelFile).metadata.source.hasPrefix("hub:"))
        }
    }

    @Test("an unreachable endpoint says so and how to work offline")
    func unreachable() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        // A port nothing listens on: bind one and close it.
        let configuration = try HubConfiguration(
            endpoint: "http://127.0.0.1:9", environment: [:], requestTimeout: .seconds(5), maxAttempts: 2,
            retryDelay: .milliseconds(1))
        let puller = ModelPuller(home: EmbedHome(url: home), hub: HubClient(configuration: configuration))
        let error = await #expect(throws: HubError.self) { try await puller.pull(tinyRepositoryID) }
        #expect(error?.isTransient == true)
        #expect(error?.description.contains("embed convert") == true, "\(String(describing: error))")
    }

    @Test("without sizes and digests in the model information, the Hub's download headers are checked instead")
    func headersAsFallback() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let log = EventLog()
        try await withHubServer([try tinyRepository()], behaviour: FixtureBehaviour(omitsBlobDetails: true)) { server in
            let result = try await makePuller(server, home: home).pull(tinyRepositoryID, progress: { log.record($0) })
            _ = try LocalModel(contentsOf: result.modelFile)
        }
        let verified = log.all.compactMap { event -> (String, FileDigest?)? in
            if case .verified(let path, let digest) = event { return (path, digest) }
            return nil
        }
        #expect(verified.first { $0.0 == "model.safetensors" }?.1?.algorithm == .sha256)
        #expect(verified.first { $0.0 == "config.json" }?.1?.algorithm == .gitBlobSHA1)

        // A corrupted download is still caught.
        try FileManager.default.removeItem(at: home)
        var repository = try tinyRepository()
        var corrupted = try #require(repository.files["model.safetensors"])
        corrupted[100] ^= 0x20
        repository.servedInstead["model.safetensors"] = corrupted
        try await withHubServer([repository], behaviour: FixtureBehaviour(omitsBlobDetails: true)) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            #expect(error?.description.contains("failed its sha256 check") == true, "\(String(describing: error))")
        }
    }

    @Test("an architecture this runtime cannot run is refused after the configuration, before the weights")
    func unsupportedArchitecture() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var repository = try tinyRepository()
        let config = try #require(repository.files["config.json"])
        var object = try #require(try JSONSerialization.jsonObject(with: config) as? [String: Any])
        object["model_type"] = "t5"
        repository.setFile("config.json", try JSONSerialization.data(withJSONObject: object))
        try await withHubServer([repository]) { server in
            let error = await #expect(throws: HubError.self) { try await makePuller(server, home: home).pull(tinyRepositoryID) }
            let message = error?.description ?? ""
            #expect(message.contains("\(tinyRepositoryID) is not a sentence-transformers model this runtime can use"), "\(message)")
            #expect(message.contains("t5"), "\(message)")
            #expect(server.downloads(of: "model.safetensors").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("downloads/fixtures--tiny-cls-normalize").path))
        }
    }
}
