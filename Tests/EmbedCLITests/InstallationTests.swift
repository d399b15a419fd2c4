import EmbedTestSupport
import Foundation
import Testing

@Suite("an installed embed: version and bundled models, as the release tarball and .deb lay them out", .offThePool)
struct InstallationTests {
    @Test("--version prints the version, the commit (none in a development build), the kernels and the int8 products")
    func version() async throws {
        let result = try await CLIRunner.run(["--version"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.lines
        try #require(lines.count == 4, "\(lines)")
        #expect(lines[0].wholeMatch(of: /embed \d+\.\d+\.\d+/) != nil, "\(lines[0])")
        #expect(lines[1].hasPrefix("commit: "), "\(lines[1])")
        #expect(lines[2].hasPrefix("kernels: ") && lines[2].contains(" in use; built: ") && lines[2].contains("portable"), "\(lines[2])")
        let forced = try await CLIRunner.run(["--version"], environment: ["EMBED_KERNELS": "portable"])
        #expect(lines[3].hasPrefix("int8 products: ") && lines[3].contains(" in use; built: ") && lines[3].contains("portable"), "\(lines[3])")
        #expect(forced.lines.dropFirst(2).first?.hasPrefix("kernels: portable") == true, "\(forced.lines)")
        #expect(forced.lines.last?.hasPrefix("int8 products: portable") == true || forced.lines.last?.contains("none") == true,
                "\(forced.lines)")
    }

    @Test("PREFIX/bin/embed finds a model copied into PREFIX/share/embed/models by name, with no flag or variable")
    func bundledModels() async throws {
        // Inside .build, on the binary's own file system, so the installed copy can be a hard link.
        let prefix = Fixtures.repositoryRoot.appendingPathComponent(".build/test-installation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let models = prefix.appendingPathComponent("share/embed/models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let installed = prefix.appendingPathComponent("bin/embed")
        do {
            try FileManager.default.linkItem(at: CLIRunner.binary, to: installed)
        } catch {
            try FileManager.default.copyItem(at: CLIRunner.binary, to: installed)
        }
        let model = "tiny-cls-normalize"
        let convert = try await CLIRunner.run(["convert", Fixtures.url("tiny/\(model)").path, models.appendingPathComponent("\(model).embed").path])
        #expect(convert.status == 0, "stderr: \(convert.stderr)")

        // An empty EMBED_HOME and a working directory without Models/: only the installation has it.
        let environment = ["EMBED_HOME": prefix.appendingPathComponent("home").path, "EMBED_MODEL": model]
        let listing = try await CLIRunner.run(["models"], environment: environment, executable: installed)
        #expect(listing.status == 0 && listing.stdoutText.contains(model), "\(listing.stdoutText) \(listing.stderr)")
        #expect(listing.stdoutText.contains(models.path), "\(listing.stdoutText)")
        let encode = try await CLIRunner.run(["encode", "-q", "a bundled model"], environment: environment, executable: installed)
        #expect(encode.status == 0, "stderr: \(encode.stderr)")
        let line = try JSONDecoder().decode(EncodedLine.self, from: Data(try #require(encode.lines.first).utf8))
        let golden: [ReferenceLine] = try Fixtures.readJSONLines(Fixtures.url("tiny/\(model).jsonl.gz"))
        #expect(line.embedding.count == golden.first?.embedding?.count)
    }

    @Test("a child that exits before reading its input fails on its own, without ending the test run (broken pipe)")
    func childExitsBeforeReadingInput() async throws {
        let input = Data(String(repeating: "{\"text\": \"unread\"}\n", count: 100_000).utf8)  // beyond a pipe's buffer
        let result = try await CLIRunner.run(["encode", "--model", "/nonexistent/model.embed", "-i", "-"], stdin: input)
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/model.embed"), "\(result.stderr)")
    }
}
