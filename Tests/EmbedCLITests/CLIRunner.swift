import EmbedTestSupport
import Foundation

/// Runs the built `embed` binary as a user would, capturing its output.
struct CLIRunner {
    struct Result: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
        /// From the process's start to its exit, measured on the thread that waited for it (not
        /// including the wait for a concurrency thread to resume the test afterwards).
        var duration: Duration
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var lines: [String] { stdoutText.split(separator: "\n").map(String.init) }
    }

    /// The `embed` binary built next to the test bundle.
    static let binary: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("embed")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/embed")
    }()

    /// Runs `embed` with `arguments` to its end, on a thread of its own (see ``offThePool(_:)``:
    /// waiting for a child process must not hold one of the cooperative threads).
    /// `executable` is the built binary unless a test installed a copy elsewhere.
    static func run(
        _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], executable: URL = binary
    ) async throws -> Result {
        try await offThePool { try runBlocking(arguments, stdin: stdin, environment: environment, executable: executable) }
    }

    private static func runBlocking(_ arguments: [String], stdin: Data?, environment: [String: String], executable: URL) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe(), error = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input
        let start = ContinuousClock.now
        try process.run()
        // A child that exits before reading all of its input closes the pipe: the write then
        // fails with EPIPE (SIGPIPE is ignored, see `ignoreBrokenPipes`), which is the child's
        // business to report through its status and stderr, not a reason to end the test run.
        _ = ignoreBrokenPipes
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
        try? input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = error.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let duration = ContinuousClock.now - start
        while !reader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: outputData, stderr: String(decoding: errorData, as: UTF8.self),
            duration: duration)
    }

    /// Ignores SIGPIPE in the test process once, so writing to a child that has gone is an error
    /// rather than the end of the whole test run.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A fresh temporary folder, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("embed-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// One output line of `embed encode`.
struct EncodedLine: Decodable {
    var embedding: [Float]
    var tokens: Int?
    var truncated: Bool
}

/// One reference line with text, ids and (optionally) the embedding.
struct ReferenceLine: Decodable {
    var text: String
    var ids: [Int]
    var embedding: [Float]?
}
