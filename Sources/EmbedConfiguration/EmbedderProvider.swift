import EmbedCore
/// The engines an ``EmbedderConfiguration`` can name, spelled as mem0 spells them.
public enum EmbedderProvider: String, Sendable, Hashable, Codable, CaseIterable {
    /// This package's offline runtime (not a mem0 name).
    case local
    /// OpenAI, or any server that speaks its `/v1/embeddings` API (`openai_base_url`).
    case openAI = "openai"
    /// Azure OpenAI, classic dated API or the v1 API.
    case azureOpenAI = "azure_openai"
    /// An Ollama server.
    case ollama
    /// Hugging Face: the local sentence-transformers model, or a Text Embeddings Inference server
    /// or the hosted Inference API when a base URL or API is configured.
    case huggingFace = "huggingface"
    /// The Gemini API (Google AI Studio keys).
    case gemini
    /// Vertex AI (Google Cloud projects).
    case vertexAI = "vertexai"
    /// Together AI.
    case together
    /// LM Studio's OpenAI-compatible server.
    case lmStudio = "lmstudio"

    /// The valid names, in the order the documentation lists them.
    public static var validNames: [String] { allCases.map(\.rawValue) }

    /// Parses a provider name as written in a configuration file or on the command line.
    ///
    /// Case, `-` and `_` are ignored (`Azure-OpenAI`, `lm_studio`), and two aliases are accepted:
    /// `google` for ``gemini`` (mem0's TypeScript port) and `vertex` for ``vertexAI``.
    ///
    /// - Throws: ``ConfigurationError/unknownProvider(_:valid:)`` listing the valid names.
    public init(configurationName name: String) throws(ConfigurationError) {
        let folded = Self.fold(name)
        if let match = Self.allCases.first(where: { Self.fold($0.rawValue) == folded }) {
            self = match
            return
        }
        switch folded {
        case "google": self = .gemini
        case "vertex": self = .vertexAI
        default: throw ConfigurationError.unknownProvider(name, valid: Self.validNames)
        }
    }

    private static func fold(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" && $0 != "-" && !$0.isWhitespace })
    }
}

/// Which HTTP API a ``EmbedderProvider/huggingFace`` configuration talks to.
public enum HuggingFaceAPI: String, Sendable, Hashable, Codable, CaseIterable {
    /// The OpenAI-compatible route (`{base}/embeddings`) that Text Embeddings Inference and most
    /// Hugging Face endpoints serve. mem0's behaviour for `huggingface_base_url`.
    case openAI = "openai"
    /// Text Embeddings Inference's native `POST {base}/embed`.
    case tei
    /// The hosted Inference API's feature-extraction pipeline
    /// (`{base}/models/{model}/pipeline/feature-extraction`).
    case inference
}
