/// How a model file stores its weights.
///
/// The raw values are the spellings of `embed convert --dtype`.
public enum ModelFileStorage: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// IEEE 754 binary32, the default: weights are read straight from the mapping, with no copy.
    case float32 = "f32"
    /// IEEE 754 binary16: half the file size; widened to fp32 once when the file is opened, which
    /// costs that memory and a conversion pass at load. Weights outside ±65504 cannot be stored.
    case float16 = "f16"

    /// The element type every tensor of the file has.
    public var dataType: TensorDataType {
        switch self {
        case .float32: .float32
        case .float16: .float16
        }
    }

    /// Bytes per stored element.
    public var byteWidth: Int { dataType.byteWidth }

    /// The `--dtype` spelling: `f32` or `f16`.
    public var description: String { rawValue }
}
