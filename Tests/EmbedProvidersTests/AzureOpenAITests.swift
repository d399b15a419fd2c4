import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("Azure OpenAI")
struct AzureOpenAITests {
    @Test("Classic API: deployment in the path, dated api-version, api-key header, no model unless given")
    func classicRequest() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let embedder = AzureOpenAIEmbedder(
                configuration: try AzureOpenAIConfiguration(
                    endpoint: server.baseURL + "/", deployment: "my embeddings", apiVersion: "2024-10-21", apiKey: "azure-key",
                    defaultHeaders: ["x-ms-useragent": "mem0"], transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(try await embedder.vectors(["t1"]) == [FakeVectors.vector(for: "t1")])
            let request = try #require(server.requests.first)
            #expect(request.path == "/openai/deployments/my%20embeddings/embeddings")
            #expect(request.queryItems == ["api-version": "2024-10-21"])
            #expect(request.header("api-key") == "azure-key")
            #expect(request.header("x-ms-useragent") == "mem0")
            #expect(request.json["model"] == nil)
            #expect(request.json["encoding_format"] == "base64")
            #expect(embedder.modelName == "my embeddings")
        }
    }

    @Test("v1 API: /openai/v1/embeddings with the deployment as model; preview is passed on")
    func v1Request() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let embedder = AzureOpenAIEmbedder(
                configuration: try AzureOpenAIConfiguration(
                    endpoint: server.baseURL + "/openai/v1", deployment: "emb", apiVersion: "preview", apiKey: "k",
                    transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            _ = try await embedder.embed(["t1"])
            let request = try #require(server.requests.first)
            #expect(request.path == "/openai/v1/embeddings")
            #expect(request.queryItems == ["api-version": "preview"])
            #expect(request.json["model"] == "emb")
        }
    }

    @Test("Surfaces Azure's 429 message with its string code, and retries after the header's wait")
    func azureRateLimit() async throws {
        let clock = RecordingClock()
        let attempts = Counter()
        let message =
            "Requests to the Embeddings_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit. Please retry after 2 seconds."
        try await withFakeServer({ request in
            attempts.next() == 0
                ? .json(["error": ["code": "429", "message": .string(message)]], status: 429, headers: ["retry-after-ms": "2000"])
                : FakeVectors.openAIResponse(for: request)
        }) { server in
            let embedder = AzureOpenAIEmbedder(
                configuration: try AzureOpenAIConfiguration(
                    endpoint: server.baseURL, deployment: "emb", apiKey: "k", transport: clock.transport(), environment: [:]), httpClient: server.client)
            _ = try await embedder.embed(["t1"])
            #expect(clock.sleeps == [.seconds(2)])
        }
        let error = ProviderError.http(provider: "Azure OpenAI", status: 429, message: message, serverCode: "429")
        #expect(error.description == "Azure OpenAI answered HTTP 429 (429): \(message)")
    }

    @Test("Reads endpoint, deployment, key and version from mem0's EMBEDDING_AZURE_* variables first")
    func environment() throws {
        let env = [
            "EMBEDDING_AZURE_OPENAI_API_KEY": "emb-key", "AZURE_OPENAI_API_KEY": "generic-key",
            "EMBEDDING_AZURE_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_ENDPOINT": "https://other.openai.azure.com",
            "EMBEDDING_AZURE_DEPLOYMENT": "dep", "EMBEDDING_AZURE_API_VERSION": "2024-02-01",
        ]
        let configuration = try AzureOpenAIConfiguration(environment: env)
        #expect(configuration.credential == .apiKey("emb-key"))
        #expect(configuration.endpoint == "https://res.openai.azure.com")
        #expect(configuration.deployment == "dep")
        #expect(configuration.api == .classic(apiVersion: "2024-02-01"))
        #expect(
            configuration.embeddingsURL
                == "https://res.openai.azure.com/openai/deployments/dep/embeddings?api-version=2024-02-01")

        // Explicit wins; an Entra token wins over a key; mem0's placeholder key counts as unset.
        let explicit = try AzureOpenAIConfiguration(
            endpoint: "https://mine.openai.azure.com", deployment: "d2", apiKey: "your-api-key", environment: env)
        #expect(explicit.credential == .apiKey("emb-key"))
        #expect(explicit.api == .classic(apiVersion: "2024-02-01"))
        let token = try AzureOpenAIConfiguration(environment: env.merging(["AZURE_OPENAI_AD_TOKEN": "tok"]) { $1 })
        #expect(token.credential == .bearerToken("tok"))
        // No version anywhere: the v1 API.
        let v1 = try AzureOpenAIConfiguration(
            endpoint: "https://r.openai.azure.com", deployment: "d", apiKey: "k", environment: [:])
        #expect(v1.embeddingsURL == "https://r.openai.azure.com/openai/v1/embeddings")
    }

    @Test("Missing settings name the azure_kwargs key and the variables", arguments: [
        ([String: String](), "azure_kwargs.azure_endpoint"),
        (["AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"], "azure_kwargs.azure_deployment"),
        (["AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "EMBEDDING_AZURE_DEPLOYMENT": "d"], "azure_kwargs.api_key"),
    ])
    func missingSettings(environment: [String: String], key: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try AzureOpenAIConfiguration(environment: environment) }
        #expect(error.key == key)
        #expect(error.description.contains(key))
    }
}
