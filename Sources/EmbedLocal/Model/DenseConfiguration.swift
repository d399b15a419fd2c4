/// A fully connected layer after pooling: sentence-transformers' `Dense` module,
/// `activation(x·Wᵀ + b)` (plus `x`, or `x·Rᵀ`, when it has a residual connection).
public struct DenseConfiguration: Codable, Sendable, Hashable {
    /// The activation applied to the layer's output.
    public enum Activation: String, Codable, Sendable, Hashable, CaseIterable {
        /// No activation (`torch.nn.modules.linear.Identity`).
        case identity
        /// `tanh` (`torch.nn.modules.activation.Tanh`, the sentence-transformers default).
        case tanh
        /// `max(0, x)` (`torch.nn.modules.activation.ReLU`).
        case relu
        /// The exact GELU (`torch.nn.modules.activation.GELU`, whose default is not the tanh form).
        case gelu
        /// `1 / (1 + e^-x)` (`torch.nn.modules.activation.Sigmoid`).
        case sigmoid

        /// Maps the fully qualified torch class name sentence-transformers stores in
        /// `activation_function` (matched on the class name, the part after the last dot);
        /// `nil` for activations this runtime does not implement.
        public init?(torchClassName name: String) {
            switch name.split(separator: ".").last.map(String.init) ?? name {
            case "Identity": self = .identity
            case "Tanh": self = .tanh
            case "ReLU": self = .relu
            case "GELU": self = .gelu
            case "Sigmoid": self = .sigmoid
            default: return nil
            }
        }
    }

    /// Width of the input vector.
    public var inputDimension: Int
    /// Width of the output vector.
    public var outputDimension: Int
    /// Whether the layer adds a bias vector.
    public var hasBias: Bool
    /// The activation applied after the linear map.
    public var activation: Activation
    /// Whether the input is added back after the activation (projected by a bias-free linear map
    /// when the widths differ).
    public var usesResidual: Bool
    /// The module's folder, relative to the model folder (e.g. `2_Dense`), where its weights are.
    public var path: String

    /// Creates a Dense layer configuration.
    public init(
        inputDimension: Int, outputDimension: Int, hasBias: Bool = true, activation: Activation = .tanh,
        usesResidual: Bool = false, path: String = ""
    ) {
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        self.hasBias = hasBias
        self.activation = activation
        self.usesResidual = usesResidual
        self.path = path
    }

    /// Whether the residual needs its own projection matrix (`residual.weight`).
    public var hasResidualProjection: Bool { usesResidual && inputDimension != outputDimension }
}
