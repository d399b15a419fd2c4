import EmbedJobs
import EmbedTestSupport
import Foundation
import Testing

@Suite("JSON Lines input, read record by record", .offThePool)
struct JSONLinesTests {
    /// Lines that exercise every kind of line break and blank line, with multi-byte text.
    static let input = Data(
        "{\"text\":\"first\"}\n\n{\"text\":\"zweite Zeile: äöü\"}\r\n   \n{\"text\":\"日本語のテキスト\",\"id\":3}\n{\"text\":\"last, no line break\"}"
            .utf8)
    static let expected = [
        TextRecord(line: 1, text: "first"), TextRecord(line: 3, text: "zweite Zeile: äöü"),
        TextRecord(line: 5, text: "日本語のテキスト"), TextRecord(line: 6, text: "last, no line break"),
    ]

    @Test("Any chunk size gives the same records, line numbers included", arguments: [1, 2, 3, 7, 16, 64, 1 << 20])
    func chunkSizes(chunkSize: Int) async throws {
        #expect(try Self.stream(Self.input, chunkSize: chunkSize).collect() == Self.expected)
    }

    @Test func wholeDataAndFileAgree() async throws {
        #expect(try JSONLinesReader.parse(Self.input, source: "x") == Self.expected)
        try withFile(Self.input) { path in
            let reader = JSONLinesReader(path: path)
            let all = try reader.readAll(), streamed = try reader.open(chunkSize: 5).collect(), count = try reader.checkAll()
            #expect(all == Self.expected)
            #expect(streamed == Self.expected)
            #expect(count == 4)
            #expect(reader.canReadTwice)
        }
    }

    @Test("Errors name the line, however the input is cut", arguments: [1, 4, 1 << 20])
    func errorsNameTheLine(chunkSize: Int) async throws {
        // (input, the bad line, what the error says, records read before it)
        let cases: [(String, Int, String, Int)] = [
            ("{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"txt\":\"c\"}\n", 3, "missing the \"text\" field", 2),
            ("{\"text\":\"a\"}\n\n[1]\n", 3, "expected a JSON object", 1),
            ("{\"text\":\"a\"}\n{\"text\":5}\n", 2, "\"text\" must be a string", 1),
            ("{\"text\":\"a\"}\n{\"text\":\"b\"", 2, "malformed JSON", 1),
        ]
        for (text, line, reason, before) in cases {
            let stream = Self.stream(Data(text.utf8), chunkSize: chunkSize)
            var read: [TextRecord] = []
            let error = #expect(throws: JSONLinesError.self) {
                while let record = try stream.next() { read.append(record) }
            }
            #expect(error?.line == line, "\(text.debugDescription)")
            #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
            #expect(read.count == before)
        }
    }

    @Test func invalidUTF8IsPlaced() async throws {
        var bytes = Data("{\"text\":\"ok\"}\n{\"text\":\"bad ".utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Data("\"}\n".utf8))
        let error = #expect(throws: JSONLinesError.self) { try Self.stream(bytes, chunkSize: 3).collect() }
        #expect(error?.line == 2)
        #expect(error?.reason == "invalid UTF-8 at byte 14 of the line")
    }

    @Test("A file saved with a UTF-8 byte order mark, as Windows editors write it, reads the same")
    func byteOrderMark() async throws {
        let input = Data([0xEF, 0xBB, 0xBF] + Array("{\"text\":\"first\"}\n{\"text\":\"second\"}\n".utf8))
        for chunkSize in [1, 2, 64] {
            let records = try Self.stream(input, chunkSize: chunkSize).collect()
            #expect(records == [TextRecord(line: 1, text: "first"), TextRecord(line: 2, text: "second")])
        }
    }

    @Test("Every character of a text arrives, U+FEFF after an escape included (a byte-level BPE token)")
    func zeroWidthNoBreakSpaceInsideText() async throws {
        let input = Data("{\"text\":\"a\\n\u{FEFF}b \u{FEFF}\\t\u{FEFF}\"}\n".utf8)
        let records = try Self.stream(input, chunkSize: 64).collect()
        #expect(records == [TextRecord(line: 1, text: "a\n\u{FEFF}b \u{FEFF}\t\u{FEFF}")])
    }

    @Test func emptyInputsHaveNoRecords() async throws {
        #expect(try Self.stream(Data(), chunkSize: 4).collect().isEmpty)
        #expect(try Self.stream(Data("\n \n\t\n".utf8), chunkSize: 1).collect().isEmpty)
    }

    @Test func aMissingFileIsAnError() async {
        let error = #expect(throws: JSONLinesError.self) { try JSONLinesReader(path: "/nonexistent/in.jsonl").open() }
        #expect(error?.description == "/nonexistent/in.jsonl: cannot read the file")
        #expect(!JSONLinesReader(path: "/nonexistent/in.jsonl").canReadTwice)
    }

    @Test("Standard input and pipes are read once")
    func onlyRegularFilesAreReadTwice() async throws {
        #expect(!JSONLinesReader(path: "-").canReadTwice)
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("embed-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        #expect(!JSONLinesReader(path: fifo).canReadTwice)
        #expect(!JSONLinesReader(path: FileManager.default.temporaryDirectory.path).canReadTwice)
    }

    @Test("A stopped output is kept as OUTPUT.partial, never under the output's name, and a resumed one continues it")
    func partialOutputs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("embed-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.jsonl").path
        let partial = JSONLinesWriter.partialPath(for: output)
        func lines(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }

        let first = try JSONLinesWriter(path: output)
        #expect(first.resumedLineCount == 0)
        for line in ["a", "b"] { try first.write(line: line) }
        #expect(first.keepPartial() == partial)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try lines(partial) == ["a", "b", ""])

        // A killed run can leave a last line cut short: it is dropped, the complete ones kept.
        let handle = try #require(FileHandle(forUpdatingAtPath: partial))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"embedding\":[0.1,".utf8))
        try handle.close()
        let resumed = try JSONLinesWriter(path: output, resume: true)
        #expect(resumed.resumedLineCount == 2)
        for line in ["c", "d"] { try resumed.write(line: line) }
        try resumed.finish()
        #expect(try lines(output) == ["a", "b", "c", "d", ""])
        #expect(!FileManager.default.fileExists(atPath: partial))

        // Nothing to resume: a fresh output, finished under its name.
        let fresh = try JSONLinesWriter(path: output, resume: true)
        #expect(fresh.resumedLineCount == 0)
        try fresh.write(line: "e")
        try fresh.finish()
        #expect(try lines(output) == ["e", ""])

        // Abandoned with nothing worth keeping: no file at all.
        let abandoned = try JSONLinesWriter(path: output + "2")
        try abandoned.write(line: "x")
        abandoned.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["out.jsonl"])

        #expect(throws: JSONLinesError.self) { try JSONLinesWriter(path: "-", resume: true) }
    }

    /// A stream over `data` delivered `chunkSize` bytes at a time.
    private static func stream(_ data: Data, chunkSize: Int) -> JSONLinesStream {
        var offset = 0
        return JSONLinesStream(source: "test") {
            guard offset < data.count else { return nil }
            defer { offset += chunkSize }
            return data.subdata(in: offset..<min(offset + chunkSize, data.count))
        }
    }

    private func withFile(_ data: Data, _ body: (String) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("embed-lines-\(UUID().uuidString).jsonl")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        try body(url.path)
    }
}
