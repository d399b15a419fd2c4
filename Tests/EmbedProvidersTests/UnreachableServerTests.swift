import AsyncHTTPClient
import EmbedConfiguration
import EmbedCore
import EmbedTestServer
import Foundation
import Synchronization
import Testing
@testable import EmbedProviders

/// A server that is not there, a host name that does not resolve, a server that never answers
/// and a TLS mismatch: each fails within its bound, with a message naming the URL tried and the
/// setting it came from. Only loopback addresses are contacted; names under `.invalid` never
/// resolve.
///
/// The bounds are generous (many times what the failures take) so that a loaded machine does
/// not fail them. The client's connect timeout is 30 s here and the request timeout 60 s, so a
/// failure within ``bound`` was reported as it happened, not waited out.
@Suite("A provider that cannot be reached")
struct UnreachableServerTests {
    static let bound: Duration = .seconds(15)

    /// Runs `body` with a client configured as ``ProviderHTTPClient/shared`` but for a connect
    /// timeout longer than ``bound``, expecting a ``ProviderError``, and returns it and how long
    /// it took to fail.
    private func failure(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: (HTTPClient) async throws -> Void
    ) async throws -> (error: ProviderError?, elapsed: Duration) {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: ProviderHTTPClient.configuration(connectTimeout: .seconds(30)))
        let start = ContinuousClock.now
        let failure = await #expect(throws: ProviderError.self, sourceLocation: sourceLocation) { try await body(client) }
        let elapsed = ContinuousClock.now - start
        try await client.shutdown()
        return (failure, elapsed)
    }

    private func make(
        _ config: EmbedderConfiguration, environment: [String: String] = [:], client: HTTPClient
    ) throws -> any Embedder {
        try #require(try RemoteEmbedders.make(config, environment: environment, httpClient: client))
    }

    @Test("A closed loopback port is reported within seconds, retried once, naming the URL and its key")
    func refused() async throws {
        let closed = try LoopbackSocket(.refusing)
        let url = closed.baseURL + "/v1"
        let events = Mutex<[String]>([])
        // The default retry policy (3 retries, real backoff) and request timeout (60 s).
        let (error, elapsed) = try await failure { client in
            let embedder = try make(EmbedderConfiguration(provider: .lmStudio, lmStudioBaseURL: url), client: client)
            try await RemoteRequestProgress.$observer.withValue({ event in
                events.withLock {
                    switch event {
                    case .started: $0.append("started")
                    case .retrying(_, let attempt, _, _): $0.append("retrying \(attempt)")
                    case .finished(_, let succeeded): $0.append(succeeded ? "answered" : "failed")
                    }
                }
            }) {
                _ = try await embedder.embed(["hello"])
            }
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.kind == .retriesExhausted)
        #expect(unwrapped.attempts == 2, "one quick retry, whatever max_retries allows")
        #expect(unwrapped.connectionProblem == .refused)
        #expect(unwrapped.endpoint?.url == url)
        let text = unwrapped.description
        #expect(text.contains("Could not connect to LM Studio at \(url) (set by lmstudio_base_url in the configuration): connection refused."), "\(text)")
        #expect(text.contains("Is LM Studio's server running?"))
        #expect(!text.contains("NIO") && !text.contains("SingleConnectionFailure"), "\(text)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
        #expect(events.withLock { $0 } == ["started", "retrying 1", "failed"])
    }

    @Test("A refused connection names base_url when that key set the URL")
    func refusedThroughBaseURL() async throws {
        let closed = try LoopbackSocket(.refusing)
        let (error, elapsed) = try await failure { client in
            let config = EmbedderConfiguration(provider: .ollama, baseURL: closed.baseURL, maxRetries: 0)
            _ = try await make(config, client: client).embed(["hello"])
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.kind == .connection)
        #expect(unwrapped.description.contains("\(closed.baseURL) (set by base_url in the configuration): connection refused. Is Ollama running? Start it with `ollama serve`."), "\(unwrapped)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("Every provider reports a closed port at once, naming the URL", arguments: ProviderHarness.all)
    func refusedEveryProvider(provider: ProviderHarness) async throws {
        let closed = try LoopbackSocket(.refusing)
        let clock = RecordingClock()
        let (error, elapsed) = try await failure { client in
            _ = try await provider.make(closed.baseURL, client, clock.transport(retries: 3)).embed(["t1"])
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.connectionProblem == .refused, "\(unwrapped)")
        #expect(unwrapped.attempts == 2)
        #expect(clock.sleeps.count == 1)
        #expect(unwrapped.description.contains("127.0.0.1:\(closed.port)"), "\(unwrapped)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("A host name that does not resolve is reported at once, not retried, naming the variable that set it")
    func unknownHost() async throws {
        let (error, elapsed) = try await failure { client in
            let environment = ["OLLAMA_HOST": "http://nothing-here.invalid:9"]
            _ = try await make(EmbedderConfiguration(provider: .ollama), environment: environment, client: client).embed(["hello"])
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.kind == .connection, "not retried: \(unwrapped)")
        #expect(unwrapped.connectionProblem == .unknownHost("nothing-here.invalid"))
        #expect(unwrapped.description.hasPrefix(
            "Could not connect to Ollama at http://nothing-here.invalid:9 (set by the environment variable OLLAMA_HOST): the host name nothing-here.invalid does not resolve."), "\(unwrapped)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("An unresolvable configured URL is named with its key")
    func unknownHostConfigured() async throws {
        let url = "http://nothing-here.invalid:9/v1"
        let (error, elapsed) = try await failure { client in
            _ = try await make(EmbedderConfiguration(provider: .openAI, openAIBaseURL: url), client: client).embed(["hello"])
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.kind == .connection)
        #expect(unwrapped.description.contains("\(url) (set by openai_base_url in the configuration)"), "\(unwrapped)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
    }

    @Test("A server that accepts and never answers: each attempt is bounded by timeout, retries back off, the error says how long in all")
    func silentServer() async throws {
        let silent = try LoopbackSocket(.silent)
        let url = silent.baseURL + "/v1"
        let (error, elapsed) = try await failure { client in
            let config = EmbedderConfiguration(provider: .lmStudio, lmStudioBaseURL: url, timeout: 0.5, maxRetries: 1)
            _ = try await make(config, client: client).embed(["hello"])
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.kind == .retriesExhausted)
        #expect(unwrapped.attempts == 2)
        #expect(unwrapped.lastError?.kind == .timeout)
        let text = unwrapped.description
        #expect(text.contains("LM Studio failed after 2 attempts over "), "\(text)")
        #expect(text.contains("LM Studio at \(url) (set by lmstudio_base_url in the configuration) did not answer within 500 ms."), "\(text)")
        // Two 0.5 s attempts and a backoff of up to 0.5 s between them.
        #expect(elapsed >= .milliseconds(900), "took \(elapsed)")
        #expect(elapsed < Self.bound, "took \(elapsed)")
        #expect(unwrapped.elapsed.map { $0 >= .milliseconds(900) } == true)
    }

    @Test("A plain HTTP server addressed with https fails the TLS handshake at once, not retried")
    func tlsMismatch() async throws {
        try await withFakeServer({ _ in .text("plain HTTP") }) { server in
            let url = server.baseURL.replacingOccurrences(of: "http://", with: "https://") + "/v1"
            let (error, elapsed) = try await failure { client in
                _ = try await make(EmbedderConfiguration(provider: .lmStudio, lmStudioBaseURL: url), client: client).embed(["hello"])
            }
            let unwrapped = try #require(error)
            #expect(unwrapped.kind == .connection, "not retried: \(unwrapped)")
            guard case .tls = unwrapped.connectionProblem else {
                Issue.record("expected a TLS failure, got \(unwrapped)")
                return
            }
            let text = unwrapped.description
            #expect(text.contains("Could not connect to LM Studio at \(url) (set by lmstudio_base_url in the configuration): the TLS handshake failed"), "\(text)")
            #expect(text.contains("use an http:// URL"))
            #expect(!text.contains("NIOSSL") && !text.contains("BoringSSL"), "\(text)")
            #expect(elapsed < Self.bound, "took \(elapsed)")
        }
    }

    @Test("Messages name the default and the settings that change it")
    func defaultSource() throws {
        let configuration = try LMStudioConfiguration()
        let endpoint = ProviderEndpoint(
            url: configuration.baseURL, source: configuration.baseURLSource, serverAdvice: "Is LM Studio's server running?")
        #expect(ProviderError.connectionFailed(provider: "LM Studio", problem: .refused, endpoint: endpoint).description
            == "Could not connect to LM Studio at http://localhost:1234/v1 (the default; set lmstudio_base_url): connection refused. Is LM Studio's server running?")
        let ollama = try OllamaConfiguration(environment: [:])
        #expect(ollama.baseURLSource.description == "the default; set ollama_base_url or OLLAMA_HOST")
        #expect(try OllamaConfiguration(environment: ["OLLAMA_HOST": "gpu-box"]).baseURLSource == .environment(variable: "OLLAMA_HOST"))
        #expect(try OpenAIConfiguration(apiKey: "k", environment: ["OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"]).baseURLSource
            == .environment(variable: "OPENAI_BASE_URL"))
        #expect(ProviderError.retriesExhausted(
            provider: "LM Studio", attempts: 4, last: .timeout(provider: "LM Studio", after: .seconds(60)), elapsed: .seconds(243)
        ).description == "LM Studio failed after 4 attempts over 4 min 3 s. Last error: LM Studio did not answer within 60.0 s.")
    }

    @Test("The configuration says which key set the endpoint")
    func configuredEndpoint() {
        #expect(EmbedderConfiguration(provider: .ollama, baseURL: "http://a", ollamaBaseURL: "http://b").configuredEndpoint
            == ConfiguredSetting(key: "ollama_base_url", value: "http://b"))
        #expect(EmbedderConfiguration(provider: .ollama, baseURL: "http://a", ollamaBaseURL: " ").configuredEndpoint
            == ConfiguredSetting(key: "base_url", value: "http://a"))
        #expect(EmbedderConfiguration(provider: .azureOpenAI, azure: AzureSettings(endpoint: "https://r")).configuredEndpoint?.key
            == "azure_kwargs.azure_endpoint")
        #expect(EmbedderConfiguration(provider: .gemini).configuredEndpoint == nil)
    }
}
