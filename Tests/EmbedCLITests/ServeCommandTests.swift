import EmbedTestServer
import EmbedTestSupport
import Foundation
import Testing

/// `embed serve` with several models, a models file, a provider beside local models, and the
/// drain on SIGTERM — the real binary on a real port.
@Suite("embed serve: several models and draining", .offThePool)
struct ServeCommandTests {
    static let mpnet = Fixtures.url("arch/tiny-mpnet-mean").path
    static let xlmr = Fixtures.url("arch/tiny-xlmr-mean").path

    /// The vector `embed encode` computes for `text` with `model`.
    static func encoded(_ text: String, model: String) async throws -> [Double] {
        let result = try await CLIRunner.run(["encode", "-q", "--model", model, text])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return try #require(object?["embedding"] as? [Double])
    }

    static func embedding(_ base: String, model: String, text: String) async throws -> (status: Int, vector: [Double]?, json: Any) {
        let (status, json, _) = try await ServeProcess.post(base + "/v1/embeddings", #"{"model":"\#(model)","input":"\#(text)","encoding_format":"float"}"#)
        let data = ((json as? [String: Any])?["data"] as? [[String: Any]])?.first
        return (status, data?["embedding"] as? [Double], json)
    }

    static func expectClose(_ actual: [Double]?, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual, actual.count == expected.count else {
            Issue.record("got \(actual?.count ?? 0) components, expected \(expected.count)", sourceLocation: sourceLocation)
            return
        }
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "largest difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test("--model NAME=PATH twice, --alias and --tei-model: each name gets its own model's vectors")
    func twoModels() async throws {
        let text = "several models on one server"
        let mpnetVector = try await Self.encoded(text, model: Self.mpnet)
        let xlmrVector = try await Self.encoded(text, model: Self.xlmr)
        #expect(mpnetVector.count != xlmrVector.count || mpnetVector != xlmrVector)
        try await ServeProcess.with(["--model", "mp=\(Self.mpnet)", "--model", "xl=\(Self.xlmr)", "--alias", "multilingual=xl", "--tei-model", "xl"]) { base in
            Self.expectClose(try await Self.embedding(base, model: "mp", text: text).vector, mpnetVector)
            Self.expectClose(try await Self.embedding(base, model: "xl", text: text).vector, xlmrVector)
            Self.expectClose(try await Self.embedding(base, model: "multilingual:latest", text: text).vector, xlmrVector)

            let missing = try await Self.embedding(base, model: "nomic-embed-text", text: text)
            #expect(missing.status == 404)
            #expect(((missing.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "model_not_found")

            let listing = try JSONSerialization.jsonObject(with: try await ServeProcess.get(base + "/v1/models").body) as? [String: Any]
            let ids = (listing?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["mp", "xl"])

            let (status, tei, _) = try await ServeProcess.post(base + "/embed", #"{"inputs":"\#(text)","normalize":false}"#)
            #expect(status == 200)
            Self.expectClose((tei as? [[Double]])?.first, xlmrVector)
        }
    }

    @Test("A models file serves its models in order, with names and aliases")
    func modelsFile() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let file = directory.appendingPathComponent("models.yaml")
        try """
            models:
              - model: \(Self.xlmr)
                name: first
              - model: \(Self.mpnet)
                aliases: [mpnet-alias]
                max_batch_size: 4
            """.write(to: file, atomically: true, encoding: .utf8)
        let mpnetVector = try await Self.encoded("from a file", model: Self.mpnet)
        try await ServeProcess.with(["--config", file.path]) { base in
            Self.expectClose(try await Self.embedding(base, model: "mpnet-alias", text: "from a file").vector, mpnetVector)
            let health = try JSONSerialization.jsonObject(with: try await ServeProcess.get(base + "/health").body) as? [String: Any]
            let names = (health?["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names?.first == "first")
            #expect(names?.count == 2)
        }
    }

    @Test("A provider served beside a local model: its failure is a 502 for its name only")
    func providerBesideLocal() async throws {
        let dead = try LoopbackSocket(.refusing)
        try await ServeProcess.with(
            ["--model", Self.mpnet, "--model", "remote=ollama:nomic-embed-text"],
            environment: ["OLLAMA_HOST": "http://127.0.0.1:\(dead.port)"]
        ) { base in
            #expect(try await Self.embedding(base, model: "remote", text: "x").status == 502)
            let local = try await Self.embedding(base, model: "tiny-mpnet-mean", text: "x")
            #expect(local.status == 200, "\(local.json)")
        }
    }

    @Test("On SIGTERM with --drain-seconds, /health answers 503 while requests are still served, then the server exits")
    func drain() async throws {
        let server = try await ServeProcess.start(["--model", Self.mpnet, "--drain-seconds", "3"])
        do {
            let start = ContinuousClock.now
            server.process.terminate()  // SIGTERM
            var health = try await ServeProcess.get(server.base + "/health")
            for _ in 0..<40 where health.status == 200 {
                try await Task.sleep(for: .milliseconds(25))
                health = try await ServeProcess.get(server.base + "/health")
            }
            #expect(health.status == 503)
            #expect(health.headers["connection"]?.lowercased() == "close")
            #expect(try await Self.embedding(server.base, model: "any", text: "still served").status == 200)
            try await offThePool { [process = server.process] in process.waitUntilExit() }
            #expect(server.process.terminationStatus == 0)
            #expect(start.duration(to: .now) >= .seconds(2.5))
        } catch {
            try await server.stop()
            throw error
        }
    }

    @Test("Bad model options are refused before anything loads", arguments: [
        (["--model", "=x"], "empty"),
        (["--provider", "openai", "--model", "a", "--model", "b"], "--provider serves one model"),
        (["--alias", "nameonly"], "ALIAS=MODEL"),
        (["--alias", "x=nosuchmodel", "--model", ServeCommandTests.mpnet], "no served model"),
        (["--drain-seconds", "-1"], "--drain-seconds"),
    ])
    func badOptions(arguments: [String], message: String) async throws {
        let result = try await CLIRunner.run(["serve", "--port", "0"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
