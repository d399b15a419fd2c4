import EmbedTestSupport
import Foundation
import Testing

/// The parts of `embed compare --json` the tests read.
struct ComparisonJSON: Decodable {
    struct Side: Decodable { var name: String; var dimensions: Int }
    struct PerText: Decodable { var min: Double; var mean: Double; var p1: Double; var p5: Double; var p50: Double; var worst: [Worst] }
    struct Worst: Decodable { var index: Int; var text: String; var cosine: Double }
    struct Overlap: Decodable { var k: Int; var mean: Double }
    struct Structure: Decodable { var spearman: Double?; var totalPairs: Int; var neighbourOverlap: [Overlap] }
    struct Gold: Decodable { var pairCount: Int; var spearmanA: Double?; var spearmanB: Double? }
    var a: Side
    var b: Side
    var textCount: Int
    var perText: PerText?
    var structure: Structure
    var gold: Gold?
}

/// A texts file: the tiny models' stress texts that are not empty and not long (a debug build
/// runs MiniLM slowly).
func writeCompareTexts(to directory: URL, count: Int = 40) throws -> URL {
    let lines: [ReferenceLine] = try Fixtures.readJSONLines(Fixtures.url("tiny/tiny-cls-normalize.jsonl.gz"))
    let texts = lines.map(\.text).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && $0.count < 120 }
    let url = directory.appendingPathComponent("texts.jsonl")
    try Data(texts.prefix(count).map { "{\"text\":" + jsonString($0) + "}" }.joined(separator: "\n").utf8).write(to: url)
    return url
}

@Suite("embed compare, end to end", .serialized, .offThePool)
struct CompareCommandTests {
    @Test("a model compared with itself: cosine 1, overlap 1; the second run is served from the cache", .requires(Fixtures.defaultModel))
    func selfComparison() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = try writeCompareTexts(to: directory)
        let environment = ["EMBED_HOME": directory.appendingPathComponent("home").path]
        let arguments = ["compare", "--a", "all-MiniLM-L6-v2", "--b", "local:\(Fixtures.defaultModel.url.path)", "--input", texts.path, "--json"]
        let first = try await CLIRunner.run(arguments, environment: environment)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let report = try JSONDecoder().decode(ComparisonJSON.self, from: first.stdout)
        #expect(report.textCount == 40)
        #expect(report.a.dimensions == 384 && report.b.dimensions == 384)
        let perText = try #require(report.perText)
        #expect(perText.min > 0.9999 && perText.p1 > 0.9999 && perText.mean > 0.9999)
        #expect(perText.worst.count == 10)
        #expect(report.structure.spearman.map { $0 > 0.9999 } == true)
        #expect(report.structure.totalPairs == 40 * 39 / 2)
        #expect(report.structure.neighbourOverlap.map(\.k) == [1, 5, 10])
        #expect(report.structure.neighbourOverlap.allSatisfy { $0.mean == 1 })
        // Both sides are the same file, so B already hits what A stored.
        #expect(first.stderr.contains("compare: A cache: 0 hits, 40 misses; B cache: 40 hits, 0 misses"), "stderr: \(first.stderr)")

        let second = try await CLIRunner.run(arguments, environment: environment)
        #expect(second.status == 0)
        #expect(second.stderr.contains("compare: A cache: 40 hits, 0 misses; B cache: 40 hits, 0 misses"), "stderr: \(second.stderr)")
        #expect(second.stdout == first.stdout, "cached vectors give the same report")

        let uncached = try await CLIRunner.run(arguments + ["--no-cache", "-q"], environment: ["EMBED_HOME": directory.appendingPathComponent("other").path])
        #expect(uncached.status == 0)
        #expect(uncached.stderr.isEmpty)
        #expect(uncached.stdout == first.stdout)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other/cache").path))
    }

    @Test("different dimensions: no per-text cosine, structure compared; text and HTML reports", .requires(Fixtures.defaultModel))
    func differentModels() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = try writeCompareTexts(to: directory)
        let html = directory.appendingPathComponent("report.html")
        let tiny = Fixtures.url("tiny/tiny-cls-normalize").path
        let result = try await CLIRunner.run(
            ["compare", "--a", "all-MiniLM-L6-v2", "--b", tiny, "--input", texts.path, "--html", html.path],
            environment: ["EMBED_HOME": directory.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let text = result.stdoutText
        #expect(text.hasPrefix("Embedding comparison\n"))
        #expect(text.contains("A  all-MiniLM-L6-v2  (384 dimensions)"))
        #expect(text.contains("B  \(tiny)  (32 dimensions)"))
        #expect(text.contains("Spearman of pairwise cosines"))
        #expect(text.contains("top-10 neighbour overlap"))
        #expect(!text.contains("Lowest per-text cosine"))

        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") || page.lowercased().hasPrefix("<!doctype html>"))
        #expect(page.contains("<svg"))
        #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("src=") && !page.contains("@import"))
        #expect(try !FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.contains(".partial-") })

        let json = try await CLIRunner.run(
            ["compare", "--a", "all-MiniLM-L6-v2", "--b", tiny, "--input", texts.path, "--json", "-q"], environment: ["EMBED_HOME": directory.path])
        let report = try JSONDecoder().decode(ComparisonJSON.self, from: json.stdout)
        #expect(report.perText == nil)
        #expect(report.b.dimensions == 32)
        #expect(report.structure.spearman != nil)
    }

    @Test("--pairs scores both sides against human judgements (STS-B format)", .requires(Fixtures.defaultModel))
    func goldPairs() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stsb = try String(contentsOf: Fixtures.url("reference/stsb-dev.tsv"), encoding: .utf8)
        let pairs = directory.appendingPathComponent("gold.tsv")
        try Data(stsb.split(separator: "\n").prefix(30).joined(separator: "\n").utf8).write(to: pairs)
        let result = try await CLIRunner.run(
            ["compare", "--a", "all-MiniLM-L6-v2", "--b", Fixtures.url("tiny/tiny-cls-normalize").path, "--pairs", pairs.path, "--json"],
            environment: ["EMBED_HOME": directory.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try JSONDecoder().decode(ComparisonJSON.self, from: result.stdout)
        let gold = try #require(report.gold)
        #expect(gold.pairCount == 30)
        // A real sentence model tracks human scores; random tiny weights hardly do.
        let spearmanA = try #require(gold.spearmanA), spearmanB = try #require(gold.spearmanB)
        #expect(spearmanA > 50)
        #expect(abs(spearmanB) < spearmanA)
        #expect(report.textCount > 30, "the gold sentences are the texts when no --input is given")
    }

    @Test("bad input stops before any model runs, with a clear message", arguments: [
        (["--a", "nosuch:model", "--b", "all-MiniLM-L6-v2"], "nosuch"),
        (["--a", "all-MiniLM-L6-v2", "--b", "missing.yaml"], "missing.yaml"),
        (["--a", "all-MiniLM-L6-v2"], "--b"),
    ])
    func badArguments(arguments: [String], fragment: String) async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = try writeCompareTexts(to: directory, count: 3)
        let result = try await CLIRunner.run(["compare"] + arguments + ["--input", texts.path], environment: ["EMBED_HOME": directory.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("an empty text is refused naming its line, unless --allow-empty")
    func emptyText() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = directory.appendingPathComponent("texts.jsonl")
        try Data("{\"text\":\"one\"}\n{\"text\":\"  \"}\n{\"text\":\"three\"}\n".utf8).write(to: texts)
        let result = try await CLIRunner.run(["compare", "--a", "all-MiniLM-L6-v2", "--b", "all-MiniLM-L6-v2", "--input", texts.path], environment: ["EMBED_HOME": directory.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(texts.path):2"), "stderr: \(result.stderr)")
    }
}

@Suite("embed encode --cache", .serialized, .offThePool)
struct EncodeCacheTests {
    @Test("a second run is served from the cache and prints the same lines, token counts included")
    func cacheHits() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let long = String(repeating: "a long sentence that goes on ", count: 60)
        let input = ["short one", long, "short one"].map { "{\"text\":" + jsonString($0) + "}" }.joined(separator: "\n")
        let cacheDirectory = directory.appendingPathComponent("vectors")
        let arguments = ["encode", "--model", Fixtures.url("tiny/tiny-cls-normalize").path, "-i", "-", "--cache-dir", cacheDirectory.path]
        let first = try await CLIRunner.run(arguments, stdin: Data(input.utf8))
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("encode: cache: 1 hits, 2 misses (\(cacheDirectory.path))"), "stderr: \(first.stderr)")
        let second = try await CLIRunner.run(arguments, stdin: Data(input.utf8))
        #expect(second.stderr.contains("encode: cache: 3 hits, 0 misses"), "stderr: \(second.stderr)")
        #expect(second.stdoutText == first.stdoutText)

        struct Line: Decodable { var tokens: Int; var input_tokens: Int; var truncated: Bool }
        let lines = try second.lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(lines[1].truncated && lines[1].input_tokens > lines[1].tokens)
        #expect(!lines[0].truncated && lines[0].input_tokens == lines[0].tokens)

        // Without --cache nothing is read or written.
        let plain = try await CLIRunner.run(["encode", "--model", Fixtures.url("tiny/tiny-cls-normalize").path, "-i", "-"], stdin: Data(input.utf8),
                                      environment: ["EMBED_HOME": directory.appendingPathComponent("home").path])
        #expect(plain.stdoutText == first.stdoutText)
        #expect(!plain.stderr.contains("cache:"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("home/cache").path))
    }

    @Test("compare and encode share the cache")
    func shared() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texts = try writeCompareTexts(to: directory, count: 12)
        let environment = ["EMBED_HOME": directory.appendingPathComponent("home").path]
        let tiny = Fixtures.url("tiny/tiny-cls-normalize").path
        let compare = try await CLIRunner.run(["compare", "--a", tiny, "--b", tiny, "--input", texts.path, "--json"], environment: environment)
        #expect(compare.status == 0, "stderr: \(compare.stderr)")
        let encode = try await CLIRunner.run(["encode", "--model", tiny, "-i", texts.path, "--cache"], environment: environment)
        #expect(encode.stderr.contains("encode: cache: 12 hits, 0 misses"), "stderr: \(encode.stderr)")
    }
}
