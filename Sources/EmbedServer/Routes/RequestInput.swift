/// The `input` / `inputs` field shared by OpenAI's and TEI's embedding requests: a string, an
/// array of strings, an array of token ids, or an array of token-id arrays.
enum RequestInput: Decodable, Sendable, Equatable {
    case text(String)
    case texts([String])
    case tokenIDs([Int])
    case tokenIDArrays([[Int]])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let texts = try? container.decode([String].self) {
            self = .texts(texts)
        } else if let ids = try? container.decode([Int].self) {
            self = .tokenIDs(ids)
        } else if let arrays = try? container.decode([[Int]].self) {
            self = .tokenIDArrays(arrays)
        } else {
            throw DecodingError.typeMismatch(
                RequestInput.self,
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a string, an array of strings, an array of token ids or an array of token-id arrays"
                )
            )
        }
    }

    /// The number of inputs.
    var count: Int {
        switch self {
        case .text: 1
        case .texts(let texts): texts.count
        case .tokenIDs: 1
        case .tokenIDArrays(let arrays): arrays.count
        }
    }

    /// The inputs as the batcher takes them.
    var embeddingInputs: [EmbeddingInput] {
        switch self {
        case .text(let text): [.text(text)]
        case .texts(let texts): texts.map { .text($0) }
        case .tokenIDs(let ids): [.tokenIDs(ids)]
        case .tokenIDArrays(let arrays): arrays.map { .tokenIDs($0) }
        }
    }
}

/// Ollama's `input`: a string or an array of strings, nothing else.
enum OllamaInput: Decodable, Sendable, Equatable {
    case text(String)
    case texts([String])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let texts = try? container.decode([String].self) {
            self = .texts(texts)
        } else {
            // Ollama's own words, so that clients matching on them keep working.
            throw DecodingError.typeMismatch(
                OllamaInput.self,
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "invalid input type; expected a string or an array of strings"
                )
            )
        }
    }

    /// The texts to embed. A single empty string means "no input", as in Ollama.
    var texts: [String] {
        switch self {
        case .text(let text): text.isEmpty ? [] : [text]
        case .texts(let texts): texts
        }
    }
}
