import EmbedTestSupport
import Foundation
import Testing

@Suite("embed convert, info and model errors, end to end", .offThePool)
struct ModelCommandTests {
    @Test("convert + encode reproduce each tiny model's golden vectors", arguments: Fixtures.tinyModels)
    func convertAndEncode(model: String) async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("\(model).embed")
        let convert = try await CLIRunner.run(["convert", Fixtures.url("tiny/\(model)").path, file.path])
        #expect(convert.status == 0, "stderr: \(convert.stderr)")

        let golden: [ReferenceLine] = try Fixtures.readJSONLines(Fixtures.url("tiny/\(model).jsonl.gz"))
        let input = golden.map { "{\"text\":" + jsonString($0.text) + "}" }.joined(separator: "\n")
        let encode = try await CLIRunner.run(["encode", "--model", file.path, "-i", "-", "--allow-empty"], stdin: Data(input.utf8))
        #expect(encode.status == 0, "stderr: \(encode.stderr)")
        let lines = try encode.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        try #require(lines.count == golden.count)
        for (line, expected) in zip(lines, golden) {
            let comparison = VectorComparison(line.embedding, try #require(expected.embedding))
            #expect(comparison.cosine >= 0.99999 && comparison.maxAbsoluteDifference <= 2e-5, "\(expected.text.prefix(40).debugDescription): \(comparison)")
        }
    }

    @Test("--dtype f16 halves the file and stays close to f32")
    func halfPrecision() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("full.embed"), half = directory.appendingPathComponent("half.embed")
        let folder = Fixtures.url("tiny/tiny-cls-normalize").path
        #expect(try await CLIRunner.run(["convert", folder, full.path]).status == 0)
        #expect(try await CLIRunner.run(["convert", folder, half.path, "--dtype", "f16"]).status == 0)
        let fullSize = try #require(try FileManager.default.attributesOfItem(atPath: full.path)[.size] as? Int)
        let halfSize = try #require(try FileManager.default.attributesOfItem(atPath: half.path)[.size] as? Int)
        #expect(Double(halfSize) < 0.6 * Double(fullSize))
        let a = try await CLIRunner.run(["encode", "-q", "--model", full.path, "A man is playing a guitar."])
        let b = try await CLIRunner.run(["encode", "-q", "--model", half.path, "A man is playing a guitar."])
        let va = try JSONDecoder().decode(EncodedLine.self, from: Data(a.stdoutText.utf8)).embedding
        let vb = try JSONDecoder().decode(EncodedLine.self, from: Data(b.stdoutText.utf8)).embedding
        #expect(VectorComparison(va, vb).cosine > 0.999)
    }

    @Test("--dtype int8 stores the matrices as int8: a file about a third the size here, info says so, vectors close to f32")
    func int8() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("full.embed"), small = directory.appendingPathComponent("int8.embed")
        let folder = Fixtures.url("tiny/tiny-cls-normalize").path
        #expect(try await CLIRunner.run(["convert", folder, full.path]).status == 0)
        let convert = try await CLIRunner.run(["convert", folder, small.path, "--dtype", "int8"])
        #expect(convert.status == 0, "stderr: \(convert.stderr)")
        let fullSize = try #require(try FileManager.default.attributesOfItem(atPath: full.path)[.size] as? Int)
        let smallSize = try #require(try FileManager.default.attributesOfItem(atPath: small.path)[.size] as? Int)
        // The tiny model's metadata (its vocabulary) is a large share of the file.
        #expect(Double(smallSize) < 0.6 * Double(fullSize), "\(smallSize) of \(fullSize)")
        let info = try await CLIRunner.run(["info", small.path])
        #expect(info.stdoutText.contains("storage         int8 ("), "\(info.stdoutText)")
        #expect(info.stdoutText.contains("format version  3"), "\(info.stdoutText)")
        let a = try await CLIRunner.run(["encode", "-q", "--model", full.path, "A man is playing a guitar."])
        let b = try await CLIRunner.run(["encode", "-q", "--model", small.path, "A man is playing a guitar."])
        let va = try JSONDecoder().decode(EncodedLine.self, from: Data(a.stdoutText.utf8)).embedding
        let vb = try JSONDecoder().decode(EncodedLine.self, from: Data(b.stdoutText.utf8)).embedding
        #expect(VectorComparison(va, vb).cosine > 0.999)
        let invalid = try await CLIRunner.run(["convert", folder, small.path, "--dtype", "int4"])
        #expect(invalid.status != 0 && invalid.stderr.contains("'f32', 'f16' or 'int8'"), "\(invalid.stderr)")
    }

    @Test("info describes the default model", .requires(Fixtures.defaultModel))
    func info() async throws {
        let result = try await CLIRunner.run(["info", Fixtures.defaultModel.url.path, "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        struct Summary: Decodable { var dimensions: Int; var maxSequenceLength: Int; var pooling: [String]; var normalized: Bool; var checksum: String? }
        let summary = try JSONDecoder().decode(Summary.self, from: result.stdout)
        #expect(summary.dimensions == 384)
        #expect(summary.maxSequenceLength == 256)
        #expect(summary.pooling == ["mean"])
        #expect(summary.normalized)
        #expect(summary.checksum?.count == 16)
    }

    @Test("a damaged, truncated or foreign model file is refused with a clear message")
    func damagedModel() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tiny.embed")
        #expect(try await CLIRunner.run(["convert", Fixtures.url("tiny/tiny-cls-normalize").path, file.path]).status == 0)
        var bytes = try Data(contentsOf: file)

        let truncated = directory.appendingPathComponent("truncated.embed")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let truncatedRun = try await CLIRunner.run(["encode", "--model", truncated.path, "hello"])
        #expect(truncatedRun.status != 0)
        #expect(truncatedRun.stderr.contains(truncated.path), "stderr: \(truncatedRun.stderr)")
        #expect(truncatedRun.stdout.isEmpty)

        bytes[bytes.count - 100] ^= 0x40
        let corrupted = directory.appendingPathComponent("corrupted.embed")
        try bytes.write(to: corrupted)
        let corruptedRun = try await CLIRunner.run(["encode", "--model", corrupted.path, "hello"])
        #expect(corruptedRun.status != 0)
        #expect(corruptedRun.stderr.lowercased().contains("checksum"), "stderr: \(corruptedRun.stderr)")
        #expect(corruptedRun.stdout.isEmpty)

        let foreign = directory.appendingPathComponent("foreign.embed")
        try Data("{\"not\": \"a model\"}".utf8).write(to: foreign)
        let foreignRun = try await CLIRunner.run(["encode", "--model", foreign.path, "hello"])
        #expect(foreignRun.status != 0)
        #expect(foreignRun.stderr.contains("not an embed model file") || foreignRun.stderr.contains("JSON"), "stderr: \(foreignRun.stderr)")
    }

    @Test("an unknown model name says where it looked and how to get it")
    func unknownModel() async throws {
        let result = try await CLIRunner.run(["encode", "--model", "no-such-model", "hello"], environment: ["EMBED_HOME": "/nonexistent-embed-home"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("No local model named \"no-such-model\""))
        #expect(result.stderr.contains("/nonexistent-embed-home/models/no-such-model.embed"))
        #expect(result.stderr.contains("embed convert"))
    }

    @Test("convert rejects a folder with an unsupported module, naming it")
    func unsupportedModule() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("model")
        try Fixtures.copy(Fixtures.url("tiny/tiny-cls-normalize"), to: folder)
        let modules = """
            [{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
             {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
             {"idx":2,"name":"2","path":"2_LayerNorm","type":"sentence_transformers.models.LayerNorm"}]
            """
        try Data(modules.utf8).write(to: folder.appendingPathComponent("modules.json"))
        let output = directory.appendingPathComponent("out.embed")
        let result = try await CLIRunner.run(["convert", folder.path, output.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("LayerNorm"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}

@Suite("embed with providers and configuration files", .offThePool)
struct ConfigurationCommandTests {
    @Test("a YAML mem0 configuration selecting the local provider embeds locally", .requires(Fixtures.defaultModel))
    func yamlLocal() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("mem0.yaml")
        try Data("embedder:\n  provider: huggingface\n  config:\n    model: \(Fixtures.defaultModel.url.path)\n".utf8).write(to: config)
        let viaConfig = try await CLIRunner.run(["encode", "-q", "--config", config.path, "A man is playing a guitar."])
        #expect(viaConfig.status == 0, "stderr: \(viaConfig.stderr)")
        let direct = try await CLIRunner.run(["encode", "-q", "A man is playing a guitar."])
        #expect(viaConfig.stdoutText == direct.stdoutText)
    }

    @Test("an unknown provider or key is a clear error", arguments: [
        (["--provider", "nosuch"], "nosuch"),
    ])
    func unknownProvider(arguments: [String], fragment: String) async throws {
        let result = try await CLIRunner.run(["encode"] + arguments + ["hello"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("openai"), "should list the valid providers: \(result.stderr)")
    }

    @Test("a configuration file with an unknown key names it")
    func unknownKey() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("mem0.json")
        try Data(#"{"embedder": {"provider": "openai", "config": {"model": "m", "api_keyy": "x"}}}"#.utf8).write(to: config)
        let result = try await CLIRunner.run(["encode", "--config", config.path, "hello"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("api_keyy"), "stderr: \(result.stderr)")
    }
}
