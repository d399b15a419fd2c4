import EmbedCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
    /// - Parameters:
    ///   - chunkSize: Bytes read at a time; memory stays within a few chunks plus the longest
    ///     line.
    ///   - lines: The only lines to read (1-based, blank lines counted), or `nil` for all.
    /// - Throws: ``JSONLinesError`` when the file cannot be opened.
    public func open(chunkSize: Int = 1 << 20, lines: ClosedRange<Int>? = nil) throws -> JSONLinesStream {
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
        return JSONLinesStream(source: source, lines: lines) {
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
    public func checkAll(lines: ClosedRange<Int>? = nil, _ check: (TextRecord) throws -> Void = { _ in }) throws -> Int {
        let stream = try open(lines: lines)
        var count = 0
        while let record = try stream.next() {
            try check(record)
            count += 1
        }
        return count
    }

    /// Counts the input's lines (blank ones included; a last line without a line break counts)
    /// without parsing them.
    ///
    /// - Throws: ``JSONLinesError`` when the file cannot be read.
    public func countLines(chunkSize: Int = 1 << 20) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw JSONLinesError(line: 0, reason: "cannot read the file", source: sourceName)
        }
        defer { try? handle.close() }
        var count = 0
        var endsWithBreak = true
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: chunkSize)
            } catch {
                throw JSONLinesError(line: 0, reason: "cannot read: \(error.localizedDescription)", source: sourceName)
            }
            guard let chunk, !chunk.isEmpty else { break }
            count += chunk.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            endsWithBreak = chunk.last == UInt8(ascii: "\n")
        }
        return endsWithBreak ? count : count + 1
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
