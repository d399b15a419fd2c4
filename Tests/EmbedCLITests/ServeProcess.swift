import EmbedTestServer
import EmbedTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `embed serve` as a child process on a free loopback port, and blocking HTTP calls to it.
struct ServeProcess {
    let process: Process
    /// `http://127.0.0.1:PORT`.
    let base: String

    /// Starts `embed serve` with `arguments` and waits until `GET /health` answers 200.
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> ServeProcess {
        // A port nothing listens on, released for the server to take.
        let port = try LoopbackSocket(.refusing).port
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["serve", "--port", "\(port)", "--log-level", "error"] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = ServeProcess(process: process, base: "http://127.0.0.1:\(port)")
        var ready = false
        for _ in 0..<400 where !ready && process.isRunning {
            ready = (try? await get(server.base + "/health").status) == 200
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        if !ready { try await server.stop() }
        try #require(ready, "embed serve \(arguments.joined(separator: " ")) did not start")
        return server
    }

    /// Runs `body` against a server started with `arguments`, then stops it.
    static func with(_ arguments: [String], environment: [String: String] = [:], _ body: (String) async throws -> Void) async throws {
        let server = try await start(arguments, environment: environment)
        do {
            try await body(server.base)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Sends SIGTERM and waits for the process to exit.
    func stop() async throws {
        if process.isRunning { process.terminate() }
        try await offThePool { [process] in process.waitUntilExit() }
    }

    /// GETs `url`: the status and the body.
    static func get(_ url: String) async throws -> (status: Int, body: Data, headers: [String: String]) {
        let answer = try await offThePool { try exchange(URLRequest(url: URL(string: url)!)) }
        return (answer.status, answer.body, answer.headers)
    }

    /// POSTs `body` and returns the status, the parsed JSON and how long the answer took.
    static func post(_ url: String, _ body: String) async throws -> (Int, Any, Duration) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let answer = try await offThePool { [request] in try exchange(request) }
        return (answer.status, (try? JSONSerialization.jsonObject(with: answer.body)) ?? [:], answer.duration)
    }

    /// Sends `request` and waits for the answer on the calling thread, timing it there: a test
    /// resumed late by a busy concurrency pool must not count the wait as the server's.
    private static func exchange(_ request: URLRequest) throws -> (status: Int, body: Data, headers: [String: String], duration: Duration) {
        struct NoAnswer: Error {}
        nonisolated(unsafe) var outcome: (Int, Data, [String: String])?
        nonisolated(unsafe) var failure: (any Error)?
        let done = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error }
            let http = response as? HTTPURLResponse
            var headers: [String: String] = [:]
            for (key, value) in http?.allHeaderFields ?? [:] {
                if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
            }
            outcome = (http?.statusCode ?? 0, data ?? Data(), headers)
            done.signal()
        }.resume()
        done.wait()
        let duration = ContinuousClock.now - start
        if let failure { throw failure }
        guard let outcome else { throw NoAnswer() }
        return (outcome.0, outcome.1, outcome.2, duration)
    }
}
