/// A transformer's feed-forward activation (`hidden_act`, `activation` or `hidden_activation` in
/// `config.json`).
public enum HiddenActivation: String, Codable, Sendable, Hashable, CaseIterable {
    /// The exact GELU, `0.5·x·(1 + erf(x/√2))` (`"gelu"`, `"gelu_python"`).
    case gelu
    /// The tanh approximation, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`
    /// (`"gelu_new"`, `"gelu_pytorch_tanh"`, `"gelu_fast"`).
    case geluTanh
    /// `max(0, x)` (`"relu"`).
    case relu
    /// `x · sigmoid(x)` (`"silu"`, `"swish"`), the gate of SwiGLU feed-forward networks.
    case silu

    /// Maps a transformers activation name; `nil` for names this runtime does not implement.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu", "gelu_python": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        default: return nil
        }
    }

    /// The names ``init(huggingFaceName:)`` accepts.
    public static let supportedHuggingFaceNames = [
        "gelu", "gelu_python", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish",
    ]
}
