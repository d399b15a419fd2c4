import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("Embedder configuration")
struct ConfigurationTests {
    private func parse(_ text: String) throws -> EmbedderConfiguration {
        try EmbedderConfiguration(jsonData: Data(text.utf8))
    }

    @Test("Reads mem0's documented examples", arguments: [
        (#"{"embedder": {"provider": "openai", "config": {"model": "text-embedding-3-large", "embedding_dims": 3072}}}"#,
         EmbedderConfiguration(provider: .openAI, model: "text-embedding-3-large", embeddingDims: 3072)),
        (#"{"embedder": {"provider": "ollama", "config": {"model": "mxbai-embed-large", "ollama_base_url": "http://localhost:11434"}}}"#,
         EmbedderConfiguration(provider: .ollama, model: "mxbai-embed-large", ollamaBaseURL: "http://localhost:11434")),
        (#"{"embedder": {"provider": "huggingface", "config": {"huggingface_base_url": "http://localhost:3000/v1"}}}"#,
         EmbedderConfiguration(provider: .huggingFace, huggingFaceBaseURL: "http://localhost:3000/v1")),
        (#"{"embedder": {"provider": "gemini", "config": {"model": "models/text-embedding-004", "output_dimensionality": "768"}}}"#,
         EmbedderConfiguration(provider: .gemini, model: "models/text-embedding-004", outputDimensionality: 768)),
        (#"{"embedder": {"provider": "vertexai", "config": {"model": "text-embedding-004", "vertex_credentials_json": "/path/key.json", "memory_add_embedding_type": "RETRIEVAL_DOCUMENT", "memory_update_embedding_type": "RETRIEVAL_DOCUMENT", "memory_search_embedding_type": "RETRIEVAL_QUERY"}}}"#,
         EmbedderConfiguration(
            provider: .vertexAI, model: "text-embedding-004", vertexCredentialsJSON: "/path/key.json",
            memoryAddEmbeddingType: "RETRIEVAL_DOCUMENT", memoryUpdateEmbeddingType: "RETRIEVAL_DOCUMENT",
            memorySearchEmbeddingType: "RETRIEVAL_QUERY")),
        (#"{"embedder": {"provider": "azure_openai", "config": {"model": "text-embedding-3-large", "azure_kwargs": {"api_version": "", "azure_deployment": "", "azure_endpoint": "", "api_key": "", "default_headers": {"CustomHeader": "your-custom-header"}}}}}"#,
         EmbedderConfiguration(
            provider: .azureOpenAI, model: "text-embedding-3-large",
            azure: AzureSettings(apiKey: "", deployment: "", endpoint: "", apiVersion: "", defaultHeaders: ["CustomHeader": "your-custom-header"]))),
        (#"{"embedder": {"provider": "lmstudio", "config": {"model": "nomic-embed-text-v1.5", "lmstudio_base_url": "http://localhost:1234/v1"}}}"#,
         EmbedderConfiguration(provider: .lmStudio, model: "nomic-embed-text-v1.5", lmStudioBaseURL: "http://localhost:1234/v1")),
        (#"{"embedder": {"provider": "together", "config": {"model": "togethercomputer/m2-bert-80M-8k-retrieval"}}}"#,
         EmbedderConfiguration(provider: .together, model: "togethercomputer/m2-bert-80M-8k-retrieval")),
    ])
    func mem0Examples(text: String, expected: EmbedderConfiguration) throws {
        #expect(try parse(text) == expected)
    }

    @Test("camelCase keys (mem0's TypeScript port) read the same as snake_case")
    func camelCase() throws {
        let snake = try parse(
            #"{"provider": "azure_openai", "config": {"api_key": "k", "embedding_dims": 512, "http_client_proxies": {"https": "http://proxy"}, "azure_kwargs": {"azure_deployment": "d", "api_version": "2024-10-21"}, "model_kwargs": {"user": "u"}}}"#)
        let camel = try parse(
            #"{"provider": "azure_openai", "config": {"apiKey": "k", "embeddingDims": 512, "httpClientProxies": {"https": "http://proxy"}, "azureKwargs": {"azureDeployment": "d", "apiVersion": "2024-10-21"}, "modelKwargs": {"user": "u"}}}"#)
        #expect(snake == camel)
        #expect(snake.apiKey == "k")
        #expect(snake.azure?.deployment == "d")
        #expect(snake.modelKwargs == ["user": "u"])
        #expect(snake.httpClientProxies == ["https": "http://proxy"])
    }

    @Test("The inner object alone, and an empty document meaning the local default")
    func shapes() throws {
        #expect(try parse(#"{"provider": "ollama"}"#) == EmbedderConfiguration(provider: .ollama))
        #expect(try parse("{}") == .local)
        #expect(try parse(#"{"embedder": {}}"#) == .local)
        // Sibling sections of a full mem0 file are ignored.
        #expect(try parse(#"{"llm": {"provider": "openai"}, "embedder": {"provider": "gemini"}}"#).provider == .gemini)
        // Nulls count as unset.
        #expect(try parse(#"{"provider": "openai", "config": {"model": null, "api_key": null}}"#) == EmbedderConfiguration(provider: .openAI))
    }

    @Test("An unknown key is named, with the valid keys listed")
    func unknownKey() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try parse(#"{"embedder": {"provider": "openai", "config": {"modle": "x"}}}"#)
        }
        #expect(error.key == "modle")
        #expect(error.description.contains("'modle'"))
        #expect(error.description.contains("embedder.config"))
        #expect(error.description.contains("embedding_dims"))
        let nested = try #require(throws: ConfigurationError.self) {
            try parse(#"{"provider": "azure_openai", "config": {"azure_kwargs": {"endpoint_url": "x"}}}"#)
        }
        #expect(nested.description.contains("embedder.config.azure_kwargs"))
        #expect(nested.description.contains("azure_endpoint"))
        let outer = try #require(throws: ConfigurationError.self) { try parse(#"{"provider": "openai", "settings": {}}"#) }
        #expect(outer.description.contains("'settings'"))
    }

    @Test("An unknown provider is named, with the valid providers listed")
    func unknownProvider() throws {
        let error = try #require(throws: ConfigurationError.self) { try parse(#"{"provider": "aws_bedrock"}"#) }
        #expect(error.description.contains("'aws_bedrock'"))
        for name in ["openai", "azure_openai", "ollama", "huggingface", "gemini", "vertexai", "together", "lmstudio", "local"] {
            #expect(error.description.contains(name))
        }
    }

    @Test("Provider names ignore case and separators; google and vertex are aliases", arguments: [
        ("OpenAI", EmbedderProvider.openAI), ("azure-openai", .azureOpenAI), ("LM_Studio", .lmStudio),
        ("hugging-face", .huggingFace), ("google", .gemini), ("vertex", .vertexAI), ("vertex_ai", .vertexAI),
    ])
    func providerNames(name: String, expected: EmbedderProvider) throws {
        #expect(try EmbedderProvider(configurationName: name) == expected)
    }

    @Test("Wrong types and duplicate spellings are errors naming the key", arguments: [
        (#"{"provider": "openai", "config": {"embedding_dims": "many"}}"#, "embedding_dims"),
        (#"{"provider": "openai", "config": {"embedding_dims": -3}}"#, "embedding_dims"),
        (#"{"provider": "openai", "config": {"embedding_dims": 1.5}}"#, "embedding_dims"),
        (#"{"provider": "openai", "config": {"model": 3}}"#, "model"),
        (#"{"provider": "openai", "config": {"model_kwargs": []}}"#, "model_kwargs"),
        (#"{"provider": "ollama", "config": {"auto_pull": "yes"}}"#, "auto_pull"),
        (#"{"provider": "huggingface", "config": {"huggingface_api": "grpc"}}"#, "huggingface_api"),
        (#"{"provider": "openai", "config": {"api_key": "a", "apiKey": "b"}}"#, "api"),
        (#"{"provider": "azure_openai", "config": {"azure_kwargs": {"default_headers": {"X": 1}}}}"#, "default_headers"),
    ])
    func invalidValues(text: String, key: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try parse(text) }
        #expect(error.description.contains(key))
    }

    @Test("Text that is not JSON is reported as such")
    func notJSON() throws {
        let error = try #require(throws: ConfigurationError.self) { try parse("provider: openai") }
        #expect(error.description.contains("not JSON"))
    }

    @Test("Decodable conformance rethrows the configuration error")
    func decodable() throws {
        let valid = try JSONDecoder().decode(EmbedderConfiguration.self, from: Data(#"{"provider": "together"}"#.utf8))
        #expect(valid.provider == .together)
        #expect(throws: ConfigurationError.self) {
            try JSONDecoder().decode(EmbedderConfiguration.self, from: Data(#"{"provider": "nope"}"#.utf8))
        }
    }

    @Test("The command line's provider and model")
    func commandLine() throws {
        let configuration = try EmbedderConfiguration(provider: "ollama", model: "all-minilm")
        #expect(configuration == EmbedderConfiguration(provider: .ollama, model: "all-minilm"))
        #expect(throws: ConfigurationError.self) { try EmbedderConfiguration(provider: "olama", model: nil) }
    }

    @Test("mem0 memory actions map to tasks")
    func memoryActions() {
        #expect(EmbeddingTask(memoryAction: "add") == .document)
        #expect(EmbeddingTask(memoryAction: "update") == .document)
        #expect(EmbeddingTask(memoryAction: "SEARCH") == .query)
        #expect(EmbeddingTask(memoryAction: "delete") == nil)
    }

    @Test("JSONValue round-trips and writes integers without a fraction")
    func jsonValue() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": 512]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(String(decoding: try JSONEncoder().encode(JSONValue.number(512)), as: UTF8.self) == "512")
        #expect(JSONValue.number(3).intValue == 3)
        #expect(JSONValue.number(3.5).intValue == nil)
    }
}
