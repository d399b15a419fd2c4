import EmbedTestSupport
import Foundation
import Testing

/// `embed convert`, `info` and `models` on GGUF files, an Ollama store and an LM Studio folder.
@Suite("embed and GGUF files", .offThePool)
struct GGUFCommandTests {
    static let tinyGGUF = Fixtures.url("gguf/tiny-cls-normalize.f32.gguf")
    static let digest = String(repeating: "5e", count: 32)

    /// An Ollama store holding the tiny BERT as `tiny-bert:latest`, laid out as Ollama lays it out.
    static func ollamaStore(in directory: URL) throws -> URL {
        let models = directory.appendingPathComponent("ollama-models")
        let blobs = models.appendingPathComponent("blobs")
        let manifest = models.appendingPathComponent("manifests/registry.example/library/tiny-bert/latest")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: manifest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: tinyGGUF, to: blobs.appendingPathComponent("sha256-\(digest)"))
        try #"{"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:\#(digest)","size":529408}]}"#
            .write(to: manifest, atomically: true, encoding: .utf8)
        return models
    }

    static func vector(_ output: Data) throws -> [Double] {
        let object = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        return try #require(object?["embedding"] as? [Double])
    }

    @Test("convert ollama:NAME writes a model whose vectors equal the original folder's")
    func convertFromOllama() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let models = try Self.ollamaStore(in: directory)
        let output = directory.appendingPathComponent("tiny.embed").path
        let converted = try await CLIRunner.run(["convert", "ollama:tiny-bert", output], environment: ["OLLAMA_MODELS": models.path])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stderr.contains("normalize not in the file"), "\(converted.stderr)")

        let fromGGUF = try await CLIRunner.run(["encode", "-q", "--model", output, "a GGUF from an Ollama store"])
        let fromFolder = try await CLIRunner.run(["encode", "-q", "--model", Fixtures.url("tiny/tiny-cls-normalize").path, "a GGUF from an Ollama store"])
        let (a, b) = (try Self.vector(fromGGUF.stdout), try Self.vector(fromFolder.stdout))
        #expect(a.count == b.count)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 })

        let info = try await CLIRunner.run(["info", output])
        #expect(info.stdoutText.contains("tiny-bert"), "\(info.stdoutText)")
    }

    @Test("models --ollama DIR lists the store's embedding models with the command that converts them")
    func listOllama() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let models = try Self.ollamaStore(in: directory)
        let listed = try await CLIRunner.run(["models", "--ollama", models.path])
        #expect(listed.status == 0, "\(listed.stderr)")
        let text = String(decoding: listed.stdout, as: UTF8.self)
        #expect(text.contains("tiny-bert:latest"), "\(text)")
        #expect(text.contains("yes: embed convert ollama:tiny-bert:latest OUT.embed"), "\(text)")
        let json = try await CLIRunner.run(["models", "--lmstudio", directory.path, "--json"])
        #expect(json.status == 0)
        #expect(json.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).filter { !$0.isWhitespace } == "[]", "\(json.stdoutText)")
        let none = try await CLIRunner.run(["models", "--ollama", directory.path])
        #expect(none.status != 0)
        #expect(none.stderr.contains("no Ollama store here"), "\(none.stderr)")
    }

    @Test("info on a GGUF file shows what convert will write, and the settings the file lacks")
    func info() async throws {
        let result = try await CLIRunner.run(["info", Self.tinyGGUF.path, "--max-length", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = String(decoding: result.stdout, as: UTF8.self)
        for expected in ["gguf architecture  bert", "pooling            cls", "max length         64 tokens", "default            normalize: yes"] {
            #expect(text.contains(expected), "missing \(expected.debugDescription) in\n\(text)")
        }
        #expect(!text.contains("default            max length"))
    }

    @Test("convert from LM Studio's folder by file name, keeping the file's Q8_0 as int8")
    func convertFromLMStudio() async throws {
        let home = try CLIRunner.temporaryDirectory()
        let repository = home.appendingPathComponent(".lmstudio/models/tiny-org/tiny-embed-GGUF")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("gguf/tiny-cls-normalize.q8_0.gguf"), to: repository.appendingPathComponent("tiny-embed.Q8_0.gguf"))
        let output = home.appendingPathComponent("q8.embed").path
        let converted = try await CLIRunner.run(["convert", "lmstudio:tiny-embed.Q8_0", output], environment: ["HOME": home.path])
        #expect(converted.status == 0, "\(converted.stderr)")
        let info = try await CLIRunner.run(["info", output, "--json"])
        #expect(String(decoding: info.stdout, as: UTF8.self).contains("int8"), "\(String(decoding: info.stdout, as: UTF8.self))")
    }

    @Test("A damaged GGUF file is refused with the reason, and no output is left behind")
    func damaged() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let bytes = try Data(contentsOf: Self.tinyGGUF)
        let cut = directory.appendingPathComponent("cut.gguf")
        try bytes.prefix(40_000).write(to: cut)
        let output = directory.appendingPathComponent("out.embed")
        let result = try await CLIRunner.run(["convert", cut.path, output.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("truncated"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let folderOptions = try await CLIRunner.run(["convert", Fixtures.url("tiny/tiny-cls-normalize").path, output.path, "--max-length", "8"])
        #expect(folderOptions.status != 0)
        #expect(folderOptions.stderr.contains("apply to GGUF files only"), "\(folderOptions.stderr)")
    }
}
