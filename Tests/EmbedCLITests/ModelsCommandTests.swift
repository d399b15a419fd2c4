import EmbedTestSupport
import Foundation
import Testing

@Suite("embed models", .offThePool)
struct ModelsCommandTests {
    @Test("lists models with architecture, tokenizer, dimensions, length, pooling, size and source; flags damaged files and interrupted pulls")
    func listing() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let models = home.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let converted = models.appendingPathComponent("dense.embed")
        let convert = try await CLIRunner.run(["convert", Fixtures.url("tiny/tiny-sqrtlen-dense").path, converted.path, "--dtype", "f16"])
        #expect(convert.status == 0, "stderr: \(convert.stderr)")
        try Data("garbage".utf8).write(to: models.appendingPathComponent("broken.embed"))
        let partial = home.appendingPathComponent("downloads/org--half-done/0123")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try Data(count: 2_000_000).write(to: partial.appendingPathComponent("model.safetensors.incomplete"))

        let result = try await CLIRunner.run(["models"], environment: ["EMBED_HOME": home.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let row = try #require(result.lines.first { $0.hasPrefix("dense ") })
        let info = try await CLIRunner.run(["info", converted.path, "--json"])
        struct Summary: Decodable { var dimensions: Int; var maxSequenceLength: Int; var pooling: [String] }
        let summary = try JSONDecoder().decode(Summary.self, from: info.stdout)
        let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(cells[1] == "bert" && cells[2] == "WordPiece", "\(row)")
        #expect(cells[3] == "\(summary.dimensions)" && cells[4] == "\(summary.maxSequenceLength)", "\(row)")
        #expect(row.contains(summary.pooling.joined(separator: "+")), "\(row)")
        #expect(row.contains("f16") && row.contains(Fixtures.url("tiny/tiny-sqrtlen-dense").standardizedFileURL.path), "\(row)")
        #expect(result.stdoutText.contains("unreadable: \(models.appendingPathComponent("broken.embed").path)"))
        #expect(result.stdoutText.contains("interrupted pull: org/half-done (2.0 MB kept"), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("embed pull org/half-done"))
        #expect(result.lines.last?.hasPrefix("searched: \(models.path)") == true)
    }

    @Test("an empty model cache says how to get a model")
    func empty() async throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        // Run from an empty folder with a copy of the binary, so no checkout Models/ is searched.
        let binary = home.appendingPathComponent("bin/embed")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLIRunner.binary, to: binary)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["models"]
        process.currentDirectoryURL = home
        process.environment = ["EMBED_HOME": home.appendingPathComponent("embed-home").path, "HOME": home.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("No local models. Get one with `embed pull sentence-transformers/all-MiniLM-L6-v2`"), "\(text)")
        #expect(text.contains("embed convert DIR NAME.embed"))
    }
}
