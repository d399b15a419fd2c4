import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("Hugging Face")
struct HuggingFaceTests {
    @Test("TEI native: sends inputs, dimensions and model_kwargs to /embed")
    func teiNativeRequest() async throws {
        try await withFakeServer({ request in
            let dims = request.json["dimensions"]?.intValue ?? 4
            return .json(.array(FakeVectors.inputs(request, key: "inputs").map { FakeVectors.json(FakeVectors.vector(for: $0, dimensions: dims)) }))
        }) { server in
            let embedder = HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .tei, baseURL: server.baseURL, dimensions: 2, extraBody: ["truncate": true, "normalize": false],
                    transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(try await embedder.vectors(["t1"]) == [FakeVectors.vector(for: "t1", dimensions: 2)])
            let request = try #require(server.requests.first)
            #expect(request.path == "/embed")
            #expect(request.json == ["inputs": ["t1"], "dimensions": 2, "truncate": true, "normalize": false])
            #expect(request.header("authorization") == nil)
        }
    }

    @Test("TEI errors: the native error and error_type are surfaced")
    func teiError() async throws {
        try await withFakeServer({ _ in
            .json(["error": "batch size 64 > maximum allowed batch size 32", "error_type": "Validation"], status: 422)
        }) { server in
            let embedder = HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .tei, baseURL: server.baseURL, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.statusCode == 422)
            #expect(error.serverCode == "Validation")
            #expect(error.serverMessage == "batch size 64 > maximum allowed batch size 32")
            #expect(server.requests.count == 1)
        }
    }

    @Test("TEI's OpenAI route (mem0's huggingface_base_url): base64 requested and decoded")
    func teiOpenAIRoute() async throws {
        try await withFakeServer({ FakeVectors.openAIResponse(for: $0) }) { server in
            let embedder = HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    baseURL: server.baseURL + "/v1", transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(embedder.configuration.api == .openAI)
            #expect(try await embedder.vectors(["t7"]) == [FakeVectors.vector(for: "t7")])
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/embeddings")
            #expect(request.json["encoding_format"] == "base64")
            #expect(request.json["model"] == "tei")
        }
    }

    @Test("Hosted API: model in the path, bearer token, and a 1-D answer for one text")
    func hostedSingleVector() async throws {
        try await withFakeServer({ request in
            let inputs = FakeVectors.inputs(request, key: "inputs")
            return .json(inputs.count == 1 ? FakeVectors.json(FakeVectors.vector(for: inputs[0])) : .array(inputs.map { FakeVectors.json(FakeVectors.vector(for: $0)) }))
        }) { server in
            let embedder = HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .inference, baseURL: server.baseURL + "/hf-inference", model: "multi-qa-MiniLM-L6-cos-v1",
                    apiKey: "hf_secret", transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(embedder.modelName == "sentence-transformers/multi-qa-MiniLM-L6-cos-v1")
            #expect(try await embedder.vectors(["t1"]) == [FakeVectors.vector(for: "t1")])
            #expect(try await embedder.vectors(["t1", "t2"]).count == 2)
            let request = try #require(server.requests.first)
            #expect(request.path == "/hf-inference/models/sentence-transformers/multi-qa-MiniLM-L6-cos-v1/pipeline/feature-extraction")
            #expect(request.header("authorization") == "Bearer hf_secret")
            #expect(request.json == ["inputs": ["t1"]])
        }
    }

    @Test("Hosted API: per-token (3-D) output is rejected with advice")
    func rejectsTokenEmbeddings() async throws {
        try await withFakeServer({ _ in .json([[[0.1, 0.2], [0.3, 0.4]]]) }) { server in
            let embedder = HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .inference, baseURL: server.baseURL, model: "bert-base-uncased", apiKey: "k",
                    transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            let error = try await #require(throws: ProviderError.self) { try await embedder.embed(["t1"]) }
            #expect(error.kind == .malformedResponse)
            #expect(error.description.contains("sentence-embedding model"))
        }
    }

    @Test("Chooses the API from the configuration and reads HUGGINGFACE_API_KEY before HF_TOKEN")
    func resolution() throws {
        let hosted = try HuggingFaceConfiguration(environment: ["HF_TOKEN": "t2", "HUGGINGFACE_API_KEY": "t1"])
        #expect(hosted.api == .inference)
        #expect(hosted.apiKey == "t1")
        #expect(hosted.endpointURL
            == "https://router.huggingface.co/hf-inference/models/sentence-transformers/multi-qa-MiniLM-L6-cos-v1/pipeline/feature-extraction")
        let tei = try HuggingFaceConfiguration(baseURL: "http://localhost:3000/v1", environment: [:])
        #expect(tei.api == .openAI)
        #expect(tei.apiKey == nil)
        #expect(tei.endpointURL == "http://localhost:3000/v1/embeddings")
        let error = try #require(throws: ConfigurationError.self) { try HuggingFaceConfiguration(api: .inference, environment: [:]) }
        #expect(error.description.contains("HF_TOKEN"))
        let noURL = try #require(throws: ConfigurationError.self) { try HuggingFaceConfiguration(api: .tei, environment: [:]) }
        #expect(noURL.key == "huggingface_base_url")
    }
}
