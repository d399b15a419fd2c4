/// The BERT encoder family, as Hugging Face transformers' `BertModel` defines it.
///
/// The namespace mirrors the checkpoint's module tree — ``Bert/Embeddings``, ``Bert/SelfAttention``,
/// ``Bert/Layer``, ``Bert/Encoder`` — so every weight maps one to one onto a tensor name such as
/// `encoder.layer.3.attention.self.query.weight`. Only what sentence-transformers reads is
/// implemented: the `last_hidden_state` (no pooler head), with token type 0 and absolute positions.
public enum Bert {}

extension Bert {
    /// The hyper-parameters a checkpoint's `config.json` stores, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        /// Rows of the word-embedding table.
        public var vocabularySize: Int
        /// Width of every hidden state.
        public var hiddenSize: Int
        /// Number of transformer layers.
        public var layerCount: Int
        /// Attention heads per layer; `hiddenSize` is a multiple of it.
        public var attentionHeadCount: Int
        /// Width of the feed-forward layer.
        public var intermediateSize: Int
        /// Rows of the position-embedding table: the longest sequence the model can read.
        public var maximumPositionCount: Int
        /// Rows of the token-type table (only row 0 is used).
        public var tokenTypeCount: Int
        /// The epsilon added to the variance in every LayerNorm.
        public var layerNormEpsilon: Float
        /// The feed-forward activation.
        public var hiddenActivation: Activation

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(
            vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int, intermediateSize: Int,
            maximumPositionCount: Int, tokenTypeCount: Int = 2, layerNormEpsilon: Float = 1e-12,
            hiddenActivation: Activation = .gelu
        ) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.tokenTypeCount = tokenTypeCount
            self.layerNormEpsilon = layerNormEpsilon
            self.hiddenActivation = hiddenActivation
        }

        /// Width of one attention head.
        public var headSize: Int { hiddenSize / attentionHeadCount }

        /// Returns a description of the first inconsistency, or `nil` when the sizes make sense.
        public func validate() -> String? {
            let positive: [(String, Int)] = [
                ("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount),
                ("num_attention_heads", attentionHeadCount), ("intermediate_size", intermediateSize),
                ("max_position_embeddings", maximumPositionCount), ("type_vocab_size", tokenTypeCount),
            ]
            for (key, value) in positive where value <= 0 {
                return "\(key) must be positive; it is \(value)."
            }
            if hiddenSize % attentionHeadCount != 0 {
                return "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(attentionHeadCount)."
            }
            if !(layerNormEpsilon >= 0) || !layerNormEpsilon.isFinite {
                return "layer_norm_eps must be a finite non-negative number; it is \(layerNormEpsilon)."
            }
            return nil
        }
    }

    /// The feed-forward activation (`hidden_act` in `config.json`).
    public enum Activation: String, Codable, Sendable, Hashable, CaseIterable {
        /// The exact GELU, `0.5·x·(1 + erf(x/√2))` (`"gelu"`, `"gelu_python"`).
        case gelu
        /// The tanh approximation, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`
        /// (`"gelu_new"`, `"gelu_pytorch_tanh"`, `"gelu_fast"`).
        case geluTanh
        /// `max(0, x)` (`"relu"`).
        case relu

        /// Maps a transformers `hidden_act` name; `nil` for names this runtime does not implement.
        public init?(huggingFaceName name: String) {
            switch name {
            case "gelu", "gelu_python": self = .gelu
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
            case "relu": self = .relu
            default: return nil
            }
        }

        /// The `hidden_act` names ``init(huggingFaceName:)`` accepts.
        public static let supportedHuggingFaceNames = ["gelu", "gelu_python", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"]
    }
}
