import EmbedCore
import Foundation

/// One encode run: texts from JSON Lines (or a list) in, one JSON Lines vector per text out, in the
/// same order, in batches, so a corpus of any size fits in memory.
///
/// ```swift
/// let job = EncodeJob(input: .file("corpus.jsonl"), output: "vectors.jsonl", batchSize: 256)
/// let summary = try await job.run(with: embedder)
/// ```
///
/// A file input is checked through first, so that a bad line anywhere stops the run before any
/// work; standard input can be read only once, so there a bad line stops the run where it is,
/// after the batches before it were written. A run that fails or is stopped keeps the vectors it
/// computed (``EncodeJobStopped`` says where), and a run with ``resumes`` continues it.
public struct EncodeJob: Sendable {
    /// Where the texts come from.
    public enum Input: Sendable, Hashable {
        /// A JSON Lines file with a `text` field per line, or `-` for standard input.
        case file(String)
        /// Texts given directly (line numbers in errors count from 1).
        case texts([String])
    }

    /// Where the texts come from.
    public var input: Input
    /// The output path, or `-` for standard output.
    public var output: String
    /// Texts per call to the embedder.
    public var batchSize: Int
    /// Embed blank texts as the model does instead of stopping with an error.
    public var allowsEmptyTexts: Bool
    /// Continue a stopped run: keep the vectors in `OUTPUT.partial` and embed only the texts
    /// after them. Needs a regular output file.
    public var resumes: Bool
    /// Options passed to every call.
    public var options: EmbeddingOptions
    /// Embed only this slice of the input's lines, or `nil` for all of them.
    public var shard: Shard?

    /// Creates a job.
    ///
    /// - Parameters:
    ///   - input: The texts.
    ///   - output: The output path, or `-` for standard output.
    ///   - batchSize: Texts per call to the embedder (at least 1).
    ///   - allowsEmptyTexts: Embed blank texts instead of stopping with an error.
    ///   - resumes: Continue the run that left `output.partial`.
    ///   - options: Options passed to every call.
    ///   - shard: Embed only this slice of the input's lines.
    public init(input: Input, output: String = "-", batchSize: Int, allowsEmptyTexts: Bool = false, resumes: Bool = false,
                options: EmbeddingOptions = EmbeddingOptions(), shard: Shard? = nil) {
        self.input = input
        self.output = output
        self.batchSize = max(1, batchSize)
        self.allowsEmptyTexts = allowsEmptyTexts
        self.resumes = resumes
        self.options = options
        self.shard = shard
    }

    /// What a run reports while it works.
    public enum Event: Sendable, Hashable {
        /// A resumed run found `count` vectors in `partialPath` and skipped their texts.
        case resumed(count: Int, partialPath: String)
        /// A batch was written: `done` texts have vectors (`resumed` of them from the stopped
        /// run), of `total` when the input's length is known.
        case progress(done: Int, total: Int?, resumed: Int)
    }

    /// What a finished run did.
    public struct Summary: Sendable, Hashable {
        /// Texts with vectors in the output, those of a resumed run's partial output included.
        public var texts: Int
        /// Texts this run embedded.
        public var embedded: Int
        /// Texts longer than the model's maximum length, truncated.
        public var truncated: Int

        /// Creates a summary.
        public init(texts: Int, embedded: Int, truncated: Int) {
            self.texts = texts
            self.embedded = embedded
            self.truncated = truncated
        }
    }

    /// The name of the input in errors: the path, `<stdin>`, or `argument`.
    public var inputName: String {
        switch input {
        case .file(let path): path == "-" ? "<stdin>" : path
        case .texts: "argument"
        }
    }

    /// Runs the job with `embedder`.
    ///
    /// - Parameters:
    ///   - embedder: The engine.
    ///   - shouldStop: Asked before each batch; `true` stops the run (``EncodeJobStopped`` with
    ///     ``EncodeJobStopped/wasInterrupted``), keeping what was written.
    ///   - call: Wraps each call to the embedder (the CLI reports a provider's requests there).
    ///   - events: Receives progress.
    /// - Returns: What the run did.
    /// - Throws: ``JSONLinesError`` when the input or output cannot be read or written before any
    ///   vector was computed; ``EncodeJobStopped`` when the run stopped after it began embedding
    ///   or was interrupted, with the error that stopped it and where its vectors are.
    public func run(
        with embedder: any Embedder,
        shouldStop: () -> Bool = { false },
        call: (() async throws -> [Embedding]) async throws -> [Embedding] = { try await $0() },
        events: (Event) -> Void = { _ in }
    ) async throws -> Summary {
        let (nextRecord, total) = try openInput()
        let writer = try JSONLinesWriter(path: output, resume: resumes)
        // A resumed run's first texts already have their vectors in the partial output.
        var done = writer.resumedLineCount
        var embedded = 0
        var truncated = 0
        if done > 0 {
            // Skip the texts the partial output already has vectors for. A partial output
            // longer than the input is left as it is: it belongs to another input.
            let partial = JSONLinesWriter.partialPath(for: output)
            let mismatch = JSONLinesError(
                line: 0,
                reason: "it holds \(done) vectors, more than the input has texts" + (total.map { " (\($0))" } ?? "")
                    + ": it is not from this input",
                source: partial)
            if let total, done > total { throw mismatch }
            for _ in 0..<done where try nextRecord() == nil { throw mismatch }
            events(.resumed(count: done, partialPath: partial))
        }
        do {
            while true {
                if shouldStop() { throw EncodeJobStopped.Interrupted() }
                var batch: [TextRecord] = []
                batch.reserveCapacity(batchSize)
                while batch.count < batchSize, let record = try nextRecord() {
                    try check(record)
                    batch.append(record)
                }
                if batch.isEmpty { break }
                let options = options
                let texts = batch.map(\.text)
                let embeddings = try await call { try await embedder.embed(texts, options: options) }
                guard embeddings.count == batch.count else {
                    throw EmbeddingError.countMismatch(expected: batch.count, received: embeddings.count, source: embedder.modelName)
                }
                for (record, embedding) in zip(batch, embeddings) {
                    try writer.write(line: Self.line(for: embedding, inputLine: record.line))
                    if embedding.isTruncated { truncated += 1 }
                }
                done += batch.count
                embedded += batch.count
                events(.progress(done: done, total: total, resumed: writer.resumedLineCount))
            }
            try writer.finish()
        } catch {
            // Vectors already computed are kept for a resumed run rather than thrown away: a
            // provider failing at 90 % of a large corpus should cost only the rest.
            let kept: EncodeJobStopped.Kept
            if done > 0, writer.writesInPlace {
                writer.abandon()
                kept = .written
            } else if done > 0, let path = writer.keepPartial() {
                kept = .partial(path)
            } else {
                writer.abandon()
                kept = .nothing
            }
            let interrupted = error is EncodeJobStopped.Interrupted
            if kept == .nothing && !interrupted { throw error }
            throw EncodeJobStopped(done: done, total: total, kept: kept, cause: interrupted ? nil : error)
        }
        return Summary(texts: done, embedded: embedded, truncated: truncated)
    }

    /// The next record, and the number of texts when known before embedding (a file, which is
    /// checked through first, or a list).
    /// A shard reads only its slice of the lines, which needs their number first: a file, or a
    /// list; standard input can be read only once.
    private func openInput() throws -> (next: () throws -> TextRecord?, total: Int?) {
        switch input {
        case .file(let path):
            let reader = JSONLinesReader(path: path)
            var lines: ClosedRange<Int>?
            if let shard {
                guard reader.canReadTwice else {
                    throw JSONLinesError(
                        line: 0, reason: "--shard needs a regular file, whose lines can be counted before the slice is read; standard input and pipes can be read only once",
                        source: inputName)
                }
                guard let slice = shard.lines(of: try reader.countLines()) else { return ({ nil }, 0) }
                lines = slice
            }
            let total = reader.canReadTwice ? try reader.checkAll(lines: lines, check) : nil
            let stream = try reader.open(lines: lines)
            return (stream.next, total)
        case .texts(let texts):
            var records = texts.enumerated().map { TextRecord(line: $0.offset + 1, text: $0.element) }
            if let shard {
                let slice = shard.lines(of: texts.count)
                records = records.filter { slice?.contains($0.line) ?? false }
            }
            let total = records.count
            var iterator = records.makeIterator()
            return ({ iterator.next() }, total)
        }
    }

    private func check(_ record: TextRecord) throws {
        if !allowsEmptyTexts, record.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw JSONLinesError(
                line: record.line, reason: "the text is empty (pass --allow-empty to embed it anyway)", source: inputName)
        }
    }

    /// One output line: `{"line":L,"embedding":[…],"tokens":N,"input_tokens":M,"truncated":false}`:
    /// `line` is the text's line in the input (1-based, blank lines counted; the position in a
    /// list), so that the outputs of shards — or of any filter — can be joined back to their
    /// inputs. The token counts are omitted when the engine does not report them.
    public static func line(for embedding: Embedding, inputLine: Int? = nil) -> String {
        var json = JSONWriter(capacity: 64 + embedding.vector.count * 12)
        if let inputLine {
            json.raw("{\"line\":")
            json.integer(inputLine)
            json.raw(",\"embedding\":")
        } else {
            json.raw("{\"embedding\":")
        }
        json.floats(embedding.vector)
        if let tokens = embedding.tokenCount {
            json.raw(",\"tokens\":")
            json.integer(tokens)
        }
        if let inputTokens = embedding.inputTokenCount {
            json.raw(",\"input_tokens\":")
            json.integer(inputTokens)
        }
        json.raw(",\"truncated\":")
        json.bool(embedding.isTruncated)
        json.raw("}")
        return json.text
    }
}

/// An encode run that stopped after it began embedding, or was interrupted: what it had done and
/// where its vectors are.
public struct EncodeJobStopped: Error, CustomStringConvertible {
    /// Where the vectors of a stopped run went.
    public enum Kept: Sendable, Hashable {
        /// Nowhere: nothing was computed.
        case nothing
        /// To the output as they were computed (standard output, a pipe, a device).
        case written
        /// To this partial output, which a resumed run continues.
        case partial(String)
    }

    /// Texts with vectors when the run stopped.
    public let done: Int
    /// The number of texts, when known.
    public let total: Int?
    /// Where their vectors are.
    public let kept: Kept
    /// The error that stopped the run, or `nil` when it was asked to stop.
    public let cause: (any Error)?

    /// Whether the run stopped because it was asked to.
    public var wasInterrupted: Bool { cause == nil }

    public var description: String {
        let of = total.map { " of \($0)" } ?? ""
        let what: String =
            switch kept {
            case .nothing: "interrupted before any vector was computed"
            case .written: "stopped after \(done)\(of) texts; the vectors of those were written"
            case .partial(let path):
                "stopped after \(done)\(of) texts; their vectors are in \(path): run the same command with --resume to embed only the rest"
            }
        return what
    }

    /// Thrown inside the loop when `shouldStop` asks for a stop.
    struct Interrupted: Error {}
}
