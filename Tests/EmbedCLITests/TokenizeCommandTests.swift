import EmbedTestSupport
import Foundation
import Testing

/// `embed tokenize --tokenizer`: any tokenizer.json, without a model.
@Suite("embed tokenize --tokenizer, end to end", .offThePool)
struct TokenizeCommandTests {
    struct Reference: Decodable {
        var text: String
        var ids: [Int]
    }

    struct IDs: Decodable { var ids: [Int] }

    static func input(_ texts: [String]) -> Data {
        Data(texts.map { "{\"text\":" + jsonString($0) + "}" }.joined(separator: "\n").utf8)
    }

    @Test("A Unigram or BPE tokenizer.json (file or folder) gives Hugging Face's ids, not truncated",
          arguments: [("unigram", "arch/tokenizers/unigram/tokenizer.json"), ("bpe", "arch/tokenizers/bpe")])
    func referenceIDs(name: String, path: String) async throws {
        let reference: [Reference] = try Fixtures.readJSONLines(Fixtures.url("arch/tokenizers/\(name)-ids.jsonl.gz"))
        let sample = Array(reference.prefix(300))
        let result = try await CLIRunner.run(
            ["tokenize", "--tokenizer", Fixtures.url(path).path, "--input", "-", "--output", "-"],
            stdin: Self.input(sample.map(\.text)))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.lines.map { try JSONDecoder().decode(IDs.self, from: Data($0.utf8)) }
        try #require(lines.count == sample.count)
        let differing = zip(lines, sample).filter { $0.0.ids != $0.1.ids }.map(\.1.text)
        #expect(differing.isEmpty, "\(differing.count) differ, first \(differing.first.map(\.debugDescription) ?? "")")
        #expect(result.stderr.contains("none truncated"), "\(result.stderr)")
    }

    @Test("--max-length cuts the ids and keeps the special tokens")
    func maxLength() async throws {
        let text = String(repeating: "tokenizers are fun ", count: 40)
        let result = try await CLIRunner.run(
            ["tokenize", "--tokenizer", Fixtures.url("arch/tokenizers/bpe").path, "--max-length", "8", "-i", "-", "-o", "-"],
            stdin: Self.input([text, "short"]))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.lines.map { try JSONDecoder().decode(IDs.self, from: Data($0.utf8)) }
        try #require(lines.count == 2)
        #expect(lines[0].ids.count == 8)
        #expect(lines[0].ids.first == 0 && lines[0].ids.last == 2)  // <s> … </s>
        #expect(lines[1].ids.count < 8)
        #expect(result.stderr.contains("1 truncated at 8 tokens"), "\(result.stderr)")
    }

    @Test("Bad arguments and bad input are clear errors")
    func errors() async throws {
        let both = try await CLIRunner.run(["tokenize", "--tokenizer", "x", "--model", "y", "-i", "-"], stdin: Data())
        #expect(both.status != 0)
        #expect(both.stderr.contains("not both"), "\(both.stderr)")

        let missing = try await CLIRunner.run(["tokenize", "--tokenizer", "/nonexistent/tokenizer.json", "-i", "-"], stdin: Data())
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("tokenizer.json"), "\(missing.stderr)")

        var bytes = Data("{\"text\":\"fine\"}\n{\"text\":\"bad ".utf8)
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(contentsOf: Data("\"}\n".utf8))
        let invalid = try await CLIRunner.run(
            ["tokenize", "--tokenizer", Fixtures.url("arch/tokenizers/unigram").path, "-i", "-", "-o", "-"], stdin: bytes)
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("<stdin>:2: invalid UTF-8"), "\(invalid.stderr)")
    }
}

/// `embed encode --prompt-name`: one of the model's own prompts, by name.
@Suite("embed encode --prompt-name, end to end", .offThePool)
struct PromptNameCommandTests {
    struct Line: Decodable { var embedding: [Float] }

    @Test("--prompt-name search_query gives the vectors of --prompt \"search_query: \"; an unknown name lists the prompts")
    func promptName() async throws {
        let model = Fixtures.url("nomic/tiny-nomic-bert").path
        let input = TokenizeCommandTests.input(["What is rotary attention?", "nomic-embed-text"])
        let byName = try await CLIRunner.run(["encode", "-q", "--model", model, "--prompt-name", "search_query", "-i", "-", "-o", "-"], stdin: input)
        let byText = try await CLIRunner.run(["encode", "-q", "--model", model, "--prompt", "search_query: ", "-i", "-", "-o", "-"], stdin: input)
        let plain = try await CLIRunner.run(["encode", "-q", "--model", model, "-i", "-", "-o", "-"], stdin: input)
        #expect(byName.status == 0 && byText.status == 0 && plain.status == 0, "\(byName.stderr) \(byText.stderr)")
        let decode = { (result: CLIRunner.Result) in try result.lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)).embedding } }
        #expect(try decode(byName) == decode(byText))
        #expect(try decode(byName) != decode(plain))

        let unknown = try await CLIRunner.run(["encode", "--model", model, "--prompt-name", "query_search", "-i", "-", "-o", "-"], stdin: input)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no prompt named \"query_search\""), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("search_query"), "\(unknown.stderr)")

        let both = try await CLIRunner.run(["encode", "--model", model, "--prompt-name", "x", "--prompt", "y", "-i", "-"], stdin: input)
        #expect(both.status != 0 && both.stderr.contains("not both"), "\(both.stderr)")
    }
}
