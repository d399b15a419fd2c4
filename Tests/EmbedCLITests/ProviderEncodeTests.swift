import EmbedTestServer
import EmbedTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

@Suite("embed encode with a provider, against a loopback server speaking OpenAI's wire format", .offThePool)
struct ProviderEncodeTests {
    /// What the server saw: requests in flight now, the most at once, and each request's size.
    struct Traffic { var inFlight = 0, peak = 0, sizes: [Int] = [] }

    /// OpenAI's answer for `inputs`: text "t<N>" gets the vector [N, 1], so the output order can be
    /// read back.
    static func answer(_ inputs: [String]) throws -> Response {
        let data: [[String: Any]] = inputs.enumerated().map { index, text in
            let number: Double = Double(text.dropFirst()) ?? -1
            return ["object": "embedding", "index": index, "embedding": [number, 1.0]]
        }
        let body: [String: Any] = [
            "object": "list", "data": data, "model": "test-model",
            "usage": ["prompt_tokens": inputs.count, "total_tokens": inputs.count],
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))))
    }

    /// The `input` texts of an embeddings request.
    static func inputs(of request: Request) async throws -> [String] {
        let body = try await request.body.collect(upTo: 64 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        return json?["input"] as? [String] ?? []
    }

    static let environment = ["OPENAI_API_KEY": "test-key"]

    @Test("texts go in calls of 4096, each sent as parallel requests of 2048, and come back in input order")
    func callsKeepRequestsInFlight() async throws {
        let traffic = Mutex(Traffic())
        let server = try await LoopbackServer.start { request, _ in
            let inputs = try await Self.inputs(of: request)
            traffic.withLock {
                $0.inFlight += 1
                $0.peak = max($0.peak, $0.inFlight)
                $0.sizes.append(inputs.count)
            }
            // Long enough that the requests of one call overlap if they are sent together.
            try await Task.sleep(for: .milliseconds(300))
            traffic.withLock { $0.inFlight -= 1 }
            return try Self.answer(inputs)
        }
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jsonl")
        let count = 5000
        try Data((0..<count).map { "{\"text\":\"t\($0)\"}\n" }.joined().utf8).write(to: input)

        let result = try await CLIRunner.run(
            ["encode", "-q", "--provider", "openai", "--model", "test-model", "-i", input.path],
            environment: Self.environment.merging(["OPENAI_BASE_URL": server.baseURL + "/v1"]) { a, _ in a })
        await server.stop()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let vectors = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)).embedding }
        try #require(vectors.count == count)
        #expect(vectors.enumerated().allSatisfy { index, vector in vector.count == 2 && vector[0] / vector[1] == Float(index) })
        let seen = traffic.withLock { $0 }
        // 5000 texts: a call of 4096 (two requests of 2048 at once), then one of 904.
        #expect(seen.sizes.sorted() == [904, 2048, 2048])
        #expect(seen.peak == 2)
    }

    @Test("a provider failing mid-run keeps the vectors so far in OUTPUT.partial; --resume embeds only the rest")
    func failureThenResume() async throws {
        // Fails (HTTP 400, not retried) any request holding text t1500, until told otherwise.
        let healthy = Mutex(false)
        let requested = Mutex<[String]>([])
        let server = try await LoopbackServer.start { request, _ in
            let inputs = try await Self.inputs(of: request)
            if !healthy.withLock({ $0 }) && inputs.contains("t1500") {
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                let error = #"{"error":{"message":"This input is not allowed.","type":"invalid_request_error"}}"#
                return Response(status: .badRequest, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: error)))
            }
            requested.withLock { $0 += inputs }
            return try Self.answer(inputs)
        }
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jsonl"), output = directory.appendingPathComponent("out.jsonl")
        try Data((0..<3000).map { "{\"text\":\"t\($0)\"}\n" }.joined().utf8).write(to: input)
        let arguments = ["encode", "--provider", "openai", "--model", "test-model", "--batch-size", "1000", "-i", input.path, "-o", output.path]
        let environment = Self.environment.merging(["OPENAI_BASE_URL": server.baseURL + "/v1"]) { a, _ in a }

        let failed = try await CLIRunner.run(arguments, environment: environment)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("This input is not allowed"), "stderr: \(failed.stderr)")
        #expect(failed.stderr.contains("stopped after 1000 of 3000 texts"), "stderr: \(failed.stderr)")
        #expect(failed.stderr.contains("encode: 1000/3000 texts, "), "progress with rate and time left: \(failed.stderr)")
        #expect(failed.stderr.contains(" left"))
        #expect(failed.stderr.contains("--resume"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let partial = output.path + ".partial"
        #expect(try String(contentsOfFile: partial, encoding: .utf8).split(separator: "\n").count == 1000)

        healthy.withLock { $0 = true }
        requested.withLock { $0 = [] }
        let resumed = try await CLIRunner.run(arguments + ["--resume"], environment: environment)
        await server.stop()
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after the 1000 vectors"))
        #expect(resumed.stderr.contains("encode: 2000/3000 texts, "), "stderr: \(resumed.stderr)")
        // Only the texts after the kept vectors were sent again.
        #expect(requested.withLock { $0 } == (1000..<3000).map { "t\($0)" })
        #expect(!FileManager.default.fileExists(atPath: partial))
        let vectors = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)).embedding
        }
        try #require(vectors.count == 3000)
        #expect(vectors.enumerated().allSatisfy { index, vector in vector[0] / vector[1] == Float(index) })
    }

    @Test("Ctrl-C stops after the batch in flight, keeps the vectors so far, and --resume finishes the run")
    func interruptThenResume() async throws {
        let requests = Mutex(0)
        let server = try await LoopbackServer.start { request, _ in
            let inputs = try await Self.inputs(of: request)
            requests.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(150))
            return try Self.answer(inputs)
        }
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jsonl"), output = directory.appendingPathComponent("out.jsonl")
        try Data((0..<1000).map { "{\"text\":\"t\($0)\"}\n" }.joined().utf8).write(to: input)
        let arguments = ["encode", "--provider", "openai", "--model", "test-model", "--batch-size", "100", "-i", input.path, "-o", output.path]
        let environment = ProcessInfo.processInfo.environment.merging(
            Self.environment.merging(["OPENAI_BASE_URL": server.baseURL + "/v1"]) { a, _ in a }) { _, new in new }

        // Sends SIGINT once the second request has arrived, as a user pressing Ctrl-C would.
        let (status, stderr) = try await offThePool { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = CLIRunner.binary
            process.arguments = arguments
            process.environment = environment
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while requests.withLock({ $0 }) < 2 && Date() < deadline { usleep(5_000) }
            process.interrupt()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        #expect(status == 130, "stderr: \(stderr)")
        #expect(stderr.contains("--resume"), "stderr: \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let kept = try String(contentsOfFile: output.path + ".partial", encoding: .utf8).split(separator: "\n").count
        #expect(kept >= 100 && kept < 1000 && kept % 100 == 0, "\(kept) lines kept")

        let resumed = try await CLIRunner.run(arguments + ["--resume"], environment: Self.environment.merging(["OPENAI_BASE_URL": server.baseURL + "/v1"]) { a, _ in a })
        await server.stop()
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let vectors = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)).embedding
        }
        try #require(vectors.count == 1000)
        #expect(vectors.enumerated().allSatisfy { index, vector in vector[0] / vector[1] == Float(index) })
    }
}
