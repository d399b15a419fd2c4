/// How a model file stores its weights.
///
/// The raw values are the spellings of `embed convert --dtype`.
public enum ModelFileStorage: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// IEEE 754 binary32, the default: weights are read straight from the mapping, with no copy.
    case float32 = "f32"
    /// IEEE 754 binary16: half the file size; widened to fp32 once when the file is opened, which
    /// costs that memory and a conversion pass at load. Weights outside ±65504 cannot be stored.
    case float16 = "f16"
    /// Linear layers' weights and the word embedding table as int8, one fp32 scale per row
    /// (output feature, or token), symmetric; every other tensor fp32. About a quarter of the
    /// fp32 size; the linear layers then run int8 products with activations quantized per token.
    case int8 = "int8"

    /// The element type of the tensors stored at full width: every tensor for `f32` and `f16`,
    /// all but the quantized ones (and their scales, always fp32) for `int8`.
    public var dataType: TensorDataType {
        switch self {
        case .float32, .int8: .float32
        case .float16: .float16
        }
    }

    /// Whether a tensor stored as `dataType` may appear in a file of this storage.
    public func allows(_ dataType: TensorDataType) -> Bool {
        dataType == self.dataType || (self == .int8 && dataType == .int8)
    }

    /// The `--dtype` spelling: `f32`, `f16` or `int8`.
    public var description: String { rawValue }
}
