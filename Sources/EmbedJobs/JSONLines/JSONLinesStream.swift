import EmbedCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
    /// The only lines to read, or `nil` for all: lines before it are skipped without being
    /// parsed, and the stream ends after it without reading further.
    private let lines: ClosedRange<Int>?

    /// Creates a stream over the chunks `readChunk` returns until it returns nil or empty data.
    ///
    /// - Parameters:
    ///   - source: The input's name in errors.
    ///   - lines: The only lines to read (1-based), or `nil` for all.
    ///   - readChunk: The next bytes of the input.
    public init(source: String, lines: ClosedRange<Int>? = nil, readChunk: @escaping () throws -> Data?) {
        self.source = source
        self.lines = lines
        self.readChunk = readChunk
    }

    /// Returns the next record, or nil at the end of the input.
    ///
    /// - Throws: ``JSONLinesError`` naming the line when it is not a JSON object with a string
    ///   `text`, or when the input cannot be read.
    public func next() throws -> TextRecord? {
        while let line = try nextLine() {
            lineNumber += 1
            if let lines {
                if lineNumber > lines.upperBound { return nil }
                if lineNumber < lines.lowerBound { continue }
            }
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
