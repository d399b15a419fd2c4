import EmbedTestServer
import EmbedTestSupport
import Foundation
import Hummingbird
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `embed encode`, `compare` and `serve` with a provider that cannot be reached: each stops (or
/// answers 502) within seconds and says which URL it tried and where that URL was set. Only
/// loopback addresses are contacted.
@Suite("embed with a provider that cannot be reached", .offThePool)
struct ProviderFailureTests {
    /// Generous, so that a loaded machine passes; the failures took minutes before (four attempts
    /// of the 60 s request timeout).
    static let bound: Duration = .seconds(15)

    /// A configuration file selecting LM Studio at `url`, with extra `config` keys.
    static func lmStudioConfiguration(_ url: String, extra: String = "", in directory: URL, name: String = "lmstudio.json") throws -> String {
        let file = directory.appendingPathComponent(name)
        try Data(#"{"embedder": {"provider": "lmstudio", "config": {"lmstudio_base_url": "\#(url)"\#(extra)}}}"#.utf8).write(to: file)
        return file.path
    }

    @Test("embed encode stops within seconds when the server is not running, naming the URL and its key")
    func encodeRefused() async throws {
        let closed = try LoopbackSocket(.refusing)
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = closed.baseURL + "/v1"
        let config = try Self.lmStudioConfiguration(url, in: directory)
        let result = try await CLIRunner.run(
            ["encode", "--config", config, "--input", "-", "--output", "-"], stdin: Data(#"{"text":"hello"}"#.utf8 + [10]))
        let elapsed = result.duration
        #expect(result.status != 0)
        #expect(result.stderr.contains(
            "Could not connect to LM Studio at \(url) (set by lmstudio_base_url in the configuration): connection refused. Is LM Studio's server running?"),
            "\(result.stderr)")
        #expect(result.stderr.contains("encode: LM Studio: attempt 1 failed (connection refused); retrying in"), "\(result.stderr)")
        #expect(!result.stderr.contains("NIO") && !result.stderr.contains("errno"), "\(result.stderr)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("embed encode bounds each attempt at a silent server by timeout and says how long it waited")
    func encodeSilent() async throws {
        let silent = try LoopbackSocket(.silent)
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = silent.baseURL + "/v1"
        let config = try Self.lmStudioConfiguration(url, extra: #", "timeout": 0.5, "max_retries": 1"#, in: directory)
        let result = try await CLIRunner.run(["encode", "--config", config, "hello"])
        let elapsed = result.duration
        #expect(result.status != 0)
        #expect(result.stderr.contains("LM Studio failed after 2 attempts over "), "\(result.stderr)")
        #expect(result.stderr.contains("LM Studio at \(url) (set by lmstudio_base_url in the configuration) did not answer within 500 ms."), "\(result.stderr)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("embed compare stops within seconds when a provider side is not running")
    func compareRefused() async throws {
        let closed = try LoopbackSocket(.refusing)
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = closed.baseURL + "/v1"
        let a = try Self.lmStudioConfiguration(url, in: directory, name: "a.json")
        let b = try Self.lmStudioConfiguration(url, in: directory, name: "b.json")
        let texts = directory.appendingPathComponent("texts.jsonl")
        try Data("{\"text\":\"one\"}\n{\"text\":\"two\"}\n".utf8).write(to: texts)
        let result = try await CLIRunner.run(["compare", "--a", a, "--b", b, "--input", texts.path, "--no-cache"])
        let elapsed = result.duration
        #expect(result.status != 0)
        #expect(result.stderr.contains("Could not connect to LM Studio at \(url) (set by lmstudio_base_url in the configuration): connection refused."), "\(result.stderr)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("A slow provider is reported on stderr while the call waits")
    func slowProviderProgress() async throws {
        let server = try await LoopbackServer.start { request, _ in
            let inputs = try await ProviderEncodeTests.inputs(of: request)
            // Longer than the progress interval (3 s) with room to spare on a loaded machine.
            try await Task.sleep(for: .seconds(5))
            return try ProviderEncodeTests.answer(inputs)
        }
        let result = try await CLIRunner.run(
            ["encode", "--provider", "openai", "--model", "test-model", "t1"],
            environment: ProviderEncodeTests.environment.merging(["OPENAI_BASE_URL": server.baseURL + "/v1"]) { a, _ in a })
        await server.stop()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("encode: waiting for OpenAI: 0 requests answered, 1 in flight, "), "\(result.stderr)")
    }

    @Test("embed serve fronting a provider that is not running answers 502 within seconds, in each API's shape")
    func serveRefused() async throws {
        let closed = try LoopbackSocket(.refusing)
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = closed.baseURL + "/v1"
        let config = try Self.lmStudioConfiguration(url, in: directory)
        try await ServeProcess.with(["--config", config]) { base in
            let routes = [
                ("/v1/embeddings", #"{"input":"hello"}"#), ("/api/embed", #"{"model":"m","input":"hello"}"#),
                ("/embed", #"{"inputs":"hello"}"#),
            ]
            for (path, body) in routes {
                let (status, json, elapsed) = try await ServeProcess.post(base + path, body)
                #expect(status == 502, "\(path): \(status) \(json)")
                let message: String? =
                    switch path {
                    case "/v1/embeddings": ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
                    default: (json as? [String: Any])?["error"] as? String
                    }
                if path == "/embed" { #expect((json as? [String: Any])?["error_type"] as? String == "Backend") }
                #expect(message?.contains("Could not connect to LM Studio at \(url) (set by lmstudio_base_url in the configuration): connection refused") == true, "\(path): \(json)")
                #expect(elapsed < Self.bound, "\(path) took \(elapsed)")
            }
        }
    }

    @Test("embed serve fronting a provider that never answers answers 504 once timeout has passed")
    func serveSilent() async throws {
        let silent = try LoopbackSocket(.silent)
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = silent.baseURL + "/v1"
        let config = try Self.lmStudioConfiguration(url, extra: #", "timeout": 0.5, "max_retries": 0"#, in: directory)
        try await ServeProcess.with(["--config", config]) { base in
            let (status, json, elapsed) = try await ServeProcess.post(base + "/v1/embeddings", #"{"input":"hello"}"#)
            #expect(status == 504, "\(status) \(json)")
            let message = ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
            #expect(message?.contains("LM Studio at \(url) (set by lmstudio_base_url in the configuration) did not answer within 500 ms.") == true, "\(json)")
            #expect(elapsed < Self.bound, "took \(elapsed)")
        }
    }
}
