/// How token vectors become one sentence vector: sentence-transformers' `Pooling` module.
public struct PoolingConfiguration: Codable, Sendable, Hashable {
    /// One way of reducing token vectors to a single vector.
    public enum Mode: String, Codable, Sendable, Hashable, CaseIterable {
        /// The first token's vector ([CLS]); with prompts excluded, the first non-prompt token's.
        case cls
        /// The element-wise maximum over the tokens.
        case max
        /// The average of the tokens.
        case mean
        /// The sum of the tokens divided by the square root of their count.
        case meanSquareRootLength = "mean_sqrt_len_tokens"
        /// The average weighted by position: token *i* (0-based, [CLS] included) weighs *i* + 1.
        case weightedMean = "weightedmean"
        /// The last real token's vector ([SEP] for BERT inputs).
        case lastToken = "lasttoken"

        /// sentence-transformers' legacy `pooling_mode_*` flags, in the order it concatenates
        /// the modes they enable.
        public static let legacyFlags: [(key: String, mode: Mode)] = [
            ("pooling_mode_cls_token", .cls),
            ("pooling_mode_max_tokens", .max),
            ("pooling_mode_mean_tokens", .mean),
            ("pooling_mode_mean_sqrt_len_tokens", .meanSquareRootLength),
            ("pooling_mode_weightedmean_tokens", .weightedMean),
            ("pooling_mode_lasttoken", .lastToken),
        ]
    }

    /// The modes whose results are concatenated, in order; never empty.
    public var modes: [Mode]
    /// Width of each token vector (the model's hidden size).
    public var embeddingDimension: Int
    /// Whether prompt tokens take part in pooling; when `false`, the leading tokens the caller
    /// marks as prompt (the [CLS] token and the prompt's pieces) are left out.
    public var includesPrompt: Bool

    /// Creates a pooling configuration.
    ///
    /// - Precondition: `modes` is not empty.
    public init(modes: [Mode], embeddingDimension: Int, includesPrompt: Bool = true) {
        precondition(!modes.isEmpty, "pooling needs at least one mode")
        self.modes = modes
        self.embeddingDimension = embeddingDimension
        self.includesPrompt = includesPrompt
    }

    /// Width of the pooled vector: one `embeddingDimension` per mode.
    public var outputDimension: Int { modes.count * embeddingDimension }
}
