import EmbedCore
@testable import EmbedKit
@testable import EmbedHub
import EmbedTestSupport
import Foundation
import Testing

@Suite("Hub pieces: ids, endpoints, metadata, file choice, digests", .offThePool)
struct HubUnitTests {
    @Test("repository ids are ORG/NAME or NAME, as the Hub allows", arguments: [
        ("sentence-transformers/all-MiniLM-L6-v2", true), ("BAAI/bge-small-en-v1.5", true), ("bert-base-uncased", true),
        ("a/b/c", false), ("", false), ("org/", false), ("/name", false), ("org/na me", false), ("../etc", false),
        ("org/..", false), ("org/-x", false), ("org/a--b", false), ("org/model?x=1", false), ("org/é", false),
    ])
    func repositoryIDs(id: String, valid: Bool) async {
        #expect(((try? HubRepositoryID(id)) != nil) == valid)
    }

    @Test("a repository's name and folder name")
    func repositoryNames() async throws {
        let id = try HubRepositoryID("sentence-transformers/multi-qa-MiniLM-L6-cos-v1")
        #expect(id.name == "multi-qa-MiniLM-L6-cos-v1")
        #expect(id.folderName == "sentence-transformers--multi-qa-MiniLM-L6-cos-v1")
    }

    @Test("endpoint and token: explicit, then HF_ENDPOINT / HF_TOKEN, then the public Hub")
    func configurationPrecedence() async throws {
        let defaults = try HubConfiguration(environment: [:])
        #expect(defaults.endpoint == HubConfiguration.defaultEndpoint)
        #expect(defaults.token == nil)
        #expect(!defaults.isMirror)

        let environment = ["HF_ENDPOINT": "http://mirror.local:8080/", "HF_TOKEN": "hf_env", "HUGGING_FACE_HUB_TOKEN": "hf_old"]
        let fromEnvironment = try HubConfiguration(environment: environment)
        #expect(fromEnvironment.endpoint == "http://mirror.local:8080")
        #expect(fromEnvironment.token == "hf_env")
        #expect(fromEnvironment.isMirror)
        #expect(try HubConfiguration(environment: ["HUGGING_FACE_HUB_TOKEN": "hf_old", "HF_TOKEN": ""]).token == "hf_old")

        let explicit = try HubConfiguration(endpoint: "https://other.example", token: "hf_explicit", environment: environment)
        #expect(explicit.endpoint == "https://other.example")
        #expect(explicit.token == "hf_explicit")
    }

    @Test("an endpoint that is not an http(s) URL is refused, naming HF_ENDPOINT", arguments: ["mirror.local", "ftp://x", "http://"])
    func invalidEndpoint(value: String) async {
        #expect(throws: HubError.invalidEndpoint(value)) { try HubConfiguration(environment: ["HF_ENDPOINT": value]) }
        #expect(HubError.invalidEndpoint(value).description.contains("HF_ENDPOINT"))
    }

    @Test("model information decodes sizes, LFS SHA-256 and git blob ids")
    func decodesModelInfo() async throws {
        let json = """
            {"_id":"x","id":"org/m","sha":"0123456789abcdef0123456789abcdef01234567","siblings":[
              {"rfilename":"config.json","blobId":"9DC5DD43FBF4A6AA7984CA3FBB0EA0365FB2D727","size":666},
              {"rfilename":"model.safetensors","blobId":"pointerblob","size":90868376,
               "lfs":{"sha256":"53AA51172D142C89D9012CCE15AE4D6CC0CA6895895114379CACB4FAB128D9DB","size":90868376,"pointerSize":135}},
              {"rfilename":"old.bin","lfs":{"oid":"sha256:abcd","size":3}},
              {"rfilename":"README.md"}]}
            """
        let info = try JSONDecoder().decode(HubModelInfo.self, from: Data(json.utf8))
        #expect(info.commit == "0123456789abcdef0123456789abcdef01234567")
        #expect(info.file("config.json") == HubFile(path: "config.json", size: 666, gitBlobID: "9dc5dd43fbf4a6aa7984ca3fbb0ea0365fb2d727"))
        let weights = try #require(info.file("model.safetensors"))
        #expect(weights.size == 90_868_376)
        #expect(weights.gitBlobID == nil, "an LFS file's blob id is the pointer's, not the content's")
        #expect(weights.expectedDigest == FileDigest(algorithm: .sha256, hex: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"))
        #expect(info.file("old.bin")?.sha256 == "abcd")
        #expect(info.file("README.md")?.expectedDigest == nil)
    }

    @Test("SHA-256 and git blob SHA-1 match published values and git itself")
    func digests() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ text: String) throws -> URL {
            let url = directory.appendingPathComponent(UUID().uuidString)
            try Data(text.utf8).write(to: url)
            return url
        }
        #expect(try FileDigest.compute(.sha256, of: file("abc")).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try FileDigest.compute(.sha256, of: file("")).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try FileDigest.compute(.gitBlobSHA1, of: file("hello\n")).hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(try FileDigest.compute(.gitBlobSHA1, of: file("")).hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        // Fixture files as git stores them (blob ids), and one larger than a read (1 MiB): its
        // SHA-256 too.
        let tokenizer = Fixtures.url("tiny/tiny-cls-normalize/tokenizer.json")
        #expect(try FileDigest.compute(.gitBlobSHA1, of: tokenizer).hex == "45862d6c9c075036413798f44b7b607fa951cd1b")
        let large = Fixtures.url("reference/tokens-dev.jsonl.gz")  // 1,929,358 bytes
        #expect(try FileDigest.compute(.gitBlobSHA1, of: large).hex == "9c0df87b4f6d164a42b95a00dea1c785ccbe3db1")
        #expect(try FileDigest.compute(.sha256, of: large).hex == "08375dc79200becdb18b1adec65cf411460bc0f155c5204b082780f6199c92de")
    }

    static let repositoryFiles: [HubFile] = [
        "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors", "pytorch_model.bin",
        "tf_model.h5", "onnx/model.onnx", "onnx/config.json", "openvino/openvino_model.bin", "README.md", "1_Pooling/config.json",
        "2_Dense/config.json", "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin", "3_Normalize/.gitkeep",
        "train_script.py", "data_config.json",
    ].enumerated().map { HubFile(path: $0.element, size: 1000 - $0.offset) }

    static let modules = [
        SentenceTransformersFiles.Module(path: "", type: "sentence_transformers.models.Transformer"),
        .init(path: "1_Pooling", type: "sentence_transformers.models.Pooling"),
        .init(path: "2_Dense", type: "sentence_transformers.models.Dense"),
        .init(path: "3_Normalize", type: "sentence_transformers.models.Normalize"),
    ]

    @Test("only the files a sentence-transformers model needs are chosen, smallest first")
    func selectsFiles() async throws {
        let selected = try SentenceTransformersFiles.select(from: Self.repositoryFiles, modules: Self.modules, repository: "org/m")
        #expect(Set(selected.map(\.path)) == [
            "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors", "1_Pooling/config.json",
            "2_Dense/config.json", "2_Dense/model.safetensors",
        ])
        #expect(selected.map { $0.size ?? 0 } == selected.map { $0.size ?? 0 }.sorted())
    }

    @Test("sharded weights come with their index; stray shards do not")
    func shards() async throws {
        var files = Self.repositoryFiles.filter { $0.path != "model.safetensors" }
        files += ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "2_Dense/model-00001-of-00001.safetensors"].map { HubFile(path: $0) }
        let selected = Set(try SentenceTransformersFiles.select(from: files, modules: Self.modules, repository: "org/m").map(\.path))
        #expect(selected.isSuperset(of: ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]))
        #expect(!selected.contains("2_Dense/model-00001-of-00001.safetensors"))
    }

    @Test("missing safetensors for the transformer or a Dense head is refused before downloading")
    func missingWeights() async {
        let noDense = Self.repositoryFiles.filter { $0.path != "2_Dense/model.safetensors" }
        #expect(throws: HubError.pickleWeightsOnly(repository: "org/m", folder: "2_Dense")) {
            try SentenceTransformersFiles.select(from: noDense, modules: Self.modules, repository: "org/m")
        }
        let nothing = Self.repositoryFiles.filter { !$0.path.hasPrefix("2_Dense/") }
        let error = #expect(throws: HubError.self) {
            try SentenceTransformersFiles.select(from: nothing, modules: Self.modules, repository: "org/m")
        }
        #expect(error?.description.contains("Dense module (2_Dense) has no model.safetensors") == true)
        let noConfig = Self.repositoryFiles.filter { $0.path != "config.json" }
        #expect(throws: HubError.self) { try SentenceTransformersFiles.select(from: noConfig, modules: Self.modules, repository: "org/m") }
    }

    @Test("modules.json that is not a module list is a clear error")
    func badModules() async {
        #expect(throws: HubError.self) { try SentenceTransformersFiles.modules(from: Data("{\"a\":1}".utf8), repository: "org/m") }
        #expect(throws: Never.self) {
            try SentenceTransformersFiles.modules(from: Data(#"[{"idx":0,"name":"0","path":"","type":"x.Transformer"}]"#.utf8), repository: "org/m")
        }
    }

    @Test("EMBED_HOME: explicit, ~ expanded, default under ~/.cache, shared with the vector cache")
    func embedHome() async {
        #expect(EmbedHome(environment: ["EMBED_HOME": "/data/embed", "HOME": "/home/u"]).url.path == "/data/embed")
        #expect(EmbedHome(environment: ["EMBED_HOME": "~/e", "HOME": "/home/u"]).url.path == "/home/u/e")
        #expect(EmbedHome(environment: ["HOME": "/home/u"]).url.path == "/home/u/.cache/embed")
        let home = EmbedHome(environment: ["EMBED_HOME": "/data/embed"])
        #expect(home.modelFile(named: "m").path == "/data/embed/models/m.embed")
        #expect(home.vectorCacheDirectory.path == "/data/embed/cache")
        #expect(ModelLocator(environment: ["EMBED_HOME": "/data/embed"], executablePath: nil).searchDirectories.first?.path == "/data/embed/models")
    }

    @Test("a missing model says how to pull or convert it", arguments: [
        ("multi-qa-MiniLM-L6-cos-v1", "embed pull sentence-transformers/multi-qa-MiniLM-L6-cos-v1"),
        ("BAAI/bge-small-en-v1.5", "embed pull BAAI/bge-small-en-v1.5"),
        ("org/name.embed", "embed pull org/name"),
        ("nomic-embed-text", "embed pull nomic-ai/nomic-embed-text-v1.5"),
    ])
    func notFoundMessage(name: String, command: String) async {
        let home = "/nonexistent-\(UUID().uuidString)"
        let locator = ModelLocator(environment: ["EMBED_HOME": home], executablePath: nil)
        let error = #expect(throws: ModelNotFoundError.self) { try locator.resolve(name) }
        let message = error?.description ?? ""
        #expect(message.contains(command), "\(message)")
        #expect(message.contains("embed convert DIR \(ModelLocator.shortName(name)).embed"), "\(message)")
        #expect(message.contains("\(home)/models/\(ModelLocator.shortName(name)).embed"))
    }

    @Test("a missing path is named as a path, not offered to the Hub", arguments: ["/tmp/nothing-here/x.model", "./x.model", "../x.embed"])
    func missingPath(path: String) async {
        let locator = ModelLocator(environment: ["EMBED_HOME": "/nonexistent-\(UUID().uuidString)"], executablePath: nil)
        let error = #expect(throws: ModelNotFoundError.self) { try locator.resolve(path) }
        let message = error?.description ?? ""
        #expect(message.contains("No model file or folder at \(path)"), "\(message)")
        #expect(!message.contains("embed pull"), "\(message)")
    }

    @Test("Ollama's names find the same model installed under its Hugging Face name", arguments: [
        ("nomic-embed-text", "nomic-embed-text-v1.5"), ("nomic-embed-text:latest", "nomic-embed-text-v1.5"),
        ("all-minilm", "all-MiniLM-L6-v2"), ("all-MiniLM-L6-v2:latest", "all-MiniLM-L6-v2"),
    ])
    func ollamaNames(requested: String, installed: String) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ollama-names-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let models = home.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let file = models.appendingPathComponent(installed + ".embed")
        try Data("model".utf8).write(to: file)
        let locator = ModelLocator(environment: ["EMBED_HOME": home.path], executablePath: nil)
        #expect(try locator.resolve(requested).standardizedFileURL.path == file.standardizedFileURL.path)
    }

    @Test("an installed binary finds models in its installation's share/embed/models, through symlinks, after EMBED_HOME and ./Models")
    func installationModels() async throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("installation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let binary = prefix.appendingPathComponent("bin/embed")
        let models = prefix.appendingPathComponent("share/embed/models")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("binary".utf8).write(to: binary)
        let environment = ["EMBED_HOME": prefix.appendingPathComponent("home").path]

        // No share/embed/models yet: not searched, not listed in the error.
        let before = ModelLocator(environment: environment, executablePath: binary.path)
        #expect(!before.searchDirectories.map(\.path).contains(models.path))

        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let file = models.appendingPathComponent("copied-model.embed")
        try Data("model".utf8).write(to: file)
        // Started through a symlink (/usr/local/bin/embed → /opt/swift-embed/bin/embed).
        let link = prefix.appendingPathComponent("link-to-embed")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: binary)
        for executable in [binary, link] {
            let locator = ModelLocator(environment: environment, executablePath: executable.path)
            let directories = locator.searchDirectories.map { $0.standardizedFileURL.path }
            #expect(directories.firstIndex(of: models.standardizedFileURL.path) == 2, "\(directories)")
            #expect(try locator.resolve("copied-model").standardizedFileURL.path == file.standardizedFileURL.path)
            #expect(try locator.resolve("org/copied-model").standardizedFileURL.path == file.standardizedFileURL.path)
        }
    }

    @Test("the running binary's path comes from /proc/self/exe, not argv[0] (a bare name when started through PATH)")
    func runningExecutable() async throws {
        let path = try #require(ModelLocator.runningExecutablePath)
        #expect(path.hasPrefix("/"), "\(path)")
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }

    @Test("the default model's message also mentions the setup script")
    func defaultModelMessage() async {
        let message = ModelNotFoundError(requested: ModelLocator.defaultModelName, searched: ["/x/all-MiniLM-L6-v2.embed"]).description
        #expect(message.contains("embed pull sentence-transformers/all-MiniLM-L6-v2"))
        #expect(message.contains("Scripts/setup.sh"))
    }
}
