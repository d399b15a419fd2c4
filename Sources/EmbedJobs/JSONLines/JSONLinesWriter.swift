import EmbedCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
