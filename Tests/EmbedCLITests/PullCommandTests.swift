import EmbedTestSupport
import Foundation
import Testing

@Suite("embed pull, models and encode against a loopback Hub", .serialized, .offThePool)
struct PullCommandTests {
    static let repository = "fixtures/tiny-cls-normalize"

    @Test("pull stores the model; models lists it; encode --model NAME reproduces the golden vectors")
    func pullListEncode() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withPullTestHub(folder: Fixtures.url("tiny/tiny-cls-normalize"), repository: Self.repository) { hub in
            let environment = ["EMBED_HOME": home.path, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": ""]

            let pull = try await CLIRunner.run(["pull", Self.repository], environment: environment)
            #expect(pull.status == 0, "stderr: \(pull.stderr)")
            let modelFile = home.appendingPathComponent("models/tiny-cls-normalize.embed")
            #expect(FileManager.default.fileExists(atPath: modelFile.path))
            #expect(pull.stderr.contains("pull: wrote \(modelFile.path)"), "stderr: \(pull.stderr)")
            #expect(pull.stderr.contains("model.safetensors ok (sha256)"), "stderr: \(pull.stderr)")
            #expect(!hub.requests.contains { $0.contains("README.md") }, "the model card is not a model file")

            let again = try await CLIRunner.run(["pull", Self.repository], environment: environment)
            #expect(again.status == 0)
            #expect(again.stderr.contains("is up to date"), "stderr: \(again.stderr)")

            let models = try await CLIRunner.run(["models", "--json"], environment: environment)
            #expect(models.status == 0, "stderr: \(models.stderr)")
            struct Listing: Decodable {
                struct Model: Decodable { var name: String; var path: String; var dimensions: Int; var source: String; var pooling: [String]; var isShadowed: Bool }
                var models: [Model]
            }
            let listing = try JSONDecoder().decode(Listing.self, from: models.stdout)
            let pulled = try #require(listing.models.first { $0.path == modelFile.path })
            #expect(pulled.name == "tiny-cls-normalize")
            #expect(pulled.source == "hub:\(Self.repository)@\(hub.commit) via \(hub.endpoint)")
            #expect(pulled.pooling == ["cls"])
            let table = try await CLIRunner.run(["models"], environment: environment)
            #expect(table.lines.first?.hasPrefix("NAME") == true)
            #expect(table.lines.contains { $0.hasPrefix("tiny-cls-normalize ") && $0.contains("hub:\(Self.repository)@") }, "\(table.stdoutText)")

            let golden: [ReferenceLine] = Array(try Fixtures.readJSONLines(Fixtures.url("tiny/tiny-cls-normalize.jsonl.gz")).filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.prefix(12))
            let input = golden.map { "{\"text\":" + jsonString($0.text) + "}" }.joined(separator: "\n")
            for name in ["tiny-cls-normalize", Self.repository] {
                let encode = try await CLIRunner.run(["encode", "-q", "--model", name, "-i", "-"], stdin: Data(input.utf8), environment: environment)
                #expect(encode.status == 0, "stderr: \(encode.stderr)")
                let lines = try encode.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
                try #require(lines.count == golden.count)
                for (line, expected) in zip(lines, golden) {
                    let comparison = VectorComparison(line.embedding, try #require(expected.embedding))
                    #expect(comparison.cosine >= 0.99999 && comparison.maxAbsoluteDifference <= 2e-5, "\(comparison)")
                }
            }
        }
    }

    @Test("pull --dtype int8 stores an int8 model under the name given")
    func pullInt8() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withPullTestHub(folder: Fixtures.url("tiny/tiny-cls-normalize"), repository: Self.repository) { hub in
            let environment = ["EMBED_HOME": home.path, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": ""]
            let pull = try await CLIRunner.run(["pull", Self.repository, "--dtype", "int8", "--name", "tiny-int8"], environment: environment)
            #expect(pull.status == 0, "stderr: \(pull.stderr)")
            let info = try await CLIRunner.run(["info", "tiny-int8"], environment: environment)
            #expect(info.status == 0 && info.stdoutText.contains("storage         int8 ("), "\(info.stdoutText) \(info.stderr)")
        }
    }

    @Test("a repository the Hub does not have is a clear error, and nothing is stored")
    func unknownRepository() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        try await withPullTestHub(folder: Fixtures.url("tiny/tiny-cls-normalize"), repository: Self.repository) { hub in
            let result = try await CLIRunner.run(["pull", "fixtures/other-model"], environment: ["EMBED_HOME": home.path, "HF_ENDPOINT": hub.endpoint])
            #expect(result.status != 0)
            #expect(result.stderr.contains("No model repository fixtures/other-model"), "stderr: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("models").path))
        }
    }

    @Test("an invalid repository id or endpoint is refused before any request", arguments: [
        (["pull", "not/a/repo"], [String: String](), "not a Hub repository id"),
        (["pull", "org/model"], ["HF_ENDPOINT": "mirror.local"], "HF_ENDPOINT"),
    ])
    func invalidInput(arguments: [String], environment: [String: String], fragment: String) async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let result = try await CLIRunner.run(arguments, environment: environment.merging(["EMBED_HOME": home.path]) { a, _ in a })
        #expect(result.status != 0)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
    }

    @Test("a model that is not present says how to pull it or convert it offline")
    func absentModel() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        for name in ["multi-qa-MiniLM-L6-cos-v1", "sentence-transformers/multi-qa-MiniLM-L6-cos-v1"] {
            let result = try await CLIRunner.run(["encode", "--model", name, "hello"], environment: ["EMBED_HOME": home.path])
            #expect(result.status != 0)
            #expect(result.stderr.contains("embed pull sentence-transformers/multi-qa-MiniLM-L6-cos-v1"), "stderr: \(result.stderr)")
            #expect(result.stderr.contains("embed convert DIR multi-qa-MiniLM-L6-cos-v1.embed"), "stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
