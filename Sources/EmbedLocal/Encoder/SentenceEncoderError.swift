import EmbedCore

/// Why a ``SentenceEncoder`` could not be built or could not encode its input.
public enum SentenceEncoderError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The model description is inconsistent.
    case invalidDescription(String)
    /// The weights lack a tensor the forward pass needs.
    case missingTensor(name: String)
    /// A tensor has a different shape than the description implies.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// The tensor source could not produce fp32 data for a tensor.
    case unreadableTensor(name: String, detail: String)
    /// Sequence `index` has no tokens.
    case emptySequence(index: Int)
    /// Sequence `index` is longer than the model's position table.
    case sequenceTooLong(index: Int, length: Int, limit: Int)
    /// Sequence `index` holds a token id outside the vocabulary.
    case tokenOutOfRange(index: Int, position: Int, token: Int32, vocabularySize: Int)
    /// `promptLengths` does not have one entry per sequence, or an entry is negative.
    case invalidPromptLengths(String)
    /// The thread count set in the environment variable `variable` is not a whole number in
    /// ``SentenceEncoder/Options/allowedThreadCounts``.
    case invalidThreadCount(variable: String, value: String)
    /// An environment variable of the local runtime holds a value it cannot take.
    case invalidSetting(variable: String, value: String, expected: String)

    /// A one-line explanation naming the file, tensor or sequence involved.
    public var description: String {
        switch self {
        case .invalidDescription(let detail):
            "Invalid model description: \(detail)"
        case .missingTensor(let name):
            "The weights have no tensor \"\(name)\", which the model needs."
        case .shapeMismatch(let name, let expected, let found):
            "Tensor \"\(name)\" has shape \(found); the model description needs \(expected)."
        case .unreadableTensor(let name, let detail):
            "Tensor \"\(name)\" cannot be read as fp32: \(detail)"
        case .emptySequence(let index):
            "Sequence \(index) has no tokens; it must hold at least [CLS] and [SEP]."
        case .sequenceTooLong(let index, let length, let limit):
            "Sequence \(index) has \(length) tokens; the model reads at most \(limit). Truncate it first."
        case .tokenOutOfRange(let index, let position, let token, let vocabularySize):
            "Sequence \(index) has token id \(token) at position \(position); ids must be in 0..<\(vocabularySize)."
        case .invalidPromptLengths(let detail):
            "Invalid prompt lengths: \(detail)"
        case .invalidSetting(let variable, let value, let expected):
            "\(variable)=\"\(value)\" is not valid: set \(expected)."
        case .invalidThreadCount(let variable, let value):
            "\(variable)=\"\(value)\" is not a thread count: set a whole number from \(SentenceEncoder.Options.allowedThreadCounts.lowerBound) to \(SentenceEncoder.Options.allowedThreadCounts.upperBound), or unset it to use every core this process may run on (\(AvailableCores.count) here)."
        }
    }
}
