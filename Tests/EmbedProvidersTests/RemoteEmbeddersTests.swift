import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("RemoteEmbedders factory")
struct RemoteEmbeddersTests {
    @Test("The local runtime is not built here", arguments: [
        EmbedderConfiguration.local, EmbedderConfiguration(provider: .huggingFace),
        EmbedderConfiguration(provider: .huggingFace, model: "BAAI/bge-small-en-v1.5"),
    ])
    func localMeansNil(configuration: EmbedderConfiguration) throws {
        #expect(try RemoteEmbedders.make(configuration, environment: [:]) == nil)
    }

    @Test("Each provider gets mem0's defaults", arguments: [
        (EmbedderProvider.openAI, ["OPENAI_API_KEY": "k"], "text-embedding-3-small", Optional(1536)),
        (.ollama, [:], "nomic-embed-text", 768),
        (.gemini, ["GOOGLE_API_KEY": "k"], "gemini-embedding-001", 768),
        (.vertexAI, ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "GOOGLE_CLOUD_PROJECT": "p"], "gemini-embedding-001", 256),
        (.together, ["TOGETHER_API_KEY": "k"], "intfloat/multilingual-e5-large-instruct", 1024),
        (.lmStudio, [:], "nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.f16.gguf", 768),
        (.azureOpenAI,
         ["EMBEDDING_AZURE_OPENAI_API_KEY": "k", "EMBEDDING_AZURE_ENDPOINT": "https://r.openai.azure.com",
          "EMBEDDING_AZURE_DEPLOYMENT": "text-embedding-3-small"], "text-embedding-3-small", 1536),
    ])
    func defaults(provider: EmbedderProvider, environment: [String: String], model: String, dimensions: Int?) throws {
        let embedder = try #require(try RemoteEmbedders.make(EmbedderConfiguration(provider: provider), environment: environment))
        #expect(embedder.modelName == model)
        #expect(embedder.dimensions == dimensions)
    }

    @Test("Configuration beats environment beats default")
    func precedence() throws {
        let env = ["OPENAI_API_KEY": "env-key", "OPENAI_BASE_URL": "http://127.0.0.1:2/v1"]
        let fromEnvironment = try #require(
            try RemoteEmbedders.make(EmbedderConfiguration(provider: .openAI), environment: env) as? OpenAIEmbedder)
        #expect(fromEnvironment.configuration.apiKey == "env-key")
        #expect(fromEnvironment.configuration.baseURL == "http://127.0.0.1:2/v1")
        let configured = try #require(
            try RemoteEmbedders.make(
                EmbedderConfiguration(provider: .openAI, apiKey: "cfg-key", openAIBaseURL: "http://127.0.0.1:3/v1"),
                environment: env) as? OpenAIEmbedder)
        #expect(configured.configuration.apiKey == "cfg-key")
        #expect(configured.configuration.baseURL == "http://127.0.0.1:3/v1")
    }

    @Test("A missing credential names the config key and environment variables", arguments: [
        (EmbedderProvider.openAI, "OPENAI_API_KEY"), (.together, "TOGETHER_API_KEY"), (.gemini, "GOOGLE_API_KEY"),
        (.vertexAI, "GOOGLE_APPLICATION_CREDENTIALS"), (.azureOpenAI, "AZURE_OPENAI_ENDPOINT"),
    ])
    func missingCredential(provider: EmbedderProvider, variable: String) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try RemoteEmbedders.make(EmbedderConfiguration(provider: provider), environment: ["HOME": "/nonexistent"])
        }
        #expect(error.description.contains(variable))
        #expect(error.description.contains(provider.rawValue))
    }

    @Test("replace_newlines on a provider without it is an error")
    func unsupportedKey() throws {
        #expect(throws: ConfigurationError.self) {
            try RemoteEmbedders.make(EmbedderConfiguration(provider: .ollama, replaceNewlines: true), environment: [:])
        }
    }

    @Test("embedding_dims is checked on what the server returns")
    func dimensionMismatch() async throws {
        try await withFakeServer({ request in
            .json(["embeddings": .array(FakeVectors.inputs(request).map { FakeVectors.json(FakeVectors.vector(for: $0)) })])
        }) { server in
            let configuration = try EmbedderConfiguration(
                jsonData: Data(
                    #"{"embedder": {"provider": "ollama", "config": {"model": "all-minilm", "embedding_dims": 384, "ollama_base_url": "\#(server.baseURL)", "auto_pull": false}}}"#
                        .utf8))
            let embedder = try #require(try RemoteEmbedders.make(configuration, environment: [:], httpClient: server.client))
            let error = try await #require(throws: EmbeddingError.self) { try await embedder.embed(["t1"]) }
            #expect(error == .dimensionMismatch(expected: 384, received: 4, source: "Ollama (all-minilm)"))
            #expect(server.requests.first?.json["dimensions"] == 384)
        }
    }

    @Test("max_retries, timeout, batch_size and model_kwargs from the file reach the transport")
    func transportKeys() async throws {
        try await withFakeServer({ request in
            FakeVectors.inputs(request).contains("fail") ? .json(ErrorBodies.openAI("boom"), status: 500) : FakeVectors.openAIResponse(for: request)
        }) { server in
            let configuration = try EmbedderConfiguration(
                jsonData: Data(
                    #"{"provider": "lmstudio", "config": {"lmstudio_base_url": "\#(server.baseURL)/v1", "max_retries": 0, "timeout": 5, "batch_size": 2, "model_kwargs": {"user": "me"}}}"#
                        .utf8))
            let embedder = try #require(try RemoteEmbedders.make(configuration, environment: [:], httpClient: server.client))
            #expect(try await embedder.embed(FakeVectors.texts(5)).count == 5)
            #expect(server.requests.count == 3)
            #expect(server.requests.allSatisfy { $0.json["user"] == "me" })
            await #expect(throws: ProviderError.self) { try await embedder.embed(["fail"]) }
            #expect(server.requests.count == 4)
        }
    }

    @Test("memory_*_embedding_type choose Vertex task types; no task means SEMANTIC_SIMILARITY")
    func vertexTaskTypes() async throws {
        try await withFakeServer({ VertexAITests.predictions($0) }) { server in
            let configuration = EmbedderConfiguration(
                provider: .vertexAI, model: "text-embedding-005", embeddingDims: 4, baseURL: server.baseURL, projectID: "p",
                accessToken: "tok", memoryAddEmbeddingType: "CLUSTERING", memorySearchEmbeddingType: "CODE_RETRIEVAL_QUERY")
            let embedder = try #require(try RemoteEmbedders.make(configuration, environment: [:], httpClient: server.client))
            for task in [EmbeddingTask(memoryAction: "add"), EmbeddingTask(memoryAction: "search"), nil] {
                _ = try await embedder.embed(["t1"], options: EmbeddingOptions(task: task))
            }
            let sent = server.requests.map { $0.json["instances"]?.arrayValue?.first?["task_type"]?.stringValue }
            #expect(sent == ["CLUSTERING", "CODE_RETRIEVAL_QUERY", "SEMANTIC_SIMILARITY"])
            #expect(server.requests.first?.json["parameters"]?["outputDimensionality"] == 4)
        }
    }
}
