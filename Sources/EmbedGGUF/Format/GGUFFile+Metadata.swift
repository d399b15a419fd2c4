extension GGUFFile {
    /// An integer the conversion needs.
    ///
    /// - Throws: ``GGUFError/Reason/missingKey(_:expected:)`` when it is absent or not an integer.
    func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key]?.int else { throw GGUFError(path: path, .missingKey(key, expected: "an integer")) }
        return value
    }

    /// A number the conversion needs.
    func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = metadata[key]?.double else { throw GGUFError(path: path, .missingKey(key, expected: "a number")) }
        return value
    }

    /// An optional integer; present with another type is an error, not a default.
    func optionalInt(_ key: String) throws(GGUFError) -> Int? {
        guard let value = metadata[key] else { return nil }
        guard let int = value.int else { throw GGUFError(path: path, .missingKey(key, expected: "an integer")) }
        return int
    }

    /// An optional Boolean; present with another type is an error, not a default.
    func optionalBool(_ key: String) throws(GGUFError) -> Bool? {
        guard let value = metadata[key] else { return nil }
        guard let bool = value.bool else { throw GGUFError(path: path, .missingKey(key, expected: "a Boolean")) }
        return bool
    }

    /// The row-major shape of a tensor the model needs.
    func shape(of name: String) throws(GGUFError) -> [Int] {
        guard let tensor = tensorsByName[name] else { throw GGUFError(path: path, .tensor(name: name, detail: "missing")) }
        return tensor.shape
    }

    /// The tokenizer's vocabulary: `tokenizer.ggml.tokens` by id, and `tokenizer.ggml.token_type`
    /// (every token ``GGUFTokenType/normal`` when the file has none).
    func tokenizerVocabulary() throws(GGUFError) -> (tokens: [String], types: [Int]) {
        guard let stored = metadata["tokenizer.ggml.tokens"]?.array, !stored.isEmpty else {
            throw GGUFError(path: path, .missingKey("tokenizer.ggml.tokens", expected: "an array of strings"))
        }
        let tokens = stored.compactMap(\.string)
        guard tokens.count == stored.count else {
            throw GGUFError(path: path, .missingKey("tokenizer.ggml.tokens", expected: "an array of strings"))
        }
        guard let value = metadata["tokenizer.ggml.token_type"] else {
            return (tokens, [Int](repeating: GGUFTokenType.normal, count: tokens.count))
        }
        guard let types = value.array?.compactMap(\.int), types.count == tokens.count else {
            throw GGUFError(path: path, .missingKey("tokenizer.ggml.token_type", expected: "one integer per token"))
        }
        return (tokens, types)
    }

    /// A special token's id, or `nil` when the key is absent; an id outside the vocabulary of
    /// `count` tokens is an error.
    func optionalTokenID(_ key: String, count: Int) throws(GGUFError) -> Int? {
        guard let value = try optionalInt(key) else { return nil }
        guard (0..<count).contains(value) else {
            throw GGUFError(path: path, .missingKey(key, expected: "a token id below \(count)"))
        }
        return value
    }
}

/// llama.cpp's token types (`tokenizer.ggml.token_type`).
enum GGUFTokenType {
    static let normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}
