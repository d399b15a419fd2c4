/// An error about the input or output of an embedding call, independent of the engine.
///
/// Engine-specific failures (a corrupt model file, a provider's HTTP error) have their own error
/// types in their layers; this one covers what every engine shares.
public struct EmbeddingError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case countMismatch(expected: Int, received: Int, source: String)
        case dimensionMismatch(expected: Int, received: Int, source: String)
        case invalidDimensions(requested: Int, available: Int)
        case emptyInput(index: Int)
        case invalidOption(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The engine returned a different number of vectors than texts it was given.
    public static func countMismatch(expected: Int, received: Int, source: String) -> Self {
        Self(.countMismatch(expected: expected, received: received, source: source))
    }

    /// A vector's length differs from the configured `embedding_dims`.
    public static func dimensionMismatch(expected: Int, received: Int, source: String) -> Self {
        Self(.dimensionMismatch(expected: expected, received: received, source: source))
    }

    /// `dimensions` was not between 1 and the model's size.
    public static func invalidDimensions(requested: Int, available: Int) -> Self {
        Self(.invalidDimensions(requested: requested, available: available))
    }

    /// The text at `index` is empty (after trimming) where the engine cannot embed empty texts.
    public static func emptyInput(index: Int) -> Self { Self(.emptyInput(index: index)) }

    /// An option has a value the engine cannot honour.
    public static func invalidOption(_ message: String) -> Self { Self(.invalidOption(message)) }

    public var description: String {
        switch code {
        case .countMismatch(let expected, let received, let source):
            "\(source) returned \(received) embeddings for \(expected) texts."
        case .dimensionMismatch(let expected, let received, let source):
            "\(source) returned \(received)-dimensional vectors, but embedding_dims is \(expected)."
        case .invalidDimensions(let requested, let available):
            "dimensions must be between 1 and \(available) for this model; got \(requested)."
        case .emptyInput(let index):
            "Text \(index) is empty; this engine cannot embed an empty text."
        case .invalidOption(let message):
            message
        }
    }
}
