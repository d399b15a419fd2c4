import EmbedCore
import EmbedTestSupport
import Foundation
import Testing

@Suite("embed encode and tokenize, end to end on the default model", .requires(Fixtures.defaultModel), .offThePool)
struct EncodeCommandTests {
    @Test("encode: JSON Lines in, vectors equal to sentence-transformers' out, in order")
    func encodeMatchesReference() async throws {
        let reference: [ReferenceLine] = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"))
        let sample = Array(reference.prefix(120))
        let input = sample.map { "{\"text\":" + jsonString($0.text) + "}" }.joined(separator: "\n") + "\n"
        let result = try await CLIRunner.run(["encode", "--input", "-", "--output", "-", "--allow-empty", "--batch-size", "50"], stdin: Data(input.utf8))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        try #require(lines.count == sample.count)
        var worst = VectorComparison([1], [1])
        for (line, expected) in zip(lines, sample) {
            let comparison = VectorComparison(line.embedding, try #require(expected.embedding))
            if comparison.cosine < worst.cosine || comparison.maxAbsoluteDifference > worst.maxAbsoluteDifference { worst = comparison }
            #expect(comparison.cosine >= 0.99999 && comparison.maxAbsoluteDifference <= 2e-5, "\(expected.text.prefix(60)): \(comparison)")
            #expect(line.tokens == expected.ids.count)
            if expected.ids.count < 256 { #expect(!line.truncated) }
        }
        print("CLI encode parity on \(sample.count) texts: worst \(worst)")
    }

    @Test("encode: long texts are truncated, marked, and counted on stderr")
    func reportsTruncation() async throws {
        let long = String(repeating: "word ", count: 600)
        let input = "{\"text\":\"short\"}\n{\"text\":\"\(long)\"}\n"
        let result = try await CLIRunner.run(["encode", "-i", "-"], stdin: Data(input.utf8))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        #expect(lines.map(\.truncated) == [false, true])
        #expect(lines.last?.tokens == 256)
        #expect(result.stderr.contains("1 text(s) were longer than the model's maximum length"))
    }

    @Test("encode: EMBED_THREADS and --threads set the threads (same vectors); invalid values stop with a clear error")
    func threadsFromTheEnvironment() async throws {
        let texts = ["A man is playing a guitar.", String(repeating: "a longer text split over threads ", count: 6)]
        let one = try await CLIRunner.run(["encode", "-q"] + texts, environment: ["EMBED_THREADS": "1"])
        let two = try await CLIRunner.run(["encode", "-q"] + texts, environment: ["EMBED_THREADS": "2"])
        #expect(one.status == 0 && two.status == 0, "stderr: \(one.stderr) \(two.stderr)")
        let a = try one.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        let b = try two.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        try #require(a.count == 2 && b.count == 2)
        for (x, y) in zip(a, b) {
            #expect(VectorComparison(x.embedding, y.embedding).maxAbsoluteDifference <= 1e-6)
        }

        let invalid = try await CLIRunner.run(["encode", "-q", "text"], environment: ["EMBED_THREADS": "zero"])
        #expect(invalid.status != 0)
        #expect(invalid.stdout.isEmpty)
        #expect(invalid.stderr.contains("EMBED_THREADS=\"zero\" is not a thread count"), "stderr: \(invalid.stderr)")

        let overridden = try await CLIRunner.run(["encode", "-q", "--threads", "1", "text"], environment: ["EMBED_THREADS": "zero"])
        #expect(overridden.status == 0, "--threads wins over the environment: \(overridden.stderr)")
        let outOfRange = try await CLIRunner.run(["encode", "-q", "--threads", "0", "text"])
        #expect(outOfRange.status != 0)
        #expect(outOfRange.stderr.contains("--threads must be between 1 and 1024"))
    }

    @Test("encode: texts as arguments give one line each")
    func argumentsForm() async throws {
        let result = try await CLIRunner.run(["encode", "-q", "first text", "second text"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.embedding.count == 384 })
    }

    @Test("encode: an output file appears only when complete")
    func outputFile() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("in.jsonl")
        let outputURL = directory.appendingPathComponent("out.jsonl")
        try Data("{\"text\":\"one\"}\n{\"text\":\"two\"}\n{\"text\":\"three\"}\n".utf8).write(to: inputURL)
        let result = try await CLIRunner.run(["encode", "--input", inputURL.path, "--output", outputURL.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let written = try String(contentsOf: outputURL, encoding: .utf8).split(separator: "\n")
        #expect(written.count == 3)
        var leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)

        // A second run replaces the existing output whole.
        try Data("{\"text\":\"four\"}\n".utf8).write(to: inputURL)
        let again = try await CLIRunner.run(["encode", "-q", "--input", inputURL.path, "--output", outputURL.path])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try String(contentsOf: outputURL, encoding: .utf8).split(separator: "\n").count == 1)

        // A run that fails leaves the existing output as it was.
        try Data("{\"text\":\"ok\"}\n{\"text\": oops}\n".utf8).write(to: inputURL)
        let failed = try await CLIRunner.run(["encode", "-q", "--input", inputURL.path, "--output", outputURL.path])
        #expect(failed.status != 0)
        #expect(try String(contentsOf: outputURL, encoding: .utf8).split(separator: "\n").count == 1)
        leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)
    }

    @Test("encode: bad input lines stop with an error naming the line, and write nothing", arguments: [
        ("{\"text\":\"ok\"}\n{\"text\": oops}\n", "2: malformed JSON"),
        ("{\"text\":\"ok\"}\n\n{\"nottext\":\"x\"}\n", "3: missing the \"text\" field"),
        ("{\"text\":42}\n", "1: \"text\" must be a string"),
        ("[1,2]\n", "1: expected a JSON object"),
        ("{\"text\":\"ok\"}\n{\"text\":\"  \"}\n", "2: the text is empty"),
    ])
    func badLines(input: String, message: String) async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("out.jsonl")
        let result = try await CLIRunner.run(["encode", "-i", "-", "-o", outputURL.path], stdin: Data(input.utf8))
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outputURL.path))
    }

    @Test("encode: a file is checked through first, so a bad last line stops the run before any vector")
    func fileCheckedFirst() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("in.jsonl")
        let good = (1...9).map { "{\"text\":\"sentence number \($0)\"}" }
        try Data((good + ["{\"text\":\"\"}"]).joined(separator: "\n").utf8).write(to: inputURL)
        let result = try await CLIRunner.run(["encode", "--batch-size", "2", "-i", inputURL.path, "-o", "-"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(inputURL.path):10: the text is empty"), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.contains("encode: 2/"))

        let tokenized = try await CLIRunner.run(["tokenize", "-i", inputURL.path, "-o", "-"])
        #expect(tokenized.status == 0, "an empty text tokenizes to [CLS] [SEP]: \(tokenized.stderr)")
        try Data((good + ["{\"txt\":\"x\"}"]).joined(separator: "\n").utf8).write(to: inputURL)
        let badToken = try await CLIRunner.run(["tokenize", "-i", inputURL.path, "-o", "-"])
        #expect(badToken.status != 0)
        #expect(badToken.stderr.contains(":10: missing the \"text\" field"), "stderr: \(badToken.stderr)")
        #expect(badToken.stdout.isEmpty)
    }

    @Test("encode: standard input is embedded batch by batch; a bad line stops the run where it is")
    func standardInputStreams() async throws {
        let lines = (1...5).map { "{\"text\":\"line \($0)\"}" } + ["{\"text\": 6}"] + (7...8).map { "{\"text\":\"line \($0)\"}" }
        let result = try await CLIRunner.run(
            ["encode", "--batch-size", "2", "-i", "-", "-o", "-"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(result.status != 0)
        #expect(result.stderr.contains("<stdin>:6: \"text\" must be a string"), "stderr: \(result.stderr)")
        // Lines 1–4 (two whole batches) were embedded and written; line 5's batch never ran.
        let written = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        #expect(written.count == 4)
        #expect(result.stderr.contains("encode: 4 texts"))
        #expect(result.stderr.contains("stopped after 4 texts; the vectors of those were written"), "stderr: \(result.stderr)")

        let all = (1...7).map { "{\"text\":\"line \($0)\"}" }.joined(separator: "\n")
        let streamed = try await CLIRunner.run(["encode", "--batch-size", "3", "-i", "-", "-o", "-"], stdin: Data(all.utf8))
        let whole = try await CLIRunner.run(["encode", "--batch-size", "256", "-i", "-", "-o", "-"], stdin: Data(all.utf8))
        #expect(streamed.status == 0 && whole.status == 0)
        let a = try streamed.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        let b = try whole.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)) }
        try #require(a.count == 7 && b.count == 7)
        for (x, y) in zip(a, b) { #expect(VectorComparison(x.embedding, y.embedding).maxAbsoluteDifference <= 1e-6) }
    }

    @Test("encode: invalid UTF-8 is reported with its line and byte")
    func invalidUTF8() async throws {
        var input = Data("{\"text\":\"fine\"}\n{\"text\":\"caf".utf8)
        input.append(contentsOf: [0xC3, 0x28])
        input.append(contentsOf: Array("\"}\n".utf8))
        let result = try await CLIRunner.run(["encode", "-i", "-"], stdin: input)
        #expect(result.status != 0)
        #expect(result.stderr.contains("<stdin>:2: invalid UTF-8 at byte 13"), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("tokenize: ids equal Hugging Face's, one line per input")
    func tokenizeMatchesReference() async throws {
        let reference: [ReferenceLine] = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-ids.jsonl.gz"))
        let sample = Array(reference.suffix(400))
        let input = sample.map { "{\"text\":" + jsonString($0.text) + "}" }.joined(separator: "\n")
        let result = try await CLIRunner.run(["tokenize", "--input", "-", "--output", "-"], stdin: Data(input.utf8))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        struct IDs: Decodable { var ids: [Int] }
        let lines = try result.lines.map { try JSONDecoder().decode(IDs.self, from: Data($0.utf8)) }
        try #require(lines.count == sample.count)
        let mismatches = zip(lines, sample).filter { $0.0.ids != $0.1.ids }.count
        #expect(mismatches == 0)
        #expect(result.stderr.contains("truncated at 256 tokens"))
    }
}

/// Returns `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    var json = JSONWriter()
    json.string(text)
    return json.text
}
