import EmbedCore
import EmbedJobs
import Foundation
import Testing

/// A vector per text from its length; no state, so shards can run in any order.
private struct LengthEmbedder: Embedder {
    let modelName = "length"
    let dimensions: Int? = 2
    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        texts.map { Embedding(vector: [Float($0.count), Float($0.unicodeScalars.first?.value ?? 0)], tokenCount: $0.count) }
    }
}

@Suite("Sharding an encode run: --shard K/N", .offThePool)
struct ShardTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    @Test("K/N parses; anything else, or K outside 1…N, is an error naming the value", arguments: ["0/3", "4/3", "1/0", "-1/2", "a/b", "3", "1/2/3", ""])
    func parsing(bad: String) throws {
        #expect(try EncodeJob.Shard(parsing: "3/8") == EncodeJob.Shard(index: 3, count: 8))
        let error = #expect(throws: ShardError.self) { try EncodeJob.Shard(parsing: bad) }
        #expect(error?.description.contains("'\(bad)'") == true)
    }

    @Test("The slices of every input cover each line exactly once, in order, within one line of each other's length")
    func slicesCoverEveryLineOnce() throws {
        for lineCount in [0, 1, 2, 7, 10, 99, 1000] {
            for count in [1, 2, 3, 7, 16] {
                var covered: [Int] = []
                var sizes: [Int] = []
                for index in 1...count {
                    let lines = try EncodeJob.Shard(index: index, count: count).lines(of: lineCount)
                    covered += lines.map(Array.init) ?? []
                    sizes.append(lines?.count ?? 0)
                }
                #expect(covered == Array(stride(from: 1, through: lineCount, by: 1)), "L=\(lineCount) N=\(count)")
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "L=\(lineCount) N=\(count): \(sizes)")
            }
        }
    }

    /// Runs the job and returns its output lines.
    func run(_ input: EncodeJob.Input, shard: EncodeJob.Shard?, name: String) async throws -> [String] {
        let output = directory.appendingPathComponent(name).path
        _ = try await EncodeJob(input: input, output: output, batchSize: 3, shard: shard).run(with: LengthEmbedder())
        return try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    @Test("Shards 1…N of a file, concatenated, equal the unsharded output; each line carries its input line number", arguments: [1, 2, 3, 5, 13])
    func concatenationEqualsWholeRun(count: Int) async throws {
        // 11 lines with blank ones (line numbers count them) and a last line without a break.
        let texts = ["alpha", "", "beta", "gamma", "delta", "   ", "epsilon", "zeta", "eta", "theta", "iota"]
        let body = texts.map { $0.trimmingCharacters(in: .whitespaces).isEmpty ? $0 : "{\"text\":\"\($0)\"}" }.joined(separator: "\n")
        let path = directory.appendingPathComponent("in.jsonl").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)

        let whole = try await run(.file(path), shard: nil, name: "whole.jsonl")
        var joined: [String] = []
        for index in 1...count {
            joined += try await run(.file(path), shard: try EncodeJob.Shard(index: index, count: count), name: "part-\(index).jsonl")
        }
        #expect(joined == whole)
        let lineNumbers = try whole.map { line in
            try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["line"] as? Int)
        }
        #expect(lineNumbers == [1, 3, 4, 5, 7, 8, 9, 10, 11])
        #expect(whole.first?.hasPrefix(#"{"line":1,"embedding":[5.0,97.0]"#) == true, "\(whole.first ?? "")")
    }

    @Test("Texts given as a list shard by position")
    func listInput() async throws {
        let texts = (1...7).map { String(repeating: "x", count: $0) }
        let whole = try await run(.texts(texts), shard: nil, name: "whole.jsonl")
        var joined: [String] = []
        for index in 1...3 {
            joined += try await run(.texts(texts), shard: try EncodeJob.Shard(index: index, count: 3), name: "p\(index).jsonl")
        }
        #expect(joined == whole)
        #expect(try await run(.texts(texts), shard: try EncodeJob.Shard(index: 2, count: 3), name: "two.jsonl").count == 2)
    }

    @Test("A bad line in another shard's slice does not stop this shard")
    func badLineElsewhere() async throws {
        let path = directory.appendingPathComponent("bad.jsonl").path
        try "{\"text\":\"one\"}\n{\"text\":\"two\"}\nnot json\n{\"text\":\"four\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let first = try await run(.file(path), shard: try EncodeJob.Shard(index: 1, count: 2), name: "first.jsonl")
        #expect(first.count == 2)
        await #expect(throws: JSONLinesError.self) {
            _ = try await run(.file(path), shard: try EncodeJob.Shard(index: 2, count: 2), name: "second.jsonl")
        }
    }

    @Test("Standard input cannot be sharded: its lines cannot be counted first")
    func standardInput() async throws {
        let job = EncodeJob(input: .file("-"), output: directory.appendingPathComponent("o").path, batchSize: 2,
                            shard: try EncodeJob.Shard(index: 1, count: 2))
        let error = await #expect(throws: JSONLinesError.self) { try await job.run(with: LengthEmbedder()) }
        #expect(error?.description.contains("--shard needs a regular file") == true)
    }

    @Test("countLines counts blank lines and a last line without a break")
    func countLines() throws {
        let path = directory.appendingPathComponent("c.jsonl").path
        for (text, expected) in [("", 0), ("a", 1), ("a\n", 1), ("a\n\n", 2), ("a\nb", 2), ("\n\n\n", 3)] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try JSONLinesReader(path: path).countLines(chunkSize: 1) == expected, "\(text.debugDescription)")
            #expect(try JSONLinesReader(path: path).countLines() == expected, "\(text.debugDescription)")
        }
    }
}
