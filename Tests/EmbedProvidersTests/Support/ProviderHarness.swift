import AsyncHTTPClient
import EmbedCore
import Foundation
@testable import EmbedProviders

/// Everything the shared behaviour tests need to drive one provider against a fake server that
/// speaks its wire format.
struct ProviderHarness: Sendable, CustomStringConvertible {
    var name: String
    /// The path the embedding requests go to.
    var embeddingPath: String
    /// Builds the embedder for a server at `baseURL`.
    var make: @Sendable (_ baseURL: String, _ client: HTTPClient, _ transport: TransportOptions) throws -> any Embedder
    /// A successful answer to an embedding request (4-dimensional vectors from ``FakeVectors``).
    var respond: @Sendable (RecordedRequest) -> FakeResponse
    /// The texts an embedding request carries.
    var inputs: @Sendable (RecordedRequest) -> [String]
    /// Whether the request carries the configured credentials.
    var isAuthenticated: @Sendable (RecordedRequest) -> Bool
    /// The provider's error body carrying `message`.
    var errorBody: @Sendable (_ status: Int, _ message: String) -> FakeResponse
    /// Answers requests to other paths (token endpoint, model list).
    var auxiliary: @Sendable (RecordedRequest) -> FakeResponse = { _ in .text("not found", status: 404) }
    /// Whether returned vectors are L2-normalized by the client.
    var normalizes = false

    var description: String { name }

    /// The vector the embedder should return for `text`.
    func expected(_ text: String) -> [Float] {
        let vector = FakeVectors.vector(for: text)
        return normalizes ? Similarity.normalized(vector) : vector
    }

    /// A fake-server handler: embedding requests go to `embedding`, everything else to `auxiliary`.
    func handler(_ embedding: @escaping @Sendable (RecordedRequest) async throws -> FakeResponse)
        -> @Sendable (RecordedRequest) async throws -> FakeResponse
    {
        let path = embeddingPath
        let auxiliary = auxiliary
        return { request in request.path == path ? try await embedding(request) : auxiliary(request) }
    }
}

extension ProviderHarness {
    static let apiKey = "sk-test-123"

    static func openAIStyleError(_ status: Int, _ message: String) -> FakeResponse {
        .json(ErrorBodies.openAI(message, type: status == 401 ? "invalid_request_error" : "server_error"), status: status)
    }

    static let openAI = ProviderHarness(
        name: "OpenAI", embeddingPath: "/v1/embeddings",
        make: { base, client, transport in
            OpenAIEmbedder(
                configuration: try OpenAIConfiguration(
                    apiKey: apiKey, baseURL: base + "/v1", encodingFormat: .base64, transport: transport, environment: [:]), httpClient: client)
        },
        respond: { FakeVectors.openAIResponse(for: $0) }, inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer \(apiKey)" },
        errorBody: openAIStyleError)

    static let azureClassic = ProviderHarness(
        name: "Azure OpenAI (classic)", embeddingPath: "/openai/deployments/embed-small/embeddings",
        make: { base, client, transport in
            AzureOpenAIEmbedder(
                configuration: try AzureOpenAIConfiguration(
                    endpoint: base, deployment: "embed-small", apiVersion: "2024-10-21", apiKey: apiKey,
                    transport: transport, environment: [:]), httpClient: client)
        },
        respond: { request in
            request.queryItems["api-version"] == "2024-10-21"
                ? FakeVectors.openAIResponse(for: request) : .json(ErrorBodies.openAI("bad api-version"), status: 404)
        },
        inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("api-key") == apiKey && $0.header("authorization") == nil },
        errorBody: { status, message in .json(["error": ["code": .string("\(status)"), "message": .string(message)]], status: status) })

    static let azureV1 = ProviderHarness(
        name: "Azure OpenAI (v1)", embeddingPath: "/openai/v1/embeddings",
        make: { base, client, transport in
            AzureOpenAIEmbedder(
                configuration: try AzureOpenAIConfiguration(
                    endpoint: base, deployment: "embed-small", adToken: "entra-token", transport: transport, environment: [:]), httpClient: client)
        },
        respond: { request in
            request.json["model"]?.stringValue == "embed-small"
                ? FakeVectors.openAIResponse(for: request) : .json(ErrorBodies.openAI("model must be the deployment"), status: 400)
        },
        inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer entra-token" && $0.header("api-key") == nil },
        errorBody: { status, message in .json(["error": ["code": .string("\(status)"), "message": .string(message)]], status: status) })

    static let ollama = ProviderHarness(
        name: "Ollama", embeddingPath: "/api/embed",
        make: { base, client, transport in
            OllamaEmbedder(
                configuration: try OllamaConfiguration(
                    model: "all-minilm", baseURL: base, apiKey: apiKey, transport: transport, environment: [:]), httpClient: client)
        },
        respond: { request in
            let inputs = FakeVectors.inputs(request)
            return .json([
                "model": "all-minilm", "embeddings": .array(inputs.map { FakeVectors.json(FakeVectors.vector(for: $0)) }),
                "total_duration": 14_143_917, "load_duration": 1_019_500, "prompt_eval_count": 8,
            ])
        },
        inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer \(apiKey)" },
        errorBody: { status, message in .json(["error": .string(message)], status: status) },
        auxiliary: { request in
            request.path == "/api/tags"
                ? .json(["models": [["name": "all-minilm:latest", "model": "all-minilm:latest", "size": 45_000_000]]])
                : .text("404 page not found", status: 404)
        })

    static let lmStudio = ProviderHarness(
        name: "LM Studio", embeddingPath: "/v1/embeddings",
        make: { base, client, transport in
            LMStudioEmbedder(configuration: try LMStudioConfiguration(baseURL: base + "/v1", transport: transport), httpClient: client)
        },
        respond: { FakeVectors.openAIResponse(for: $0) }, inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer lm-studio" },
        errorBody: openAIStyleError)

    static let together = ProviderHarness(
        name: "Together", embeddingPath: "/v1/embeddings",
        make: { base, client, transport in
            TogetherEmbedder(
                configuration: try TogetherConfiguration(
                    apiKey: apiKey, baseURL: base + "/v1", transport: transport, environment: [:]), httpClient: client)
        },
        respond: { FakeVectors.openAIResponse(for: $0) }, inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer \(apiKey)" },
        errorBody: openAIStyleError)

    static let teiOpenAI = ProviderHarness(
        name: "TEI (OpenAI route)", embeddingPath: "/v1/embeddings",
        make: { base, client, transport in
            HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .openAI, baseURL: base + "/v1", apiKey: apiKey, transport: transport, environment: [:]), httpClient: client)
        },
        respond: { FakeVectors.openAIResponse(for: $0) }, inputs: { FakeVectors.inputs($0) },
        isAuthenticated: { $0.header("authorization") == "Bearer \(apiKey)" },
        errorBody: { status, message in .json(["message": .string(message), "code": .number(Double(status)), "type": "Validation"], status: status) })

    static let teiNative = ProviderHarness(
        name: "TEI (native /embed)", embeddingPath: "/embed",
        make: { base, client, transport in
            HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    api: .tei, baseURL: base, apiKey: apiKey, transport: transport, environment: [:]), httpClient: client)
        },
        respond: { request in
            .json(.array(FakeVectors.inputs(request, key: "inputs").map { FakeVectors.json(FakeVectors.vector(for: $0)) }))
        },
        inputs: { FakeVectors.inputs($0, key: "inputs") },
        isAuthenticated: { $0.header("authorization") == "Bearer \(apiKey)" },
        errorBody: { status, message in .json(["error": .string(message), "error_type": "Validation"], status: status) })

    static let huggingFaceHosted = ProviderHarness(
        name: "Hugging Face Inference API",
        embeddingPath: "/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction",
        make: { base, client, transport in
            HuggingFaceEmbedder(
                configuration: try HuggingFaceConfiguration(
                    baseURL: base + "/hf-inference", model: "sentence-transformers/all-MiniLM-L6-v2",
                    transport: transport, environment: ["HF_TOKEN": "hf_token"]), httpClient: client)
        },
        respond: { request in
            .json(.array(FakeVectors.inputs(request, key: "inputs").map { FakeVectors.json(FakeVectors.vector(for: $0)) }))
        },
        inputs: { FakeVectors.inputs($0, key: "inputs") },
        isAuthenticated: { $0.header("authorization") == "Bearer hf_token" },
        errorBody: { status, message in .json(["error": .string(message)], status: status) })

    static func googleError(_ status: Int, _ message: String) -> FakeResponse {
        let rpc: String =
            switch status {
            case 401: "UNAUTHENTICATED"
            case 403: "PERMISSION_DENIED"
            case 429: "RESOURCE_EXHAUSTED"
            case 400: "INVALID_ARGUMENT"
            default: "INTERNAL"
            }
        return .json(ErrorBodies.google(status, message, status: rpc), status: status)
    }

    static let gemini = ProviderHarness(
        name: "Gemini", embeddingPath: "/v1beta/models/gemini-embedding-001:batchEmbedContents",
        make: { base, client, transport in
            GeminiEmbedder(
                configuration: try GeminiConfiguration(
                    apiKey: "AIza-test", baseURL: base + "/v1beta", outputDimensionality: 4, transport: transport,
                    environment: [:]), httpClient: client)
        },
        respond: { request in
            let requests = request.json["requests"]?.arrayValue ?? []
            let texts = requests.compactMap { $0["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue }
            return .json(["embeddings": .array(texts.map { ["values": FakeVectors.json(FakeVectors.vector(for: $0))] })])
        },
        inputs: { request in
            (request.json["requests"]?.arrayValue ?? []).compactMap {
                $0["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue
            }
        },
        isAuthenticated: { $0.header("x-goog-api-key") == "AIza-test" },
        errorBody: googleError, normalizes: true)

    static let vertex = ProviderHarness(
        name: "Vertex AI", embeddingPath: "/v1/projects/proj-1/locations/us-central1/publishers/google/models/text-embedding-005:predict",
        make: { base, client, transport in
            VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: "text-embedding-005", projectID: "proj-1", baseURL: base, accessToken: "ya29.test",
                    outputDimensionality: 4, transport: transport, environment: [:]), httpClient: client)
        },
        respond: { request in
            let texts = (request.json["instances"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }
            return .json([
                "predictions": .array(
                    texts.map {
                        ["embeddings": ["values": FakeVectors.json(FakeVectors.vector(for: $0)), "statistics": ["truncated": false, "token_count": 3]]]
                    }),
                "metadata": ["billableCharacterCount": 42],
            ])
        },
        inputs: { ($0.json["instances"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue } },
        isAuthenticated: { $0.header("authorization") == "Bearer ya29.test" },
        errorBody: googleError, normalizes: true)

    static let all: [ProviderHarness] = [
        openAI, azureClassic, azureV1, ollama, lmStudio, together, teiOpenAI, teiNative, huggingFaceHosted, gemini, vertex,
    ]
}
