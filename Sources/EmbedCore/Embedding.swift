/// One text's vector, with what the engine reports about how the text was read.
public struct Embedding: Sendable, Hashable, Codable {
    /// The vector.
    public var vector: [Float]

    /// How many tokens the engine read, after truncation; `nil` when the engine does not say.
    public var tokenCount: Int?

    /// How many tokens the text had before truncation; equals `tokenCount` when nothing was cut,
    /// `nil` when the engine does not say.
    public var inputTokenCount: Int?

    /// Whether the text was cut to fit the model's maximum length.
    public var isTruncated: Bool

    /// Creates an embedding.
    public init(vector: [Float], tokenCount: Int? = nil, inputTokenCount: Int? = nil, isTruncated: Bool = false) {
        self.vector = vector
        self.tokenCount = tokenCount
        self.inputTokenCount = inputTokenCount ?? tokenCount
        self.isTruncated = isTruncated
    }

    /// The number of dimensions.
    public var dimensions: Int { vector.count }
}
