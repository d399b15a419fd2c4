import EmbedCore
import EmbedJobs
import EmbedTestSupport
import Foundation
import Synchronization
import Testing

/// An embedder whose vector is each text's length, and which fails (or asks the job to stop)
/// once it has embedded a given number of texts.
private final class ScriptedEmbedder: Embedder {
    let modelName = "scripted"
    let dimensions: Int? = 1
    /// Texts embedded before `embed` starts failing; `nil` never fails.
    let failsAfter: Int?
    private let embedded = Mutex(0)

    init(failsAfter: Int? = nil) { self.failsAfter = failsAfter }

    var count: Int { embedded.withLock { $0 } }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try embedded.withLock { count in
            if let failsAfter, count >= failsAfter { throw EmbeddingError.invalidOption("the provider went away") }
            count += texts.count
        }
        return texts.map { Embedding(vector: [Float($0.count)], tokenCount: $0.count + 2, isTruncated: $0.count > 8) }
    }
}

@Suite("Encode jobs: batches, output lines, stopped runs kept and resumed", .offThePool)
struct EncodeJobTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("encode-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// `count` texts of lengths 1, 2, 3, … as a JSON Lines file.
    func corpus(_ count: Int) throws -> String {
        let path = directory.appendingPathComponent("in.jsonl").path
        let lines = (1...count).map { "{\"text\":\"\(String(repeating: "a", count: $0))\"}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func lengths(in path: String) throws -> [Float] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require((object?["embedding"] as? [Double])?.first).asFloat
        }
    }

    @Test("Every text gets its line, in order, in batches of the size asked for; progress counts them")
    func writesInOrder() async throws {
        let output = directory.appendingPathComponent("out.jsonl").path
        let job = EncodeJob(input: .file(try corpus(10)), output: output, batchSize: 4)
        var progress: [Int] = []
        let summary = try await job.run(with: ScriptedEmbedder(), events: { event in
            if case .progress(let done, let total, _) = event {
                #expect(total == 10)
                progress.append(done)
            }
        })
        #expect(summary == EncodeJob.Summary(texts: 10, embedded: 10, truncated: 2))
        #expect(progress == [4, 8, 10])
        #expect(try lengths(in: output) == (1...10).map(Float.init))
    }

    @Test("An output line carries the vector, the token counts the engine reports, and the truncation flag")
    func outputLine() {
        #expect(EncodeJob.line(for: Embedding(vector: [0.5, -1], tokenCount: 7, inputTokenCount: 9, isTruncated: true))
            == #"{"embedding":[0.5,-1.0],"tokens":7,"input_tokens":9,"truncated":true}"#)
        #expect(EncodeJob.line(for: Embedding(vector: [1])) == #"{"embedding":[1.0],"truncated":false}"#)
    }

    @Test("A blank text stops the run before anything is embedded, unless empty texts are allowed")
    func emptyTexts() async throws {
        let embedder = ScriptedEmbedder()
        let job = EncodeJob(input: .texts(["one", "  "]), output: directory.appendingPathComponent("out.jsonl").path, batchSize: 8)
        let error = await #expect(throws: JSONLinesError.self) { try await job.run(with: embedder) }
        #expect(error?.line == 2 && error?.source == "argument")
        #expect(embedder.count == 0)
        var allowing = job
        allowing.allowsEmptyTexts = true
        #expect(try await allowing.run(with: embedder).texts == 2)
    }

    @Test("A failing engine keeps the vectors computed as OUTPUT.partial, and a resumed run embeds only the rest")
    func stoppedAndResumed() async throws {
        let input = try corpus(10)
        let output = directory.appendingPathComponent("out.jsonl").path
        let job = EncodeJob(input: .file(input), output: output, batchSize: 3)
        let stopped = await #expect(throws: EncodeJobStopped.self) { try await job.run(with: ScriptedEmbedder(failsAfter: 6)) }
        #expect(stopped?.done == 6 && stopped?.total == 10 && stopped?.wasInterrupted == false)
        #expect(stopped?.kept == .partial(output + ".partial"))
        #expect(stopped?.cause is EmbeddingError)
        #expect(!FileManager.default.fileExists(atPath: output))

        var resuming = job
        resuming.resumes = true
        let embedder = ScriptedEmbedder()
        var resumedFrom: Int?
        let summary = try await resuming.run(with: embedder, events: { event in
            if case .resumed(let count, _) = event { resumedFrom = count }
        })
        #expect(resumedFrom == 6 && embedder.count == 4)
        #expect(summary.texts == 10 && summary.embedded == 4)
        #expect(try lengths(in: output) == (1...10).map(Float.init))
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
    }

    @Test("Asked to stop, a run ends after the batch in flight and keeps it; before any batch it keeps nothing")
    func interrupted() async throws {
        let output = directory.appendingPathComponent("out.jsonl").path
        let job = EncodeJob(input: .file(try corpus(10)), output: output, batchSize: 4)
        let embedder = ScriptedEmbedder()
        let stopped = await #expect(throws: EncodeJobStopped.self) {
            try await job.run(with: embedder, shouldStop: { embedder.count >= 4 })
        }
        #expect(stopped?.wasInterrupted == true && stopped?.done == 4 && stopped?.kept == .partial(output + ".partial"))
        #expect(try lengths(in: output + ".partial") == [1, 2, 3, 4])

        let early = await #expect(throws: EncodeJobStopped.self) {
            try await EncodeJob(input: .texts(["a"]), output: output, batchSize: 4).run(with: embedder, shouldStop: { true })
        }
        #expect(early?.kept == .nothing && early?.done == 0)
    }

    @Test("A partial output with more vectors than the input has texts is refused and left as it is")
    func foreignPartial() async throws {
        let output = directory.appendingPathComponent("out.jsonl").path
        let partial = output + ".partial"
        let foreign = String(repeating: "{\"embedding\":[1.0],\"truncated\":false}\n", count: 5)
        try foreign.write(toFile: partial, atomically: true, encoding: .utf8)
        let job = EncodeJob(input: .file(try corpus(3)), output: output, batchSize: 4, resumes: true)
        let error = await #expect(throws: JSONLinesError.self) { try await job.run(with: ScriptedEmbedder()) }
        #expect(error?.source == partial)
        #expect(try String(contentsOfFile: partial, encoding: .utf8) == foreign)
    }

    @Test("An engine returning the wrong number of vectors is an error, not a shifted output")
    func countMismatch() async throws {
        struct Short: Embedder {
            let modelName = "short"
            let dimensions: Int? = 1
            func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
                texts.dropLast().map { _ in Embedding(vector: [1]) }
            }
        }
        await #expect(throws: EmbeddingError.self) {
            try await EncodeJob(input: .texts(["a", "b"]), output: directory.appendingPathComponent("out.jsonl").path, batchSize: 2)
                .run(with: Short())
        }
    }
}

private extension Double {
    var asFloat: Float { Float(self) }
}
