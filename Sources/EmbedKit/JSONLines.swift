import EmbedCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a JSON Lines input could not be read. Every case names the line (1-based).
public struct JSONLinesError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The 1-based line number, or 0 when the error is about the whole input.
    public let line: Int
    /// What is wrong.
    public let reason: String
    /// The input's name (`-` for standard input, else the path).
    public let source: String

    /// Creates an error.
    public init(line: Int, reason: String, source: String) {
        self.line = line
        self.reason = reason
        self.source = source
    }

    public var description: String {
        line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)"
    }
}

/// One input line: the text to embed, and the line it came from.
public struct TextRecord: Sendable, Hashable {
    /// The 1-based line number in the input.
    public var line: Int
    /// The `text` field.
    public var text: String

    /// Creates a record.
    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }
}

/// Reads JSON Lines with a `text` field from a file or standard input, strictly.
///
/// Blank lines are skipped; every other line must be a JSON object with a string `text`. Invalid
/// UTF-8, malformed JSON or a missing/non-string `text` stop the read with an error naming the
/// line, so no input is silently dropped.
///
/// ``open(chunkSize:)`` reads record by record in bounded memory, so a corpus of any size can be
/// embedded; ``readAll()`` collects every record.
public struct JSONLinesReader: Sendable {
    /// The input path, or `-` for standard input.
    public let path: String

    /// Creates a reader for a path, or `-` for standard input.
    public init(path: String) { self.path = path }

    private var sourceName: String { path == "-" ? "<stdin>" : path }

    /// Whether the input can be read more than once (a regular file, not standard input or a
    /// pipe), so that a command can check every line before it starts the real work.
    public var canReadTwice: Bool {
        guard path != "-" else { return false }
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// Opens the input for reading record by record.
    ///
    /// - Parameter chunkSize: Bytes read at a time; memory stays within a few chunks plus the
    ///   longest line.
    /// - Throws: ``JSONLinesError`` when the file cannot be opened.
    public func open(chunkSize: Int = 1 << 20) throws -> JSONLinesStream {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw JSONLinesError(line: 0, reason: "cannot read the file", source: sourceName)
            }
            handle = opened
        }
        let source = sourceName
        return JSONLinesStream(source: source) {
            do {
                return try handle.read(upToCount: Swift.max(1, chunkSize))
            } catch {
                throw JSONLinesError(line: 0, reason: "cannot read: \(error.localizedDescription)", source: source)
            }
        }
    }

    /// Reads every record.
    ///
    /// - Throws: ``JSONLinesError`` naming the first bad line, or when the file cannot be read.
    public func readAll() throws -> [TextRecord] {
        try open().collect()
    }

    /// Reads every record to check them, keeping none.
    ///
    /// - Parameter check: Runs on each record; what it throws stops the read.
    /// - Returns: The number of records.
    /// - Throws: ``JSONLinesError`` naming the first bad line, or what `check` throws.
    public func checkAll(_ check: (TextRecord) throws -> Void = { _ in }) throws -> Int {
        let stream = try open()
        var count = 0
        while let record = try stream.next() {
            try check(record)
            count += 1
        }
        return count
    }

    /// Parses JSON Lines bytes into records.
    public static func parse(_ data: Data, source: String) throws -> [TextRecord] {
        var remaining: Data? = data
        return try JSONLinesStream(source: source) {
            defer { remaining = nil }
            return remaining
        }.collect()
    }

    /// Parses one non-blank line (without its line break) into its text.
    static func parseLine(_ bytes: Data, number: Int, source: String) throws -> String {
        // Validate UTF-8 first: JSONSerialization's own message for bad bytes does not say where.
        if String(validating: bytes, as: UTF8.self) == nil {
            let offset = firstInvalidUTF8Offset(bytes)
            throw JSONLinesError(line: number, reason: "invalid UTF-8 at byte \(offset + 1) of the line", source: source)
        }
        // JSONDecoder, not JSONSerialization: on Linux the latter drops a U+FEFF that follows an
        // escape inside a string ("a\\n\u{FEFF}b" reads as "a\nb"), and for a byte-level BPE
        // tokenizer that character is tokens.
        let object: JSONValue
        do {
            object = try JSONDecoder().decode(JSONValue.self, from: bytes)
        } catch {
            throw JSONLinesError(line: number, reason: "malformed JSON (\(summary(of: bytes)))", source: source)
        }
        guard let dictionary = object.objectValue else {
            throw JSONLinesError(line: number, reason: "expected a JSON object with a \"text\" field", source: source)
        }
        guard let value = dictionary["text"] else {
            throw JSONLinesError(line: number, reason: "missing the \"text\" field", source: source)
        }
        guard let text = value.stringValue else {
            throw JSONLinesError(line: number, reason: "\"text\" must be a string", source: source)
        }
        return text
    }

    private static func summary(of bytes: Data) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self)
        return bytes.count > 60 ? "starts with \(text.debugDescription)…" : text.debugDescription
    }

    /// Returns the offset of the first byte that does not begin or continue a valid UTF-8
    /// sequence.
    static func firstInvalidUTF8Offset(_ bytes: Data) -> Int {
        let array = Array(bytes)
        var index = 0
        while index < array.count {
            let lead = array[index]
            let length: Int
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return index
            }
            if index + length > array.count { return index }
            if String(validating: array[index..<index + length], as: UTF8.self) == nil { return index }
            index += length
        }
        return index
    }
}

/// The records of a JSON Lines input, read chunk by chunk (see ``JSONLinesReader/open(chunkSize:)``).
///
/// Lines may span chunks; a final line without a line break counts; `\r\n` line breaks are
/// accepted. Not thread-safe: one reader at a time.
public final class JSONLinesStream {
    private let source: String
    private let readChunk: () throws -> Data?
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts.
    private var position = 0
    /// How many bytes after `position` are known to hold no line break.
    private var scanned = 0
    private var atEnd = false
    /// The number of the last line read (1-based; blank lines count).
    public private(set) var lineNumber = 0

    /// Creates a stream over the chunks `readChunk` returns until it returns nil or empty data.
    ///
    /// - Parameters:
    ///   - source: The input's name in errors.
    ///   - readChunk: The next bytes of the input.
    public init(source: String, readChunk: @escaping () throws -> Data?) {
        self.source = source
        self.readChunk = readChunk
    }

    /// Returns the next record, or nil at the end of the input.
    ///
    /// - Throws: ``JSONLinesError`` naming the line when it is not a JSON object with a string
    ///   `text`, or when the input cannot be read.
    public func next() throws -> TextRecord? {
        while let line = try nextLine() {
            lineNumber += 1
            var bytes = line
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            return TextRecord(line: lineNumber, text: try JSONLinesReader.parseLine(bytes, number: lineNumber, source: source))
        }
        return nil
    }

    /// Every remaining record.
    public func collect() throws -> [TextRecord] {
        var records: [TextRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// The next line without its `\n`, or nil when the input is exhausted.
    private func nextLine() throws -> Data? {
        while true {
            if let newline = buffer[(position + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[position..<newline])
                position = newline + 1
                scanned = 0
                return line
            }
            scanned = buffer.count - position
            if atEnd {
                guard position < buffer.count else { return nil }
                let line = Data(buffer[position...])
                position = buffer.count
                scanned = 0
                return line
            }
            // Only the start of an unfinished line is left: drop what was read before it (once
            // per chunk, so each byte is moved at most once more).
            buffer.removeSubrange(0..<position)
            position = 0
            if let chunk = try readChunk(), !chunk.isEmpty {
                buffer.append(contentsOf: chunk)
            } else {
                atEnd = true
            }
        }
    }
}

/// Writes JSON Lines to a file (atomically, on ``finish()``) or to standard output.
///
/// A file is written to a temporary sibling and renamed into place only when every line has been
/// written, so an interrupted run never leaves a half-written output looking complete. A run that
/// stops early can keep what it wrote as `OUTPUT.partial` (``keepPartial()``), and a later run
/// can continue it (``init(path:resume:)``).
public final class JSONLinesWriter {
    private let path: String
    private let handle: FileHandle
    private var temporaryPath: String?
    private var buffer: [UInt8] = []
    /// The complete lines found in `OUTPUT.partial` when resuming (0 otherwise): the output
    /// already holds them, and they stay first.
    public let resumedLineCount: Int

    /// Whether lines go out as they are written (standard output, a pipe, a device) rather than
    /// to a file moved into place when finished.
    public var writesInPlace: Bool { temporaryPath == nil }

    /// Where a stopped run keeps the lines it wrote to `path`.
    public static func partialPath(for path: String) -> String { path + ".partial" }

    /// Opens the output: a path, or `-` for standard output.
    ///
    /// - Parameters:
    ///   - path: The output file, or `-` for standard output.
    ///   - resume: Continue a stopped run: append to `path.partial` when it exists, keeping its
    ///     complete lines (a last line cut short, as a killed run leaves it, is dropped). Only for
    ///     a regular output file.
    /// - Throws: ``JSONLinesError`` when the output cannot be created or opened, or when `resume`
    ///   is asked for standard output or a device.
    public init(path: String, resume: Bool = false) throws {
        self.path = path
        if path == "-" || Self.isSpecialFile(path) {
            guard !resume else {
                throw JSONLinesError(line: 0, reason: "--resume needs an output file (a run on standard output or a device cannot be continued)", source: path == "-" ? "<stdout>" : path)
            }
            if path == "-" {
                handle = FileHandle.standardOutput
            } else {
                // /dev/null, a FIFO, a terminal: write in place, there is nothing to replace atomically.
                guard let opened = FileHandle(forWritingAtPath: path) else {
                    throw JSONLinesError(line: 0, reason: "cannot open the output for writing", source: path)
                }
                handle = opened
            }
            temporaryPath = nil
            resumedLineCount = 0
        } else if resume, FileManager.default.fileExists(atPath: Self.partialPath(for: path)) {
            let partial = Self.partialPath(for: path)
            guard let opened = FileHandle(forUpdatingAtPath: partial) else {
                throw JSONLinesError(line: 0, reason: "cannot open the partial output to continue it", source: partial)
            }
            let (lines, completeBytes) = try Self.completeLines(of: opened, source: partial)
            do {
                try opened.truncate(atOffset: completeBytes)
                try opened.seekToEnd()
            } catch {
                throw JSONLinesError(line: 0, reason: "cannot continue the partial output: \(error.localizedDescription)", source: partial)
            }
            handle = opened
            temporaryPath = partial
            resumedLineCount = lines
        } else {
            let temporary = resume ? Self.partialPath(for: path) : path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw JSONLinesError(line: 0, reason: "cannot create the output file", source: path)
            }
            guard let opened = FileHandle(forWritingAtPath: temporary) else {
                throw JSONLinesError(line: 0, reason: "cannot open the output file", source: path)
            }
            handle = opened
            temporaryPath = temporary
            resumedLineCount = 0
        }
        buffer.reserveCapacity(1 << 16)
    }

    /// The number of complete lines in a file and the bytes they take (up to its last line break).
    private static func completeLines(of handle: FileHandle, source: String) throws -> (lines: Int, bytes: UInt64) {
        var lines = 0
        var offset: UInt64 = 0
        var lastBreakEnd: UInt64 = 0
        do {
            try handle.seek(toOffset: 0)
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                for (index, byte) in chunk.enumerated() where byte == UInt8(ascii: "\n") {
                    lines += 1
                    lastBreakEnd = offset + UInt64(index) + 1
                }
                offset += UInt64(chunk.count)
            }
        } catch {
            throw JSONLinesError(line: 0, reason: "cannot read the partial output: \(error.localizedDescription)", source: source)
        }
        return (lines, lastBreakEnd)
    }

    private static func isSpecialFile(_ path: String) -> Bool {
        // stat(2) directly: Foundation on Linux reports character devices such as /dev/null as
        // regular files.
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let type = status.st_mode & S_IFMT
        return type != S_IFREG && type != S_IFDIR
    }

    /// Appends one line (a newline is added).
    public func write(line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, moves it into place.
    public func finish() throws {
        try flush()
        guard let temporaryPath else { return }
        try handle.close()
        // rename(2) replaces an existing output atomically: readers see the old file or the new
        // one, never neither. (Foundation's replaceItemAt on Linux removes the old file first
        // and can fail after that, losing it.)
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw JSONLinesError(line: 0, reason: "cannot move the finished output into place: \(reason)", source: path)
        }
    }

    /// Stops an output that will not be finished but whose lines are worth keeping: a file's lines
    /// are flushed and moved to ``partialPath(for:)`` (never to the output's own name, which only a
    /// finished run gets), where ``init(path:resume:)`` continues them.
    ///
    /// - Returns: The partial file, or nil for standard output or a device (whose lines are
    ///   flushed, as by ``abandon()``) or when it could not be kept.
    @discardableResult
    public func keepPartial() -> String? {
        guard let temporaryPath else {
            try? flush()
            return nil
        }
        let partial = Self.partialPath(for: path)
        do {
            try flush()
            try handle.close()
        } catch {
            return nil
        }
        if temporaryPath != partial {
            // rename(2) replaces an older partial output of the same name.
            guard rename(temporaryPath, partial) == 0 else { return nil }
            self.temporaryPath = partial
        }
        return partial
    }

    /// Gives up on an output that will not be finished: a file's temporary sibling is removed, so
    /// no partial file is left behind; on standard output (or a pipe or device), where lines
    /// already written cannot be taken back, the buffered lines are written too, so the reader
    /// gets every line produced before the failure — complete lines, in order — and none later.
    public func abandon() {
        guard let temporaryPath else {
            try? flush()
            return
        }
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}
